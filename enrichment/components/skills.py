"""Skills and technologies from the shipped taxonomy, with context rules for ambiguous names.

Each taxonomy entry has three kinds of spellings:

* ``aliases`` match case-insensitively and always count ("kubernetes", "k8s");
* ``exact`` match only with the same case and always count ("SAS", "AWS");
* ``ambiguous`` match only with the same case *and* in a technical context: another skill
  within ``context_window`` tokens (a list such as "Python, R and SQL") or a cue word such as
  "programming" / "langage" / "programmeertaal". "Go", "R", "Rust", "Spark", "Swift", "Julia",
  "Ruby" are ambiguous; lower-case "go" or "rust" never matches, and "Go-live" / "R&D" never do.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.company import company_spans
from enrichment.components.base import DataComponent
from enrichment.components.lexicon import (
    LOWER,
    ORTH,
    TokenColumns,
    doc_text,
    get_lexicon,
    hints,
    matches,
    token_columns,
)
from enrichment.config import EnrichmentConfigError, config_error, read_jsonl, resolve_data_path

NAME = "jobtrends_skills"
NAMESPACE = "skill"
DEFAULT_CONFIG: dict[str, Any] = {"patterns": None, "context_window": 6}
EXAMPLE = {"patterns": "enrichment/data/skills.jsonl", "context_window": 6}

# Words that make a nearby ambiguous name technical, in EN/FR/NL/DE (lower case).
CONTEXT_CUES = frozenset(
    """programming program programs language languages langage langages programmation
    programmeertaal programmeertalen programmeren programmiersprache programmiersprachen
    programmierung developer developers development développeur développeurs développeuse
    développement ontwikkelaar ontwikkelaars ontwikkeling entwickler entwicklerin entwicklung
    engineer engineers ingénieur code coding codeur scripting scripts stack stacks framework
    frameworks library libraries backend back-end frontend front-end tools technologies
    technologieën technologien technologie skills compétences vaardigheden kenntnisse
    programmer programmeur""".split()  # noqa: SIM905
)

SENTENCE_ENDS = frozenset({".", "!", "?", "\n", "\n\n", "\n\n\n"})

if not Doc.has_extension("skills"):
    Doc.set_extension("skills", default=None)


@dataclass(frozen=True)
class Skill:
    name: str
    category: str


class SkillSpan(NamedTuple):
    """A skill found in the document: token span plus character offsets in ``doc.text``."""

    skill: Skill
    start: int
    end: int
    start_char: int
    end_char: int
    text: str


class SkillMatcher(DataComponent):
    data_name = "skills.jsonl"

    def __init__(self, nlp: Language, name: str, data_path: Path, context_window: int) -> None:
        self.context_window = context_window
        super().__init__(nlp, name, data_path)

    def load(self, path: Path) -> None:
        self.skills: list[Skill] = []
        self.reject_next: dict[int, frozenset[str]] = {}
        always_lower: list[tuple[str, Any]] = []
        always_exact: list[tuple[str, Any]] = []
        in_context: list[tuple[str, Any]] = []
        for lineno, entry in read_jsonl(path):
            name, category = entry.get("name"), entry.get("category")
            if not isinstance(name, str) or not name or not isinstance(category, str):
                raise EnrichmentConfigError(
                    f"{path}:{lineno}: a skill needs a 'name' and a 'category', e.g. "
                    '{"name": "Kubernetes", "category": "cloud", "aliases": ["k8s"]}'
                )
            index = len(self.skills)
            self.skills.append(Skill(name, category))
            if entry.get("reject_next"):
                self.reject_next[index] = frozenset(w.lower() for w in entry["reject_next"])
            for alias in entry.get("aliases", ()):
                always_lower.append((alias, (index, False)))
            for alias in entry.get("exact", ()):
                always_exact.append((alias, (index, False)))
            for alias in entry.get("ambiguous", ()):
                in_context.append((alias, (index, True)))
                if len(alias) == 1:
                    # the tokenizer keeps "R." together (like an initial) at a sentence end
                    in_context.append((alias + ".", (index, True)))
        strings = self.nlp.vocab.strings
        self._reject_next = {i: frozenset(strings.add(w) for w in words)
                             for i, words in self.reject_next.items()}
        self._sentence_ends = frozenset(strings.add(s) for s in SENTENCE_ENDS)
        self._cues = frozenset(strings.add(c) for c in CONTEXT_CUES)
        self._glue = frozenset(strings.add(g) for g in ("-", "&", "&D", "&amp;"))
        lexicon = get_lexicon(self.nlp, self.name)
        lexicon.reset(NAMESPACE)
        lexicon.add(NAMESPACE, LOWER, always_lower)
        lexicon.add(NAMESPACE, ORTH, always_exact + in_context)

    def __call__(self, doc: Doc) -> Doc:
        found = matches(doc, NAMESPACE)
        # longest first, then leftmost: "Apache Spark" wins over "Spark"
        ordered = sorted(found, key=lambda m: (m[1] - m[2], m[1]))
        taken = bytearray(len(doc))
        kept: list[tuple[int, int, int, bool]] = []
        for (index, needs_context), start, end in ordered:
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, index, needs_context))
        kept.sort()
        anchors = [start for start, _, _, ambiguous in kept if not ambiguous]
        everything = [start for start, _, _, _ in kept]
        cols = token_columns(doc) if kept else None
        text = doc_text(doc) if kept else ""
        spans: list[SkillSpan] = []
        for start, end, index, ambiguous in kept:
            assert cols is not None
            if ambiguous and not self._in_context(cols, start, end, anchors, everything):
                continue
            if index in self._reject_next and end < len(cols.lower) and \
                    cols.lower[end] in self._reject_next[index]:
                continue  # "Excel at teamwork"
            start_char = cols.idx[start]
            end_char = cols.idx[end - 1] + cols.length[end - 1]
            if end_char - start_char == 2 and text[end_char - 1] == ".":
                end_char -= 1  # "R." at a sentence end
            spans.append(SkillSpan(self.skills[index], start, end, start_char, end_char,
                                   text[start_char:end_char]))
        if spans:
            spans = _outside_company(spans, company_spans(text, hints(doc).get("company")))
        doc._.skills = spans
        return doc

    def _in_context(self, cols: TokenColumns, start: int, end: int, anchors: list[int],
                    everything: list[int]) -> bool:
        n = len(cols.orth)
        # "Go-live", "C-level", "R&D": a hyphen or ampersand glued on makes it another word
        if end < n and cols.orth[end] in self._glue \
                and cols.idx[end] == cols.idx[end - 1] + cols.length[end - 1]:
            return False
        # the context is the sentence around the name, at most context_window tokens each side
        # (no Token.is_sent_end: on a blank pipeline it scans the whole document per call)
        lo = start
        while lo > 0 and start - lo < self.context_window \
                and cols.orth[lo - 1] not in self._sentence_ends:
            lo -= 1
        hi = end
        ends = self._sentence_ends
        while hi < n and hi - end < self.context_window and cols.orth[hi] not in ends:
            hi += 1
        nearest = bisect_left(anchors, lo)  # anchors are sorted
        if nearest < len(anchors) and anchors[nearest] < hi:
            return True
        if any(a != start and lo <= a < hi and abs(a - start) <= 2 for a in everything):
            # two ambiguous names side by side in a list ("R, Julia")
            return True
        cues = self._cues
        return any(h in cues for h in cols.lower[lo:hi])


def _outside_company(spans: list[SkillSpan],
                     company: list[tuple[int, int]]) -> list[SkillSpan]:
    """Drop mentions that are part of the posting's own company name ("Gravitystack SAS").

    A mention that *is* the whole name (company "Databricks") still counts: it may be the
    product.
    """
    if not company:
        return spans
    return [s for s in spans
            if not any(lo <= s.start_char and s.end_char <= hi
                       and hi - lo > s.end_char - s.start_char for lo, hi in company)]


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_skill_matcher(
    nlp: Language, name: str, patterns: str | None, context_window: int
) -> SkillMatcher:
    if not isinstance(context_window, int) or not 0 < context_window <= 50:
        raise config_error(NAME, f"context_window must be an integer 1-50, not {context_window!r}",
                           EXAMPLE)
    return SkillMatcher(nlp, name, resolve_data_path(NAME, patterns, "skills.jsonl", EXAMPLE),
                        context_window)
