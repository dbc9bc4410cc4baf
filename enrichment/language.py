"""Posting language detection with lingua, restricted to the languages the pipeline serves."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED = ("en", "fr", "nl", "de")
DEFAULT_LANGUAGE = "en"

_LINGUA = {
    "en": Language.ENGLISH,
    "fr": Language.FRENCH,
    "nl": Language.DUTCH,
    "de": Language.GERMAN,
}
_ISO = {v: k for k, v in _LINGUA.items()}

# Lingua's cost grows with the text (about 0.5 us per character): a prefix of the description
# decides the language as well as the whole text does for postings, at a fraction of the cost.
PREFIX_CHARS = 150
# A declared language is trusted unless the detector is at least this confident of another.
OVERRIDE_CONFIDENCE = 0.9


# Below this confidence lingua is unsure (short, technology-heavy text: "Python and SQL in
# Antwerp, permanent contract" reads as German to trigrams); function words then decide.
UNSURE = 0.6
_FUNCTION_WORDS = {
    "en": frozenset(
        "the and for with our you we of to is are will your this an in on".split()  # noqa: SIM905
    ),
    "fr": frozenset(
        "le la les des et pour avec nous vous une un du au aux est sont votre".split()  # noqa: SIM905
    ),
    "nl": frozenset(
        "het een en voor met wij we je jij van op ons onze bent is zijn bij".split()  # noqa: SIM905
    ),
    "de": frozenset(
        "der die das und für mit wir du ein eine von zu ist sind bei unser".split()  # noqa: SIM905
    ),
}


def _function_word_vote(sample: str) -> str | None:
    """The language whose function words clearly dominate ``sample``, if one does."""
    words = sample.lower().split()
    counts = sorted(((sum(w in fw for w in words), lang) for lang, fw in _FUNCTION_WORDS.items()),
                    reverse=True)
    (best, lang), (second, _) = counts[0], counts[1]
    return lang if best >= 2 and best >= 2 * second else None


# Fewer letters than this is not text in any language ("", "x", "C++ / AWS")
MIN_LETTERS = 12
# Below this many characters trigrams alone may guess poorly: when they are not at least
# SHORT_SURE confident, the high-accuracy models decide. Those take ~2 s to load (more under
# load), so a process that only meets clear texts never loads them.
SHORT_TEXT = 120
SHORT_SURE = 0.9


@lru_cache(maxsize=2)
def _detector(low_accuracy: bool = True) -> LanguageDetector:
    # Low-accuracy mode skips lingua's 4/5-gram models: loads instantly, ~2x faster, and the
    # prefixes we pass are long enough for trigrams to decide between these four languages.
    builder = LanguageDetectorBuilder.from_languages(*_LINGUA.values())
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def detection_sample(title: str, description: str) -> str:
    """The text language is decided on: the description's start, else the title."""
    body = description.strip()
    if len(body) >= 40:
        # titles are often English in French/Dutch postings: the body speaks the language
        return body[:PREFIX_CHARS]
    return f"{title} {body}"[:PREFIX_CHARS]


@lru_cache(maxsize=4096)
def detect_language(sample: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of ``sample``'s language among :data:`SUPPORTED`.

    ``declared`` (the source's own value) is a hint: it wins unless lingua is confident of
    another language. Text with fewer than :data:`MIN_LETTERS` letters has no language of its
    own: the hint, else None.
    """
    hint = normalize_language(declared)
    if sum(c.isalpha() for c in sample[:MIN_LETTERS * 4]) < MIN_LETTERS:
        return hint
    confidences = _confidences(sample)
    if hint is not None:
        if not confidences:
            return hint
        best = confidences[0]
        best_iso = _ISO[best.language]
        if best_iso != hint and best.value >= OVERRIDE_CONFIDENCE:
            return best_iso
        return hint
    if not confidences:
        return _function_word_vote(sample) or DEFAULT_LANGUAGE
    if confidences[0].value < UNSURE:
        return _function_word_vote(sample) or _ISO[confidences[0].language]
    return _ISO[confidences[0].language]


def _confidences(sample: str) -> list[Any]:
    """lingua's confidences: trigram models, high-accuracy ones for an unsure short text."""
    confidences = _detector(True).compute_language_confidence_values(sample)
    if len(sample) < SHORT_TEXT and (not confidences or confidences[0].value < SHORT_SURE):
        confidences = _detector(False).compute_language_confidence_values(sample)
    return confidences


def normalize_language(value: str | None) -> str | None:
    """``'fr-BE'``/``'French'``/``'FR'`` -> ``'fr'``; None when not a supported language."""
    if not value:
        return None
    v = value.strip().lower().replace("_", "-")
    names = {"english": "en", "french": "fr", "français": "fr", "francais": "fr",
             "dutch": "nl", "nederlands": "nl", "flemish": "nl", "german": "de", "deutsch": "de"}
    if v in names:
        return names[v]
    code = v.split("-", 1)[0]
    return code if code in SUPPORTED else None
