"""Turning a posting's fields into the one text the pipeline reads, and back to fields."""

from __future__ import annotations

import re

import html_text

# A tag-looking fragment: only such descriptions pay for an HTML parse.
_HTML_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)[^<>]*>|&(?:#\d+|[a-z]+);")

# Separates title from description in the document text; a newline keeps tokens apart.
FIELD_SEPARATOR = "\n"

# A lone UTF-16 surrogate: what a broken JSON escape ("\ud83d" without its pair) decodes to.
# No UTF-8 encoder takes it, spaCy's string store included.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, one character for one (offsets
    into it stay right)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # in C: several times faster than searching with the pattern
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def to_plain_text(description: str) -> str:
    """Plain text of a description that may be HTML (block elements become line breaks)."""
    if not description:
        return ""
    if _HTML_TAG.search(description) is None:
        return description
    return html_text.extract_text(description, guess_layout=True)


def join_fields(title: str, description: str) -> tuple[str, int]:
    """The document text for a posting and the offset where its description starts."""
    # same length as the input, so title offsets stay valid for the caller's title
    title = title.replace("\r", " ").replace("\n", " ")
    return f"{title}{FIELD_SEPARATOR}{description}", len(title) + len(FIELD_SEPARATOR)


def to_field_offsets(start: int, end: int, description_start: int) -> tuple[str, int, int]:
    """Map document character offsets to (field, start, end) within that field's text."""
    if start < description_start:
        return "title", start, end
    return "description", start - description_start, end - description_start
