"""Build enrichment/data/skills.jsonl, the versioned skills taxonomy (build time only).

Sources, in order of authority:

1. enrichment/data/sources/curated_skills.jsonl: modern technology names and their spellings in
   EN/FR/NL/DE, with case rules for ambiguous names (Go, R, Rust, Spark...);
2. O*NET Technology Skills (CC BY 4.0): product and technology names; generic category names
   ("3D graphics software") are dropped, vendor prefixes and trailing acronyms become aliases;
3. ESCO knowledge concepts (European Commission) whose label is a proper name of an ICT tool or
   language, with the French label as an alias; ESCO's soft and generic skills are left out,
   because they are ordinary phrases that would ruin precision.

A spelling that is an ordinary word in EN/FR/NL/DE is only kept case-sensitively (or dropped),
and a spelling already taken by an earlier entry is not reused.

    .venv/bin/python tools/build_taxonomy.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import spacy.lang.de.stop_words as de_stop
import spacy.lang.en.stop_words as en_stop
import spacy.lang.fr.stop_words as fr_stop
import spacy.lang.nl.stop_words as nl_stop

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "enrichment" / "data"
CURATED = DATA / "sources" / "curated_skills.jsonl"
OUT = DATA / "skills.jsonl"

VENDORS = {
    "adobe", "amazon", "apache", "apple", "atlassian", "autodesk", "cisco", "google", "ibm",
    "intuit", "microsoft", "oracle", "sap", "salesforce", "sas", "the", "mathworks", "vmware",
    "red", "hat", "sun", "microsystems", "hewlett", "packard", "hp", "dell", "citrix", "corel",
    "esri", "facebook", "meta", "infor", "epic", "cerner", "siemens", "bentley", "dassault",
    "systemes", "intel", "nvidia", "elastic", "mongodb", "teradata", "informatica", "qlik",
}
# Names job ads carry as boilerplate ("apply via LinkedIn", "follow us on Instagram") far more
# often than as a skill asked for: left out of the O*NET/ESCO part (a curated entry may add one).
BOILERPLATE = {
    "linkedin", "facebook", "instagram", "twitter", "youtube", "tiktok", "whatsapp", "google",
    "glassdoor", "indeed", "email", "e-mail", "internet", "web browser", "skype", "zoom",
    "microsoft teams", "slack", "google meet", "snapchat", "pinterest",
}
CATEGORIES = [
    ("data base", "database"), ("database", "database"), ("business intelligence", "bi"),
    ("analytical or scientific", "analytics"), ("object or component oriented", "language"),
    ("development environment", "tool"), ("web platform", "framework"),
    ("operating system", "os"), ("enterprise resource planning", "erp"),
    ("customer relationship", "crm"), ("cloud", "cloud"), ("network", "network"),
    ("computer aided design", "cad"), ("computer aided manufacturing", "cad"),
    ("security", "security"), ("test", "tool"), ("project management", "tool"),
]
ICT_WORDS = re.compile(
    r"software|program|computer|\bICT\b|database|framework|platform|toolkit|tool|compiler|"
    r"scripting|web|cloud|operating system|development environment|data",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-zà-ÿ]+")


def ordinary_words(shared: Path) -> set[str]:
    """Words of everyday EN/FR/NL/DE: stop words plus lower-case words of ESCO's descriptions."""
    words = {w.lower() for w in en_stop.STOP_WORDS | fr_stop.STOP_WORDS | nl_stop.STOP_WORDS
             | de_stop.STOP_WORDS}
    for name in ("esco_skills_en.csv", "esco_skills_fr.csv"):
        with (shared / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = f"{row['description']} {row['preferredLabel']}"
                words.update(w for w in re.findall(r"\b[a-zà-ÿ][a-zà-ÿ'-]*\b", text))
    return words


def is_ordinary(alias: str, ordinary: set[str]) -> bool:
    """Every word of ``alias`` is an everyday word (so it would fire on ordinary prose)."""
    words = alias.lower().split()
    return all(w in ordinary or len(w) < 2 for w in words)


def category_for(commodity: str) -> str:
    c = commodity.lower()
    for needle, category in CATEGORIES:
        if needle in c:
            return category
    return "tool"


def is_generic(name: str) -> bool:
    """'3D graphics software', 'Distance learning software': a kind of software, not a product."""
    tokens = name.split()
    if len(tokens) == 2 and tokens[1] == "software" and tokens[0].isupper():
        return True  # "ERP software", "CAD software"
    if len(tokens) == 1:
        return False
    return not any(any(ch.isupper() for ch in t) for t in tokens[1:]) and not any(
        ch.isupper() for ch in tokens[0][1:]
    )


def spells_out(tokens: list[str]) -> bool:
    """The last token is the acronym of the words before it ("... Integration Services SSIS").

    Other trailing acronyms name a kind of thing ("Bowen & Groves M1 ERP", "... LINDO API") and
    would make every "ERP" or "API" in a posting that product.
    """
    acronym = tokens[-1]
    words = [t for t in tokens[:-1] if t[:1].isalpha()]
    if len(words) < len(acronym):
        return False
    if len(acronym) < 3 and len(words) > len(acronym):
        return False  # "Microsoft Business Intelligence BI": "BI" is not that product
    return "".join(w[0] for w in words[-len(acronym):]).upper() == acronym


def looks_like_a_word(name: str) -> bool:
    """'Forth', 'Paradox', 'Keynote', 'docs': a product named with a plain word.

    Such names match only with their own capitalisation, so "and so forth" or "technical
    docs" stay prose; names that do not look like words ("VMware", "SonarQube", "dtSearch")
    match in any case.
    """
    return name.isalpha() and (name.islower() or (name[0].isupper() and name[1:].islower()))


def onet_aliases(name: str, ordinary: set[str]) -> tuple[list[str], list[str]]:
    """(case-insensitive aliases, case-sensitive aliases) for an O*NET technology name."""
    base = re.sub(r"\s+software$", "", name).strip()
    lower: list[str] = []
    exact: list[str] = []
    tokens = base.split()
    if len(tokens) == 1:
        if base.lower() in ordinary or len(base) < 3:
            return [], []
        word_like = base.isupper() or len(base) <= 3 or looks_like_a_word(base)
        (exact if word_like else lower).append(base)
        return lower, exact
    lower.append(base.lower())
    # "Structured query language SQL": the trailing acronym and the words before it
    if len(tokens) >= 3 and tokens[-1].isupper() and len(tokens[-1]) >= 2 and spells_out(tokens):
        spelled = " ".join(tokens[:-1])
        if not is_ordinary(spelled, ordinary) or len(tokens) >= 4:
            lower.append(spelled.lower())
        if tokens[-1].lower() not in ordinary:
            exact.append(tokens[-1])
    # "Microsoft Power BI" -> "Power BI"; "Apache Kafka" -> "Kafka"
    rest = tokens[:]
    while rest and rest[0].lower() in VENDORS:
        rest = rest[1:]
    if rest and rest != tokens:
        product = " ".join(rest)
        if len(product) >= 4 and not is_ordinary(product, ordinary):
            (exact if looks_like_a_word(product) else lower).append(
                product if looks_like_a_word(product) else product.lower())
    return lower, exact


class Taxonomy:
    def __init__(self, ordinary: set[str]) -> None:
        self.ordinary = ordinary
        self.entries: list[dict[str, Any]] = []
        self.by_name: dict[str, int] = {}
        self.owner: dict[str, int] = {}  # folded spelling -> entry

    def _claim(self, index: int, alias: str) -> bool:
        key = alias.casefold()
        if key in self.owner and self.owner[key] != index:
            return False
        self.owner[key] = index
        return True

    def add_curated(self, entry: dict[str, Any]) -> None:
        index = len(self.entries)
        entry = {"name": entry["name"], "category": entry["category"],
                 "aliases": list(entry.get("aliases", ())), "exact": list(entry.get("exact", ())),
                 "ambiguous": list(entry.get("ambiguous", ())), "source": "curated",
                 "reject_next": list(entry.get("reject_next", ()))}
        for kind in ("aliases", "exact", "ambiguous"):
            for alias in entry[kind]:
                if not self._claim(index, alias):
                    other = self.entries[self.owner[alias.casefold()]]["name"]
                    raise SystemExit(
                        f"curated alias {alias!r} of {entry['name']!r} is already used by "
                        f"{other!r}"
                    )
        self._claim(index, entry["name"])
        self.entries.append(entry)
        self.by_name[entry["name"].casefold()] = index

    def find(self, spellings: list[str]) -> int | None:
        for s in spellings:
            if s.casefold() in self.owner:
                return self.owner[s.casefold()]
        return None

    def add(self, name: str, category: str, lower: list[str], exact: list[str],
            source: str) -> None:
        """Merge into the entry owning one of the spellings, else create an entry."""
        # a trailing acronym alone ("... SQL") does not make two products the same entry
        found = self.find([name, *lower])
        if found is None:
            if not lower and not exact:
                return
            found = len(self.entries)
            self.entries.append({"name": name, "category": category, "aliases": [],
                                 "exact": [], "ambiguous": [], "source": source})
            self._claim(found, name)
        entry = self.entries[found]
        protected = {a.casefold() for a in entry["exact"] + entry["ambiguous"]}
        for alias in lower:
            # never loosen a case-sensitive spelling ("Go", "R") into a case-insensitive one
            if alias.casefold() in protected or alias.casefold() in {
                a.casefold() for a in entry["aliases"]
            }:
                continue
            if self._claim(found, alias):
                entry["aliases"].append(alias)
        for alias in exact:
            if alias.casefold() in protected or alias in entry["exact"]:
                continue
            if alias.casefold() in {a.casefold() for a in entry["aliases"]}:
                continue
            if self._claim(found, alias):
                entry["exact"].append(alias)


def load_onet(shared: Path) -> list[tuple[str, str, bool]]:
    seen: dict[str, tuple[str, bool]] = {}
    with (shared / "onet_technology_skills.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            name = row["Example"].strip()
            hot = row["Hot Technology"] == "Y" or row["In Demand"] == "Y"
            if name not in seen or hot:
                seen[name] = (row["Commodity Title"], hot)
    # hot technologies first, so they win a contested spelling
    return sorted(((n, c, h) for n, (c, h) in seen.items()), key=lambda t: (not t[2], t[0]))


def load_esco(shared: Path) -> list[tuple[str, str, str]]:
    """(English label, French label, description) of ESCO ICT knowledge with proper-name labels."""
    french: dict[str, str] = {}
    with (shared / "esco_skills_fr.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            french[row["conceptUri"]] = row["preferredLabel"]
    out = []
    with (shared / "esco_skills_en.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            label = row["preferredLabel"].strip()
            if "knowledge" not in row["skillType"] or not label[:1].isupper():
                continue
            if not ICT_WORDS.search(row["description"]) or "language" in label.lower() and \
                    "program" not in row["description"].lower():
                continue
            out.append((label, french.get(row["conceptUri"], ""), row["description"]))
    return out


def strip_note(label: str) -> str:
    """'Python (computer programming)' -> 'Python'."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", label).strip()


def build(shared: Path) -> dict[str, int]:
    ordinary = ordinary_words(shared)
    tax = Taxonomy(ordinary)
    with CURATED.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                tax.add_curated(json.loads(line))
    for name, commodity, _hot in load_onet(shared):
        if is_generic(name) or name.casefold() == commodity.casefold():
            continue  # a kind of software ("Enterprise resource planning ERP software")
        if name.casefold() in BOILERPLATE or re.sub(r"\s+software$", "", name).casefold() in \
                BOILERPLATE:
            continue
        lower, exact = onet_aliases(name, ordinary)
        tax.add(name, category_for(commodity), lower, exact, "onet")
    for en, fr, _desc in load_esco(shared):
        en, fr = strip_note(en), strip_note(fr)
        usable = [a for a in (en, fr) if a and len(a) >= 3 and not is_ordinary(a, ordinary)]
        lower = [a.lower() for a in usable if not looks_like_a_word(a)]
        exact = [a for a in usable if looks_like_a_word(a)]
        if not lower and not exact:
            continue
        tax.add(en, "tool", lower, exact, "esco")
    entries = [e for e in tax.entries if e["aliases"] or e["exact"] or e["ambiguous"]]
    with OUT.open("w", encoding="utf-8") as fh:
        for e in entries:
            row = {k: v for k, v in e.items() if v or k in ("name", "category")}
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    by_source: dict[str, int] = defaultdict(int)
    for e in entries:
        by_source[e["source"]] += 1
    return {"entries": len(entries), **by_source}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    print(build(args.shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
