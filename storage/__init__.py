"""Storage: typed models, posting ingest, lifecycle reconciliation, migrations and trends.

Storage imports neither Scrapy nor spaCy; it accepts plain :mod:`storage.records`.
"""
