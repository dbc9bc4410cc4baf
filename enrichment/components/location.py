"""Locations (city, region, ISO country) and the work mode (remote / hybrid / on-site).

Cities come from the source's raw location when it names any; else from the title
("Data Engineer - Antwerp"); else from the description, the most mentioned city first. In free
text only capitalised names from the gazetteer's text list match, so "Nice work" or "bergen"
do not. An ambiguous name goes to the posting's country (Bergen -> Mons when in Belgium).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.components.lexicon import (
    LOWER,
    ORTH,
    TermMatch,
    description_start,
    get_lexicon,
    hints,
    matches,
    token_columns,
)
from enrichment.config import EnrichmentConfigError, config_error, read_json, resolve_data_path
from enrichment.gazetteer import Gazetteer, fold, load_gazetteer
from enrichment.types import LocationMatch

NAME = "jobtrends_location"
CITY = "city"
REMOTE = "remote"
MODES = ("remote", "hybrid", "on-site", "partial")
DEFAULT_CONFIG: dict[str, Any] = {"gazetteer": None, "remote_cues": None}
EXAMPLE = {"gazetteer": "enrichment/data/gazetteer.jsonl.gz",
           "remote_cues": "enrichment/data/remote.json"}

for _ext in ("locations", "remote"):
    if not Doc.has_extension(_ext):
        Doc.set_extension(_ext, default=None)


class LocationFinder:
    def __init__(self, nlp: Language, name: str, gazetteer_path: Path, cues_path: Path) -> None:
        self.nlp, self.name = nlp, name
        self.gazetteer: Gazetteer = load_gazetteer(gazetteer_path)
        cues = read_json(cues_path)
        if not isinstance(cues, dict) or set(cues) - set(MODES):
            raise EnrichmentConfigError(f"{cues_path}: expected an object with keys among {MODES}")
        self.raw_cues = {mode: [fold(p) for p in phrases] for mode, phrases in cues.items()}
        lexicon = get_lexicon(nlp, name)
        lexicon.add(CITY, ORTH, self.gazetteer.text_aliases)
        lexicon.add(REMOTE, LOWER, [(p, mode) for mode, ps in cues.items() for p in ps])

    def __call__(self, doc: Doc) -> Doc:
        h = hints(doc)
        raw = h.get("location") or ""
        country = h.get("country")
        locations = self.gazetteer.parse_raw(raw, country) if raw else []
        if not any(loc.city for loc in locations):
            from_text = self._from_text(doc, description_start(doc), country)
            if from_text:
                locations = from_text
        if not locations and country:
            locations = [LocationMatch(None, None, country.upper(), raw)]
        doc._.locations = locations
        doc._.remote = self._work_mode(doc, raw, any(loc.city for loc in locations))
        return doc

    def _from_text(self, doc: Doc, description_start: int,
                   country: str | None) -> list[LocationMatch]:
        found = matches(doc, CITY)
        if not found:
            return []
        cols = token_columns(doc)
        in_title = [m for m in found if cols.idx[m[1]] < description_start]
        chosen = in_title or found
        counts = Counter(m[0] for m in chosen)
        first: dict[int, TermMatch] = {}
        for m in chosen:
            first.setdefault(m[0], m)
        best = max(counts, key=lambda i: (counts[i], -first[i][1]))
        # the same name may mean several cities: let the country hint decide
        key = cols.orth[first[best][1]:first[best][2]]
        name = doc[first[best][1]:first[best][2]].text
        ids = [m[0] for m in found if cols.orth[m[1]:m[2]] == key]
        city = self.gazetteer.pick(sorted(set(ids)), country.upper() if country else None)
        return [LocationMatch(city.name, city.region, city.country, name)]

    def _work_mode(self, doc: Doc, raw: str, has_city: bool) -> str | None:
        modes = {m[0] for m in matches(doc, REMOTE)}
        folded = f" {fold(raw)} "
        for mode, phrases in self.raw_cues.items():
            if any(f" {p} " in folded for p in phrases):
                modes.add(mode)
                if mode == "partial" and not has_city:
                    modes.add("remote")
        if "hybrid" in modes:
            return "hybrid"
        if "remote" in modes:
            return "remote"
        if "partial" in modes:
            return "hybrid" if has_city else "remote"
        if "on-site" in modes:
            return "on-site"
        return None


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_location(nlp: Language, name: str, gazetteer: str | None,
                  remote_cues: str | None) -> LocationFinder:
    gaz = resolve_data_path(NAME, gazetteer, "gazetteer.jsonl.gz", EXAMPLE)
    cues = resolve_data_path(NAME, remote_cues, "remote.json", EXAMPLE)
    if not gaz.name.endswith(".gz"):
        raise config_error(NAME, f"the gazetteer must be a .jsonl.gz file, not {str(gaz)!r}",
                           EXAMPLE)
    return LocationFinder(nlp, name, gaz, cues)
