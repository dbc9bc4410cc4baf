"""jobtrends: hiring-market intelligence from public job postings (application layer)."""

__version__ = "0.1.0"
