"""A forgiving JSON reader for the JSON-LD real sites publish.

Tried in order, cheapest first: plain JSON (control characters in strings allowed), then the
same after removing comment/CDATA wrappers, HTML-unescaping an entity-encoded block and dropping
trailing commas. Several values concatenated in one block are all returned.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_DECODER = json.JSONDecoder(strict=False)
_WRAPPERS = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$")


class LenientJSONError(ValueError):
    """The text is not JSON even after the usual repairs."""


def loads_all(text: str) -> list[Any]:
    """Every JSON value in ``text``; raises :class:`LenientJSONError` when none can be read."""
    try:
        return [_DECODER.decode(text)]
    except ValueError:
        pass
    repaired = _WRAPPERS.sub("", text.strip())
    if "&quot;" in repaired or "&#34;" in repaired or "&#x22;" in repaired:
        repaired = html.unescape(repaired)
    repaired = _drop_trailing_commas(repaired)
    values = _decode_sequence(repaired)
    if not values:
        raise LenientJSONError("no JSON value could be read")
    return values


def _decode_sequence(text: str) -> list[Any]:
    """Values one after another (``{...}{...}`` or ``{...}\\n{...}``); stops at the first junk."""
    values: list[Any] = []
    index, end = 0, len(text)
    while index < end:
        while index < end and text[index] in " \t\r\n;,":
            index += 1
        if index >= end:
            break
        try:
            value, index = _DECODER.raw_decode(text, index)
        except ValueError:
            break
        values.append(value)
    return values


def _drop_trailing_commas(text: str) -> str:
    """Remove commas that directly precede ``}`` or ``]`` outside of strings."""
    if "," not in text:
        return text
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            out.append(char)
            continue
        if char == '"':
            in_string = True
        elif char in "}]":
            index = len(out) - 1
            while index >= 0 and out[index] in " \t\r\n":
                index -= 1
            if index >= 0 and out[index] == ",":
                del out[index]
        out.append(char)
    return "".join(out)
