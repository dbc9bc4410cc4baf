"""Where the posting's own company name stands in its text, so its words are not read as skills.

"Gravitystack SAS zoekt een stagiair": the legal form SAS is the company's, not the software.
An occurrence is the company's name (without its legal form, case-insensitive) followed by any
legal forms ("Gravitystack S.A.S.", "Acme NV"); a skill mention inside one does not count.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Legal forms of companies in the markets served (and common foreign ones), without dots.
LEGAL_FORMS = (
    "SAS", "SASU", "SA", "SARL", "EURL", "SNC", "SCA", "SCS", "SE", "NV", "BV", "BVBA", "CV",
    "CommV", "VOF", "VZW", "ASBL", "SPRL", "SRL", "SC", "SCRL", "GmbH", "AG", "KG", "OHG", "UG",
    "eG", "Ltd", "Limited", "LLC", "LLP", "Inc", "Corp", "PLC", "Oy", "AB", "AS", "ApS",
    "SpA", "SL", "Sarl", "Holding", "Group", "Groep", "Groupe", "Gruppe",
)
# "S.A.S.", "B.V.", "N.V." as well as "SAS", "BV", "NV"; "GmbH & Co. KG"
_FORM = "(?:" + "|".join(
    r"\.?".join(re.escape(c) for c in form) + r"\.?" for form in sorted(LEGAL_FORMS, key=len,
                                                                       reverse=True)
) + ")"
_TRAILING_FORMS = re.compile(r"(?:[\s,]+(?:&\s*Co\.?\s*)?" + _FORM + r")+\s*$", re.I)
_FORMS_AFTER = re.compile(r"(?:,?\s*(?:&\s*Co\.?\s*)?" + _FORM + r"(?!\w))*", re.I)


@lru_cache(maxsize=4096)
def _name_pattern(company: str) -> re.Pattern[str] | None:
    core = _TRAILING_FORMS.sub("", company.strip()).strip(" ,")
    if len(core) < 2:
        return None
    words = [re.escape(w) for w in core.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def company_spans(text: str, company: str | None) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the company's name with any legal forms after it."""
    if not company:
        return []
    pattern = _name_pattern(company)
    if pattern is None:
        return []
    spans = []
    for m in pattern.finditer(text):
        forms = _FORMS_AFTER.match(text, m.end())
        spans.append((m.start(), forms.end() if forms else m.end()))
    return spans
