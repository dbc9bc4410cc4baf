"""The hand-labelled evaluation set meets the issue's targets (and the API contract holds)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

import enrichment.version as version
from enrichment import ENRICHMENT_VERSION, Enricher, PostingText, get_enricher
from enrichment.evaluation import load_cases, score

EVAL_FILE = Path(__file__).parent / "data" / "enrichment_eval.jsonl"


@pytest.fixture(scope="module")
def scored():
    cases = load_cases(EVAL_FILE)
    results = get_enricher().enrich_many([c.posting for c in cases])
    return cases, results


def test_eval_set_shape() -> None:
    cases = load_cases(EVAL_FILE)
    assert len(cases) >= 150
    langs = Counter(c.labels.get("language", "mixed") for c in cases)
    assert langs["en"] >= 60 and langs["fr"] >= 50 and langs["nl"] >= 45
    assert langs["de"] >= 3 and langs["mixed"] >= 3
    assert sum(c.split == "holdout" for c in cases) >= 30


@pytest.mark.parametrize("split", ["all", "holdout"])
def test_targets_are_met(scored, split: str) -> None:
    cases, results = scored
    pairs = [(c, r) for c, r in zip(cases, results, strict=True)
             if split == "all" or c.split == split]
    s = score([c for c, _ in pairs], [r for _, r in pairs])
    assert s.precision >= 0.9, s.errors
    assert s.recall >= 0.8, s.errors
    for name in ("seniority", "city", "employment_type"):
        accuracy = s.accuracy(name)
        assert accuracy is not None and accuracy >= 0.9, (name, s.errors)


def test_scoring_can_fail(scored) -> None:
    cases, results = scored
    nothing = [type(r)(language=None) for r in results]
    s = score(cases, nothing)
    assert s.recall == 0.0 and (s.accuracy("city") or 0) < 0.9


def test_enrich_many_keeps_order_across_languages_and_batches() -> None:
    postings = [PostingText(title=f"Data Engineer {i}", description=text) for i, text in
                enumerate(["Python et SQL à Bruxelles, poste en CDI pour une équipe data.",
                           "Python en SQL in Gent, vast contract voor ons datateam.",
                           "Python and SQL in Antwerp, permanent contract for our data team."]
                          * 3)]
    one_by_one = [get_enricher().enrich(p) for p in postings]
    batched = get_enricher().enrich_many(postings, batch_size=2)
    assert batched == one_by_one
    assert [r.language for r in batched[:3]] == ["fr", "nl", "en"]


def test_get_enricher_is_cached() -> None:
    assert get_enricher() is get_enricher()
    assert isinstance(get_enricher(), Enricher)


def test_version_follows_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ENRICHMENT_VERSION.startswith(version.RULES_REVISION + "-")
    copy = tmp_path / "data"
    shutil.copytree(version.DATA_DIR, copy)
    monkeypatch.setattr(version, "DATA_DIR", copy)
    same = version._data_digest()
    assert ENRICHMENT_VERSION.endswith(same)
    with (copy / "role_families.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"family": "barista", "patterns": ["barista"]}\n')
    assert version._data_digest() != same
