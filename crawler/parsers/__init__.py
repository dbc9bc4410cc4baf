"""Pure parse functions: a source's response data in, items out (no Scrapy, no network).

Each module handles one source kind and can be tested on a recorded response body alone.
"""

from __future__ import annotations

from dataclasses import dataclass


class PayloadError(ValueError):
    """The response is not the documented shape (malformed JSON/XML, an API error object)."""


@dataclass(frozen=True)
class ParseContext:
    """What a parser needs to know about the source it parses for."""

    source: str  # the source's configured name
    country: str | None = None  # default ISO alpha-2 when the posting gives none
    company: str | None = None  # default company name when the payload gives none
    language: str | None = None  # declared language of the feed, if the source says so
