"""Start-up cost: lingua's high-accuracy models load only for an unsure short text."""

from __future__ import annotations

from collections.abc import Iterator

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
