"""The enrichment entry point: posting fields in, :class:`Enrichment` out."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import fields, replace
from functools import lru_cache
from itertools import islice
from typing import Any

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from enrichment.components.lexicon import set_hints
from enrichment.language import DEFAULT_LANGUAGE, detect_language, detection_sample
from enrichment.pipeline import build_pipeline
from enrichment.text import join_fields, to_field_offsets, to_plain_text, without_lone_surrogates
from enrichment.types import Enrichment, PostingText, SkillMention


class Enricher:
    """Enriches postings with one blank spaCy pipeline per language, built on first use.

    ``process_wide``: the pipelines live as long as the process (:func:`get_enricher`), so each
    is moved out of the garbage collector's way once built (:func:`_out_of_the_collectors_way`).
    """

    def __init__(
        self, config: dict[str, dict[str, Any]] | None = None, *, process_wide: bool = False
    ) -> None:
        self._config = config
        self._pipelines: dict[str, Language] = {}
        self._process_wide = process_wide

    def pipeline(self, lang: str) -> Language:
        nlp = self._pipelines.get(lang)
        if nlp is None:
            nlp = self._pipelines[lang] = build_pipeline(lang, self._config)
            if self._process_wide:
                _out_of_the_collectors_way()
        return nlp

    def enrich(self, posting: PostingText) -> Enrichment:
        """Enrich one posting (prefer :meth:`enrich_many` for many)."""
        return self.enrich_many([posting])[0]

    def enrich_many(self, items: Iterable[PostingText], batch_size: int = 256) -> list[Enrichment]:
        """Enrich postings in batches; the result is in input order."""
        out: list[Enrichment] = []
        iterator = iter(items)
        while batch := list(islice(iterator, batch_size)):
            out.extend(self._enrich_batch(batch, batch_size))
        return out

    def _enrich_batch(self, batch: list[PostingText], batch_size: int) -> list[Enrichment]:
        prepared: list[tuple[str | None, str, int, PostingText]] = []
        by_lang: dict[str, list[int]] = {}
        for i, given in enumerate(batch):
            posting = _encodable(given)
            description = to_plain_text(posting.description or "")
            text, description_start = join_fields(posting.title or "", description)
            detected = detect_language(detection_sample(posting.title or "", description),
                                   posting.language)
            prepared.append((detected, text, description_start, posting))
            # text with no language of its own still goes through a pipeline: the default one
            by_lang.setdefault(detected or DEFAULT_LANGUAGE, []).append(i)
        results: list[Enrichment | None] = [None] * len(batch)
        for lang, indexes in by_lang.items():
            nlp = self.pipeline(lang)
            docs = []
            tokenizer = nlp.tokenizer
            assert isinstance(tokenizer, Tokenizer)
            for doc, i in zip(tokenizer.pipe(prepared[i][1] for i in indexes), indexes,
                              strict=True):
                _, _, description_start, posting = prepared[i]
                set_hints(doc, text=prepared[i][1], description_start=description_start,
                          location=posting.location, employment_type=posting.employment_type,
                          seniority=posting.seniority, country=posting.country,
                          company=posting.company)
                docs.append(doc)
            for doc, i in zip(nlp.pipe(docs, batch_size=batch_size), indexes, strict=True):
                results[i] = _to_enrichment(doc, prepared[i][0], prepared[i][2])
        return [r for r in results if r is not None]


_TEXT_FIELDS = tuple(f.name for f in fields(PostingText))


def _encodable(posting: PostingText) -> PostingText:
    """``posting`` with its fields :func:`without_lone_surrogates` (spaCy cannot take them)."""
    changes = {}
    for name in _TEXT_FIELDS:
        value = getattr(posting, name)
        if isinstance(value, str) and (clean := without_lone_surrogates(value)) is not value:
            changes[name] = clean
    return replace(posting, **changes) if changes else posting


def _to_enrichment(doc: Doc, lang: str | None, description_start: int) -> Enrichment:
    skills = []
    for found in doc._.skills or ():
        field, start, end = to_field_offsets(found.start_char, found.end_char, description_start)
        skills.append(SkillMention(found.skill.name, found.skill.category, found.text,
                                   start, end, field))
    return Enrichment(
        language=lang,
        skills=skills,
        seniority=doc._.seniority,
        employment_type=doc._.employment_type,
        locations=list(doc._.locations or ()),
        remote=doc._.remote,
        role_family=doc._.role_family,
    )


def _out_of_the_collectors_way() -> None:
    """Exempt everything the process holds now from the cyclic garbage collector (``gc.freeze``).

    Called once a process-wide pipeline is built: its vocabulary, lexicons, matchers and tables
    are hundreds of thousands of objects that live as long as the process, yet each full
    collection walked them all, and a crawl allocates enough (requests, responses, items) to
    run one often. A crawl with enrichment stored 248 postings/s before, 394 after
    (``bench/bench_crawl.py --postings 10000``). Frozen objects are still freed by reference
    counting; the collection first keeps garbage cycles alive now from being frozen with them.
    """
    gc.collect()
    gc.freeze()


@lru_cache(maxsize=1)
def get_enricher() -> Enricher:
    """The process-wide :class:`Enricher` (pipelines are built once, on first use)."""
    return Enricher(process_wide=True)
