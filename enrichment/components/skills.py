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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.components.base import DataComponent
from enrichment.components.lexicon import LOWER, ORTH, get_lexicon, matches
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

SENTENCE_ENDS = frozenset({".", "!", "?", "\n", "\n\n"})

if not Doc.has_extension("skills"):
    Doc.set_extension("skills", default=None)


@dataclass(frozen=True)
class Skill:
    name: str
    category: str


@dataclass(frozen=True)
class SkillSpan:
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
        lexicon = get_lexicon(self.nlp, self.name)
        lexicon.reset(NAMESPACE)
        lexicon.add(NAMESPACE, LOWER, always_lower)
        lexicon.add(NAMESPACE, ORTH, always_exact + in_context)

    def __call__(self, doc: Doc) -> Doc:
        found = matches(doc, NAMESPACE)
        # longest first, then leftmost: "Apache Spark" wins over "Spark"
        ordered = sorted(found, key=lambda m: (m.start - m.end, m.start))
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
        spans: list[SkillSpan] = []
        for start, end, index, ambiguous in kept:
            if ambiguous and not self._in_context(doc, start, end, anchors, everything):
                continue
            if index in self.reject_next and end < len(doc) and \
                    doc[end].lower_ in self.reject_next[index]:
                continue  # "Excel at teamwork"
            span = doc[start:end]
            text, end_char = span.text, span.end_char
            if text.endswith(".") and len(text) == 2:
                text, end_char = text[:-1], end_char - 1
            spans.append(SkillSpan(self.skills[index], start, end, span.start_char, end_char, text))
        doc._.skills = spans
        return doc

    def _in_context(self, doc: Doc, start: int, end: int, anchors: list[int],
                    everything: list[int]) -> bool:
        # "Go-live", "C-level", "R&D": a hyphen or ampersand glued on makes it another word
        if end < len(doc) and doc[end].text in {"-", "&", "&D"} and not doc[end].whitespace_:
            return False
        if doc[start].whitespace_ == "" and end < len(doc) and doc[end].text.startswith("&"):
            return False
        # the context is the sentence around the name, at most context_window tokens each side
        lo = start
        while lo > 0 and start - lo < self.context_window and not doc[lo - 1].is_sent_end \
                and doc[lo - 1].text not in SENTENCE_ENDS:
            lo -= 1
        hi = end
        while hi < len(doc) and hi - end < self.context_window \
                and doc[hi].text not in SENTENCE_ENDS:
            hi += 1
        if any(lo <= a < hi for a in anchors):
            return True
        if any(a != start and lo <= a < hi and abs(a - start) <= 2 for a in everything):
            # two ambiguous names side by side in a list ("R, Julia")
            return True
        return any(t.lower_ in CONTEXT_CUES for t in doc[lo:hi])


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_skill_matcher(
    nlp: Language, name: str, patterns: str | None, context_window: int
) -> SkillMatcher:
    if not isinstance(context_window, int) or not 0 < context_window <= 50:
        raise config_error(NAME, f"context_window must be an integer 1-50, not {context_window!r}",
                           EXAMPLE)
    return SkillMatcher(nlp, name, resolve_data_path(NAME, patterns, "skills.jsonl", EXAMPLE),
                        context_window)
