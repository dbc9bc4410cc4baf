"""Text files users hand in (CSV imports, JSON Lines to enrich): UTF-8, or refused by line."""

from __future__ import annotations

import codecs


class NotUTF8Error(ValueError):
    """Bytes that are not UTF-8 text; ``line`` (from 1) holds the first bad ``byte``."""

    def __init__(self, line: int, byte: int) -> None:
        self.line, self.byte = line, byte
        super().__init__(f"line {line}: not UTF-8 text (byte {byte:#04x})")


def decode_utf8(data: bytes) -> str:
    """``data`` as text, strictly, without the byte-order mark some Windows editors begin a
    UTF-8 file with; raises :class:`NotUTF8Error` naming the line of the first bad byte."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8Error(data.count(b"\n", 0, exc.start) + 1, data[exc.start]) from None
