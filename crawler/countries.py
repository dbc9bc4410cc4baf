"""Country names as sources spell them (English and native) to ISO 3166-1 alpha-2 codes.

Only what structured source fields need; free-text locations are enrichment's job.
"""

from __future__ import annotations

_NAMES: dict[str, str] = {
    "belgium": "BE", "belgique": "BE", "belgië": "BE", "belgie": "BE", "belgien": "BE",
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "holland": "NL",
    "germany": "DE", "deutschland": "DE", "allemagne": "DE", "duitsland": "DE",
    "france": "FR", "frankrijk": "FR", "frankreich": "FR",
    "luxembourg": "LU", "luxemburg": "LU",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB",
    "ireland": "IE", "spain": "ES", "españa": "ES", "portugal": "PT", "italy": "IT",
    "italia": "IT", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "austria": "AT",
    "österreich": "AT", "denmark": "DK", "danmark": "DK", "sweden": "SE", "sverige": "SE",
    "norway": "NO", "norge": "NO", "finland": "FI", "suomi": "FI", "poland": "PL",
    "polska": "PL", "czech republic": "CZ", "czechia": "CZ", "romania": "RO", "greece": "GR",
    "hungary": "HU", "estonia": "EE", "latvia": "LV", "lithuania": "LT", "bulgaria": "BG",
    "croatia": "HR", "slovenia": "SI", "slovakia": "SK", "serbia": "RS", "ukraine": "UA",
    "united states": "US", "united states of america": "US", "usa": "US", "us": "US",
    "canada": "CA", "india": "IN", "israel": "IL", "australia": "AU", "singapore": "SG",
    "japan": "JP", "china": "CN", "brazil": "BR", "mexico": "MX", "turkey": "TR",
}


def country_code(value: object) -> str | None:
    """ISO alpha-2 from a code (``"be"``, ``"BEL"`` is not handled) or a known country name."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _NAMES.get(text.lower())
