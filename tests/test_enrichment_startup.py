"""Start-up cost: lingua's high-accuracy models load only for an unsure short text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from enrichment import language
from enrichment.language import _detector, detect_language


@pytest.fixture
def fresh_detectors() -> Iterator[None]:
    _detector.cache_clear()
    detect_language.cache_clear()
    yield
    detect_language.cache_clear()



def _is_cached(low_accuracy: bool) -> bool:
    hits = _detector.cache_info().hits
    _detector(low_accuracy)
    cached = _detector.cache_info().hits > hits
    return cached


@pytest.mark.usefixtures("fresh_detectors")
def test_clear_short_text_does_not_load_the_high_accuracy_models() -> None:
    assert detect_language("Nous recherchons un développeur pour notre équipe à Lyon.") == "fr"
    assert _detector.cache_info().currsize == 1  # one detector built...
    assert _is_cached(True)  # ...the trigram one


@pytest.mark.usefixtures("fresh_detectors")
def test_unsure_short_text_asks_the_high_accuracy_models() -> None:
    sample = "Je monitort incidenten in ons SOC met Splunk en Microsoft Sentinel. Kennis van ISO."
    assert detect_language(sample) == "nl"  # trigrams alone say German
    assert _is_cached(False)


def test_short_threshold_is_what_escalates(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = "Je monitort incidenten in ons SOC met Splunk en Microsoft Sentinel. Kennis van ISO."
    monkeypatch.setattr(language, "SHORT_TEXT", 0)  # never escalate: trigrams decide
    detect_language.cache_clear()
    try:
        assert detect_language(sample) == "de"
    finally:
        detect_language.cache_clear()


def test_a_process_wide_pipeline_is_left_out_of_garbage_collection(
    freeze_calls: list[int],
) -> None:
    """Once built, the process-wide enricher's pipeline (objects that live as long as the
    process) is frozen out of the cyclic collector, whose full collections walked it all; an
    enricher built for a while (tests, tools with their own config) leaves the collector as it
    was. Freezes are counted by call (``freeze_calls``)."""
    import gc

    from enrichment.enricher import Enricher
    from enrichment.types import PostingText

    def collected(nlp: Any) -> bool:  # among the objects the collector walks
        return any(obj is nlp for obj in gc.get_objects())

    posting = PostingText(title="Data Engineer", description="Python and SQL in Ghent.")
    passing = Enricher()
    passing.enrich(posting)
    assert not freeze_calls
    assert all(collected(nlp) for nlp in passing._pipelines.values())

    process_wide = Enricher(process_wide=True)
    process_wide.enrich(posting)
    assert len(freeze_calls) == len(process_wide._pipelines) >= 1
    assert not any(collected(nlp) for nlp in process_wide._pipelines.values())
    process_wide.enrich(posting)  # built once: frozen once
    assert len(freeze_calls) == len(process_wide._pipelines)
