"""Time a process's first enrichment: import, then one ``enrich_many`` call (builds pipelines).

    .venv/bin/python tools/measure_startup.py en          # one English posting
    .venv/bin/python tools/measure_startup.py en,nl,fr    # three languages: three pipelines

Run it in a fresh process each time (the point is the cold start); compare revisions with
``PYTHONPATH=<other checkout>``.
"""

from __future__ import annotations

import sys
import time

SAMPLES = {
    "en": ("Data Engineer", "We build pipelines in Python, dbt and Airflow on AWS. "
           "Join our team in Brussels.", "Brussels"),
    "nl": ("Stagiair Machine Learning", "Gravitystack SAS zoekt een stagiair voor ons machine "
           "learning team. Je bouwt modellen met Python en PyTorch.", "Gent, België"),
    "fr": ("Stage Data Science", "Nous recherchons un stagiaire en data science pour notre "
           "équipe à Lyon. Python et SQL.", "Lyon, France"),
    "de": ("Werkstudent Machine Learning", "Wir suchen einen Werkstudenten für unser Team in "
           "Berlin. Python und SQL.", "Berlin"),
}


def main(argv: list[str]) -> int:
    langs = (argv[1] if len(argv) > 1 else "en").split(",")
    unknown = [lang for lang in langs if lang not in SAMPLES]
    if unknown:
        print(f"unknown language(s) {unknown}; choose among {sorted(SAMPLES)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    from enrichment import PostingText, get_enricher

    t1 = time.perf_counter()
    items = [PostingText(title=t, description=d, location=loc)
             for t, d, loc in (SAMPLES[lang] for lang in langs)]
    get_enricher().enrich_many(items)
    t2 = time.perf_counter()
    print(f"{','.join(langs)}: import {t1 - t0:.2f} s, first enrich_many {t2 - t1:.2f} s, "
          f"total {t2 - t0:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
