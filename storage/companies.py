"""Name normalisation for matching: one company however sources spell it, one title key.

"Canonical Ltd.", "CANONICAL" and "Canonical Group Limited" all normalise to ``"canonical"``:
case, accents and punctuation are folded and trailing legal forms ("Ltd", "GmbH", "SA",
"BVBA"...) and group words are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal forms across the markets we crawl (UK/US, DE/AT/CH, FR, BE/NL/LU, Nordics, ES/IT, CEE).
# Matched on whole tokens after dots are removed, so "S.A." is "sa" and "B.V." is "bv".
LEGAL_FORMS = frozenset(
    {
        "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "plc",
        "corp", "corporation", "co", "company", "pty", "pte",
        "gmbh", "mbh", "ag", "kg", "ohg", "ug", "kgaa", "ev", "se",
        "sa", "sas", "sasu", "sarl", "eurl", "sca", "scs", "snc",
        "nv", "bv", "bvba", "sprl", "srl", "sc", "scrl", "cv", "cvba", "vof", "vzw", "asbl",
        "ab", "as", "asa", "oy", "oyj", "aps",
        "sl", "slu", "spa", "sapa",
        "kft", "sro", "zoo",
    }
)  # fmt: skip
# Words that name a company's corporate shape rather than the company: dropped at the end only.
GROUP_WORDS = frozenset({"group", "groupe", "gruppe", "holding", "holdings", "international"})
_LEADING = frozenset({"the"})

# Gender markers job titles carry in DE/FR/BE/NL: "(m/w/d)", "(h/f)", "(f/m/x)", "(all genders)".
_GENDER_MARKER = re.compile(
    r"[\(\[]\s*(?:[mwfdhx]\s*[/|,]\s*)+[mwfdhx]\s*[\)\]]|[\(\[]\s*all\s+genders?\s*[\)\]]",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and turn punctuation into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", bare.casefold().replace("_", " ")).split())


@lru_cache(maxsize=65536)
def normalize_company_name(name: str | None) -> str:
    """The matching key of a company name; ``""`` when nothing meaningful is left."""
    if not name:
        return ""
    # "S.A." -> "SA" and "A/S" -> "AS" before punctuation becomes spaces; "&" joins "GmbH & Co. KG"
    text = re.sub(r"(?<=\w)\.(?=\w)|(?<=\b\w)/(?=\w\b)", "", name).replace("&", " and ")
    tokens = fold(text).split()
    while tokens and tokens[0] in _LEADING and len(tokens) > 1:
        tokens.pop(0)
    # drop trailing legal forms / group words (and the "and" of "& Co"), keeping one token
    while len(tokens) > 1 and (
        tokens[-1] in LEGAL_FORMS or tokens[-1] in GROUP_WORDS or tokens[-1] == "and"
    ):
        tokens.pop()
    return " ".join(tokens)


@lru_cache(maxsize=65536)
def normalize_title(title: str | None) -> str:
    """The matching key of a job title: folded, without gender markers, at most 500 chars."""
    if not title:
        return ""
    return fold(_GENDER_MARKER.sub(" ", title))[:500]
