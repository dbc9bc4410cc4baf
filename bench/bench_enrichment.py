"""Enrichment throughput beside the bare ``spacy.blank(lang)`` tokenizer, same texts, same run.

Postings are built from the hand-labelled evaluation set: each bench posting joins several
descriptions of one language (about the length of a real posting, 1.5-2.5k characters), with a
unique reference at the start of the description so no cache (lingua's included) is hit twice.
A share of them is HTML. The baseline tokenizes the same title + plain-text description with
``spacy.blank(lang)``; the pipeline pays for HTML parsing, language detection and every
component. Both are timed in CPU time of this process, interleaved, best of ``--repeat``.
Target: pipeline >= 0.7 x tokenizer throughput.

    .venv/bin/python bench/bench_enrichment.py [--postings 600] [--html-share 0.3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "enrichment_eval.jsonl"


def build_corpus(n: int, html_share: float, per_posting: int, seed: int = 7) -> list[dict]:
    rows = [json.loads(line) for line in EVAL_FILE.open(encoding="utf-8") if line.strip()]
    by_lang: dict[str, list[dict]] = {}
    for row in rows:
        by_lang.setdefault(row["labels"].get("language", "en"), []).append(row)
    rng = random.Random(seed)
    langs = sorted(by_lang)
    weights = [len(by_lang[lang]) for lang in langs]
    corpus = []
    for i in range(n):
        lang = rng.choices(langs, weights)[0]
        picked = rng.sample(by_lang[lang], min(per_posting, len(by_lang[lang])))
        paragraphs = [f"Ref {i:05d}-{rng.randrange(10**6)}."] + [p["description"] for p in picked]
        if rng.random() < html_share:
            description = "".join(f"<p>{p}</p>" for p in paragraphs)
        else:
            description = "\n\n".join(paragraphs)
        corpus.append(
            {
                "title": picked[0]["title"],
                "description": description,
                "location": picked[0].get("location"),
                "lang": lang,
            }
        )
    return corpus


def simulator_corpus(n: int, html_share: float, seed: int = 7) -> list[dict]:
    """Postings of the demo's simulated market: multi-paragraph descriptions with an intro,
    role, profile and offer, written by jobtrends.simulator (not from the evaluation set)."""
    from jobtrends.demo import DemoConfig
    from jobtrends.simulator import build_market
    from jobtrends.simulator.content import description, location_label

    market = build_market(DemoConfig(weeks=8, seed=seed, size="small").market_config())
    rng = random.Random(seed)
    corpus = []
    for i, role in enumerate(market.roles[:n]):
        company = market.companies[role.company] if isinstance(role.company, int) \
            else role.company
        text = description(role, company)
        body = text.html() if rng.random() < html_share else text.plain()
        corpus.append({"title": role.title, "description": f"Ref {i:05d}. {body}",
                       "location": location_label(role, company), "lang": role.language})
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=600)
    parser.add_argument("--html-share", type=float, default=0.3)
    parser.add_argument("--per-posting", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", choices=("eval", "simulator"), default="eval",
                        help="eval: dense postings joined from the evaluation set (about 60 "
                        "skill mentions each); simulator: the demo market's postings")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    import spacy
    from spacy.tokenizer import Tokenizer

    from enrichment import ENRICHMENT_VERSION, Enricher, PostingText
    from enrichment.language import detect_language
    from enrichment.text import join_fields, to_plain_text

    if args.corpus == "eval":
        corpus = build_corpus(args.postings, args.html_share, args.per_posting)
    else:
        corpus = simulator_corpus(args.postings, args.html_share)
    postings = [
        PostingText(title=p["title"], description=p["description"], location=p["location"])
        for p in corpus
    ]
    plain = [join_fields(p["title"], to_plain_text(p["description"]))[0] for p in corpus]
    chars = sum(len(t) for t in plain)

    # spaCy's own one-time cost (importing a language compiles its tokenizer exceptions; French
    # takes seconds) is paid by the first spacy.blank; then our pipelines are built and timed
    blank, blank_build, build = {}, {}, {}
    enricher = Enricher()
    for lang in ("en", "fr", "nl", "de"):
        t0 = time.perf_counter()
        blank[lang] = spacy.blank(lang)
        blank_build[lang] = time.perf_counter() - t0
    for lang in ("en", "fr", "nl", "de"):
        t0 = time.perf_counter()
        enricher.pipeline(lang)
        build[lang] = time.perf_counter() - t0
    # the baseline tokenizes each text with its language's blank pipeline, as enrichment does
    langs = [p["lang"] for p in corpus]
    enricher.enrich_many(postings[:50])  # warm-up: lingua models, lexeme caches
    by_lang = {lang: [t for t, lg in zip(plain, langs, strict=True) if lg == lang]
               for lang in blank}
    tokenizers: dict[str, Tokenizer] = {}
    for lang, nlp in blank.items():
        assert isinstance(nlp.tokenizer, Tokenizer)
        tokenizers[lang] = nlp.tokenizer
        list(nlp.tokenizer.pipe(by_lang[lang]))

    # CPU time of this process: the machine is shared, wall time would count other work
    def run_tokenizer() -> float:
        start = time.process_time()
        for lang, tokenizer in tokenizers.items():
            for _ in tokenizer.pipe(by_lang[lang]):
                pass
        return time.process_time() - start

    def run_pipeline() -> float:
        detect_language.cache_clear()  # every posting pays for its language detection
        start = time.process_time()
        enricher.enrich_many(postings)
        return time.process_time() - start

    tok, full = [], []
    for _ in range(args.repeat):  # interleaved, best of: the machine is shared
        tok.append(run_tokenizer())
        full.append(run_pipeline())
    tok_rate, full_rate = len(plain) / min(tok), len(plain) / min(full)
    tokens = sum(len(blank[lg].make_doc(t)) for t, lg in zip(plain, langs, strict=True))
    mentions = sum(len(r.skills) for r in enricher.enrich_many(postings))
    print(f"enrichment {ENRICHMENT_VERSION}, {args.corpus} corpus: {len(plain)} postings, "
          f"{chars / len(plain):.0f} chars, {tokens / len(plain):.0f} tokens and "
          f"{mentions / len(plain):.0f} skill mentions each, {args.html_share:.0%} HTML, one core")
    print("build, s (first spacy.blank incl. language import / our pipeline): " + ", ".join(
        f"{lang} {blank_build[lang]:.2f}/{build[lang]:.2f}" for lang in build))
    print(f"bare spacy.blank tokenizer : {tok_rate:8.1f} postings/s")
    print(f"full enrichment pipeline   : {full_rate:8.1f} postings/s")
    ratio = full_rate / tok_rate
    print(
        f"ratio pipeline / tokenizer : {ratio:8.2f}  (target >= 0.70: "
        f"{'met' if ratio >= 0.7 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
