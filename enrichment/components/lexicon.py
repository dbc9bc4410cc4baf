"""One shared phrase-matching pass that every rule component reads.

Skills, cue words and place names are all phrase lists. Running one ``PhraseMatcher`` per
attribute over the document, instead of one per component, keeps the pipeline close to the
tokenizer's own speed. Components add their phrases under a namespace at construction and read
``doc._.jt_matches[namespace]`` afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

LEXICON = "jobtrends_lexicon"
LOWER = "LOWER"
ORTH = "ORTH"

if not Doc.has_extension("jt_matches"):
    Doc.set_extension("jt_matches", default=None)
if not Doc.has_extension("jt_hints"):
    # the posting's own fields beside the text: location, employment_type, seniority, country,
    # description_start (offset of the description in doc.text)
    Doc.set_extension("jt_hints", default=None)


class TermMatch(NamedTuple):
    payload: Any  # what the component registered for the phrase
    start: int  # token offsets
    end: int


def _key(span: Span | Doc, attr: str) -> str:
    if attr == LOWER:
        return " ".join(t.lower_ for t in span)
    return " ".join(t.orth_ for t in span)


class Lexicon:
    """Holds every component's phrases; matches them all in one pass per attribute."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self._matchers = {
            LOWER: PhraseMatcher(nlp.vocab, attr=LOWER),
            ORTH: PhraseMatcher(nlp.vocab, attr=ORTH),
        }
        # (attr, namespace) -> phrase key -> payloads
        self._payloads: dict[tuple[str, str], dict[str, list[Any]]] = defaultdict(dict)
        self._labels: dict[int, tuple[str, str]] = {}

    def add(self, namespace: str, attr: str, phrases: Iterable[tuple[str, Any]]) -> None:
        """Register ``(phrase, payload)`` pairs matched on ``attr`` (LOWER or ORTH)."""
        if attr not in self._matchers:
            raise ValueError(f"attr must be LOWER or ORTH, not {attr!r}")
        items = [(p, payload) for p, payload in phrases if p and p.strip()]
        table = self._payloads[(attr, namespace)]
        docs = []
        for doc, (_, payload) in zip(
            self.nlp.tokenizer.pipe(p for p, _ in items), items, strict=True
        ):
            key = _key(doc, attr)
            if key not in table:
                table[key] = []
                docs.append(doc)
            if payload not in table[key]:
                table[key].append(payload)
        label = f"{namespace}\x1f{attr}"
        self._labels[self.nlp.vocab.strings.add(label)] = (attr, namespace)
        if docs:
            self._matchers[attr].add(label, docs)

    def reset(self, namespace: str) -> None:
        """Forget a namespace's phrases (a component reloading its data file)."""
        for attr, matcher in self._matchers.items():
            label = f"{namespace}\x1f{attr}"
            if label in matcher:
                matcher.remove(label)
            self._payloads.pop((attr, namespace), None)

    def __call__(self, doc: Doc) -> Doc:
        found: dict[str, list[TermMatch]] = defaultdict(list)
        for attr, matcher in self._matchers.items():
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                attr_ns = self._labels[match_id]
                key = _key(doc[start:end], attr)
                for payload in self._payloads[attr_ns].get(key, ()):
                    found[attr_ns[1]].append(TermMatch(payload, start, end))
        doc._.jt_matches = found
        return doc


@Language.factory(LEXICON)
def make_lexicon(nlp: Language, name: str) -> Lexicon:
    return Lexicon(nlp, name)


def get_lexicon(nlp: Language, component: str) -> Lexicon:
    """The pipeline's shared lexicon; it must be added before the components that use it."""
    if LEXICON not in nlp.pipe_names:
        raise ValueError(
            f"{component} needs the {LEXICON!r} component before it: "
            f"nlp.add_pipe({LEXICON!r}); nlp.add_pipe({component!r})"
        )
    lexicon = nlp.get_pipe(LEXICON)
    assert isinstance(lexicon, Lexicon)
    return lexicon


def matches(doc: Doc, namespace: str) -> list[TermMatch]:
    found = doc._.jt_matches
    if found is None:
        return []
    return found.get(namespace, [])


def hints(doc: Doc) -> dict[str, Any]:
    return doc._.jt_hints or {}
