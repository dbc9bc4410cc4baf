"""One shared phrase-matching pass that every rule component reads.

Skills, cue words and place names are all phrase lists. Running one ``PhraseMatcher`` per
attribute over the document, instead of one per component, keeps the pipeline close to the
tokenizer's own speed. Components add their phrases under a namespace at construction and read
``matches(doc, namespace)`` afterwards.

Per-document working state (the posting's fields, the matches, token columns) lives in
``doc.user_data["jobtrends"]``, a plain dict: each ``doc._`` access builds an object, and
dozens of them per posting cost as much as a component.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from spacy import attrs as spacy_attrs
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

LEXICON = "jobtrends_lexicon"
LOWER = "LOWER"
ORTH = "ORTH"

STATE = "jobtrends"
# keys of the state: the posting's own fields beside the text (location, employment_type,
# seniority, country), description_start (offset of the description in doc.text), text
# (doc.text, cached), matches (namespace -> TermMatch list), columns (TokenColumns)


# (payload the component registered for the phrase, start token, end token): a plain tuple,
# as documents carry dozens of matches and a NamedTuple costs ten times more to create
TermMatch = tuple[Any, int, int]


class TokenColumns(NamedTuple):
    """Token attributes as plain lists, read with one C call (``Doc.to_array``).

    Components look tokens up by index in these instead of creating ``Token`` objects, which
    costs more than the tokenizer itself when done per match in Python.
    """

    lower: list[int]  # LOWER hashes
    orth: list[int]  # ORTH hashes
    idx: list[int]  # character offset of each token in the doc text
    length: list[int]  # characters in each token


def token_columns(doc: Doc) -> TokenColumns:
    h = hints(doc)
    cols = h.get("columns")
    if cols is None:
        array = doc.to_array([spacy_attrs.LOWER, spacy_attrs.ORTH, spacy_attrs.IDX,
                              spacy_attrs.LENGTH])
        cols = h["columns"] = TokenColumns(*(array[:, i].tolist() for i in range(4)))
    return cols


class Lexicon:
    """Holds every component's phrases and matches them all in one ``PhraseMatcher`` pass.

    The matcher runs on ``LOWER``; phrases registered as ``ORTH`` (case-sensitive: "Go",
    "SAS", city names) are matched the same way and kept only when the matched tokens' own
    spelling is the phrase's. One pass instead of one per attribute or per component.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self._matcher = PhraseMatcher(nlp.vocab, attr=LOWER)
        # namespace -> LOWER key -> [(ORTH key, or None for any case; payload)]
        self._payloads: dict[str, dict[tuple[int, ...], list[tuple[tuple[int, ...] | None,
                                                                   Any]]]] = defaultdict(dict)
        self._labels: dict[int, str] = {}

    def add(self, namespace: str, attr: str, phrases: Iterable[tuple[str, Any]]) -> None:
        """Register ``(phrase, payload)`` pairs matched on ``attr`` (LOWER or ORTH)."""
        if attr not in (LOWER, ORTH):
            raise ValueError(f"attr must be LOWER or ORTH, not {attr!r}")
        items = [(p, payload) for p, payload in phrases if p and p.strip()]
        table = self._payloads[namespace]
        docs = []
        for (doc, words), (_, payload) in zip(self._pattern_docs([p for p, _ in items]), items,
                                              strict=True):
            if words is not None:  # LOWER is str.lower in every language
                lower = tuple(get_string_id(w.lower()) for w in words)
                orth = tuple(get_string_id(w) for w in words)
            else:
                cols = doc.to_array([spacy_attrs.LOWER, spacy_attrs.ORTH])
                lower, orth = tuple(cols[:, 0].tolist()), tuple(cols[:, 1].tolist())
            entry = (orth if attr == ORTH else None, payload)
            if lower not in table:
                table[lower] = []
                docs.append(doc)
            if entry not in table[lower]:
                table[lower].append(entry)
        self._labels[self.nlp.vocab.strings.add(namespace)] = namespace
        if docs:
            self._matcher.add(namespace, docs)

    def _pattern_docs(self, phrases: list[str]) -> list[tuple[Doc, list[str] | None]]:
        """Docs for ``phrases``, tokenized as the pipeline tokenizes text.

        Plain alphabetic words split on spaces in every language (barring special cases such
        as "cannot"), so most of the taxonomy skips the tokenizer: that halves start-up time.
        """
        tokenizer = self.nlp.tokenizer
        assert isinstance(tokenizer, Tokenizer)
        rules = tokenizer.rules or {}
        simple: dict[int, tuple[Doc, list[str] | None]] = {}
        others: list[int] = []
        for i, phrase in enumerate(phrases):
            words = phrase.split()
            if all(w.isalpha() and w not in rules for w in words):
                simple[i] = (Doc(self.nlp.vocab, words=words), words)
            else:
                others.append(i)
        tokenized = dict(zip(others, tokenizer.pipe(phrases[i] for i in others),
                             strict=True))
        return [simple[i] if i in simple else (tokenized[i], None) for i in range(len(phrases))]

    def reset(self, namespace: str) -> None:
        """Forget a namespace's phrases (a component reloading its data file)."""
        if namespace in self._matcher:
            self._matcher.remove(namespace)
        self._payloads.pop(namespace, None)

    def __call__(self, doc: Doc) -> Doc:
        found: dict[str, list[TermMatch]] = defaultdict(list)
        if len(self._matcher):
            hits = self._matcher(doc)
            if hits:
                cols = token_columns(doc)
                lower, orth = cols.lower, cols.orth
                labels, payloads = self._labels, self._payloads
                for match_id, start, end in hits:
                    namespace = labels[match_id]
                    entries = payloads[namespace].get(tuple(lower[start:end]))
                    if not entries:
                        continue
                    out = found[namespace]
                    spelled: tuple[int, ...] | None = None
                    for want, payload in entries:
                        if want is not None:
                            if spelled is None:
                                spelled = tuple(orth[start:end])
                            if want != spelled:
                                continue
                        out.append((payload, start, end))
        hints(doc)["matches"] = found
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
    """The lexicon's matches of ``namespace`` in ``doc`` (empty before the lexicon ran)."""
    found = hints(doc).get("matches")
    if found is None:
        return []
    return found.get(namespace, [])


def hints(doc: Doc) -> dict[str, Any]:
    """The document's enrichment state: the posting's fields beside the text, matches..."""
    found = doc.user_data.get(STATE)
    if found is None:
        found = doc.user_data[STATE] = {}
    return found


def set_hints(doc: Doc, **fields: Any) -> None:
    """Attach the posting's own fields (location, employment_type, ...) to ``doc``."""
    doc.user_data[STATE] = fields


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once: spaCy rebuilds it from every token on each access."""
    h = hints(doc)
    text = h.get("text")
    if text is None:
        text = h["text"] = doc.text
    return text


def description_start(doc: Doc) -> int:
    """Where the description starts in the document text (the end for a title-only doc)."""
    start = hints(doc).get("description_start")
    return len(doc_text(doc)) if start is None else int(start)
