"""Scoring enrichment against a hand-labelled set (tests/data/enrichment_eval.jsonl).

Each line is a posting (``title``, ``description``, optional ``location``, ``employment_type``,
``seniority``, ``language``, ``country``) plus ``labels``: the ``skills`` a reader sees
(canonical names), and the expected ``language`` (absent for mixed-language postings),
``seniority``, ``city`` (English name of the first location, or null), ``employment_type`` and
``role_family``. ``split`` is ``tuning`` (default: rules were improved while looking at these)
or ``holdout`` (written after tuning and never tuned on: the honest figure). Skills are scored
by micro precision/recall over (posting, skill) pairs; the other fields by accuracy, null
counting as a value to get right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enrichment.enricher import Enricher
from enrichment.types import Enrichment, PostingText

POSTING_FIELDS = ("title", "description", "location", "employment_type", "seniority",
                  "language", "company", "country")
ACCURACY_FIELDS = ("language", "seniority", "city", "employment_type", "role_family")


class EvaluationFileError(ValueError):
    """The evaluation file has a bad line."""


@dataclass
class EvalCase:
    id: str
    posting: PostingText
    labels: dict[str, Any]
    split: str = "tuning"


@dataclass
class Scores:
    cases: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    correct: dict[str, int] = field(default_factory=dict)
    labelled: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # one line per mistake, for debugging

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def accuracy(self, name: str) -> float | None:
        n = self.labelled.get(name, 0)
        return self.correct.get(name, 0) / n if n else None


def load_cases(path: Path) -> list[EvalCase]:
    cases = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                labels = row["labels"]
                optional: dict[str, Any] = {k: row.get(k) or None for k in POSTING_FIELDS
                                            if k not in ("title", "description")}
                posting = PostingText(title=row["title"], description=row.get("description") or "",
                                      **optional)
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise EvaluationFileError(
                    f"{path}:{lineno}: expected a JSON object with 'title' and 'labels' ({exc})"
                ) from exc
            cases.append(EvalCase(str(row.get("id", lineno)), posting, labels,
                                  str(row.get("split") or "tuning")))
    return cases


def predicted_values(result: Enrichment) -> dict[str, Any]:
    first_city = next((loc.city for loc in result.locations if loc.city), None)
    return {"language": result.language, "seniority": result.seniority, "city": first_city,
            "employment_type": result.employment_type, "role_family": result.role_family}


def evaluate(enricher: Enricher, cases: list[EvalCase]) -> Scores:
    """Enrich ``cases`` and score the results."""
    return score(cases, enricher.enrich_many([c.posting for c in cases]))


def score(cases: list[EvalCase], results: list[Enrichment]) -> Scores:
    """Score enrichment ``results`` (in the order of ``cases``) against the labels."""
    scores = Scores()
    for case, result in zip(cases, results, strict=True):
        scores.cases += 1
        expected = set(case.labels.get("skills", []))
        found = {s.name for s in result.skills}
        scores.true_positives += len(found & expected)
        scores.false_positives += len(found - expected)
        scores.false_negatives += len(expected - found)
        if found != expected:
            scores.errors.append(f"{case.id} skills: extra {sorted(found - expected)} "
                                 f"missing {sorted(expected - found)}")
        predicted = predicted_values(result)
        for name in ACCURACY_FIELDS:
            if name not in case.labels:
                continue
            scores.labelled[name] = scores.labelled.get(name, 0) + 1
            if predicted[name] == case.labels[name]:
                scores.correct[name] = scores.correct.get(name, 0) + 1
            else:
                scores.errors.append(f"{case.id} {name}: got {predicted[name]!r} "
                                     f"expected {case.labels[name]!r}")
    return scores
