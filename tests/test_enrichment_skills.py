"""Skills: aliases in four languages, ambiguous names only in context, offsets, config errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from enrichment import EnrichmentConfigError, PostingText, get_enricher
from enrichment.components.skills import SkillMatcher
from enrichment.pipeline import build_pipeline


def skills_of(title: str, description: str = "", **kw: str) -> set[str]:
    found = get_enricher().enrich(PostingText(title=title, description=description, **kw))
    return {s.name for s in found.skills}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We run everything on k8s and use sklearn daily.", {"Kubernetes", "scikit-learn"}),
        ("Experience in machine learning and Python.", {"Machine Learning", "Python"}),
        ("Vous maîtrisez l'apprentissage automatique et Python.", {"Machine Learning", "Python"}),
        ("Je hebt ervaring met machinaal leren en Python.", {"Machine Learning", "Python"}),
        ("Du hast Erfahrung mit maschinellem Lernen und Python.", {"Machine Learning", "Python"}),
        ("Tools: PyTorch, TensorFlow, MLflow, dbt, Airflow, Databricks, Snowflake.",
         {"PyTorch", "TensorFlow", "MLflow", "dbt", "Apache Airflow", "Databricks", "Snowflake"}),
        ("Cloud: AWS, Azure or GCP, with Docker and Kubernetes.",
         {"AWS", "Microsoft Azure", "Google Cloud Platform", "Docker", "Kubernetes"}),
        ("Je schrijft SQL-queries en Python-scripts.", {"SQL", "Python"}),
    ],
)
def test_aliases_in_every_language(text: str, expected: set[str]) -> None:
    assert skills_of("Engineer", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the language in a list or a programming context
        ("We code in Python, R and SQL.", {"Python", "R", "SQL"}),
        ("Services written in Go and Rust.", {"Go", "Rust"}),
        ("Le langage R est un atout.", {"R"}),
        ("Vous codez en Python et en R.", {"Python", "R"}),
        ("Pipelines on Spark with Scala.", {"Apache Spark", "Scala"}),
        ("Apps in Swift and Kotlin.", {"Swift", "Kotlin"}),
        ("Models in Python and Julia.", {"Python", "Julia"}),
        ("Firmware in C and C++.", {"C", "C++"}),
        ("Good knowledge of Excel and Word.", {"Microsoft Excel", "Microsoft Word"}),
        # ... and the ordinary word everywhere else
        ("Ready to go the extra mile? Go for it!", set()),
        ("Our R&D team is growing.", set()),
        ("You will spark new ideas.", set()),
        ("No rust on your skills.", set()),
        ("You excel at communication. Excel at teamwork.", set()),
        ("Colleagues speak Javanese and Sundanese.", set()),
        ("Julia Peeters, our team lead, will welcome you.", set()),
        ("Ruby, our office dog, will welcome you.", set()),
        ("We expect swift feedback.", set()),
        ("The Go-live is planned for spring.", set()),
        ("You report to C-level stakeholders.", set()),
        ("Le tableau de bord est prêt.", set()),
        ("Je gaat graag voor kwaliteit.", set()),
        # O*NET products named with plain words, and job-ad boilerplate
        ("Reports, slides and so forth; technical docs and a keynote.", set()),
        ("Apply via LinkedIn or follow us on Instagram.", set()),
    ],
)
def test_ambiguous_names_need_context(text: str, expected: set[str]) -> None:
    assert skills_of("Engineer", text) == expected


def test_mentions_keep_text_offsets_and_field() -> None:
    title = "Senior Python Developer"
    description = "<p>Deploy on <b>k8s</b> with Docker.</p>"
    found = get_enricher().enrich(PostingText(title=title, description=description))
    by_name = {s.name: s for s in found.skills}
    assert by_name["Python"].field == "title"
    assert title[by_name["Python"].start:by_name["Python"].end] == "Python"
    k8s = by_name["Kubernetes"]
    assert (k8s.field, k8s.text) == ("description", "k8s")
    # description offsets are into the plain text of the description (HTML removed)
    from enrichment.text import to_plain_text

    assert to_plain_text(description)[k8s.start:k8s.end] == "k8s"


def test_mixed_language_posting_finds_skills_from_both() -> None:
    text = ("Nous recherchons un data engineer. You will work with Spark and Airflow. "
            "Je kent ook machinaal leren.")
    assert {"Apache Spark", "Apache Airflow", "Machine Learning"} <= skills_of("Data Engineer",
                                                                                 text)


def test_taxonomy_is_thousands_of_entries_with_sources() -> None:
    path = Path(__file__).parents[1] / "enrichment" / "data" / "skills.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    assert len(rows) > 5000
    assert {r["source"] for r in rows} == {"curated", "onet", "esco"}
    go = next(r for r in rows if r["name"] == "Go")
    assert "go" not in [a.lower() for a in go.get("aliases", [])]  # never case-insensitive


def _patterns(tmp_path: Path, entries: list[dict[str, object]]) -> str:
    path = tmp_path / "skills.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return str(path)


def test_context_rule_is_what_keeps_the_verb_out(tmp_path: Path) -> None:
    text = "Engineer\nReady to go the extra mile. We use Go and Python."
    guarded = _patterns(tmp_path, [{"name": "Go", "category": "language", "ambiguous": ["Go"]},
                                   {"name": "Python", "category": "language",
                                    "aliases": ["python"]}])
    nlp = build_pipeline("en", {"jobtrends_skills": {"patterns": guarded}})
    assert [s.text for s in nlp(text)._.skills] == ["Go", "Python"]
    # the same name as a plain case-insensitive alias also fires on the verb
    loose = tmp_path / "loose"
    loose.mkdir()
    unguarded = _patterns(loose, [{"name": "Go", "category": "language", "aliases": ["go"]},
                                  {"name": "Python", "category": "language",
                                   "aliases": ["python"]}])
    nlp = build_pipeline("en", {"jobtrends_skills": {"patterns": unguarded}})
    assert [s.text for s in nlp(text)._.skills] == ["go", "Go", "Python"]


def test_bad_config_shows_a_working_example() -> None:
    with pytest.raises(EnrichmentConfigError, match="A working example") as info:
        build_pipeline("en", {"jobtrends_skills": {"context_window": 0}})
    assert "context_window" in str(info.value)
    with pytest.raises(EnrichmentConfigError, match="does not exist"):
        build_pipeline("en", {"jobtrends_skills": {"patterns": "/nonexistent/skills.jsonl"}})


def test_bad_pattern_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "skills.jsonl"
    path.write_text('{"name": "Python", "category": "language"}\n{"name": "x"\n',
                    encoding="utf-8")
    with pytest.raises(EnrichmentConfigError, match=r"skills.jsonl:2"):
        build_pipeline("en", {"jobtrends_skills": {"patterns": str(path)}})


def test_patterns_are_saved_and_loaded_with_the_pipeline(tmp_path: Path) -> None:
    custom = _patterns(tmp_path, [{"name": "Zig", "category": "language", "aliases": ["zig"]}])
    nlp = build_pipeline("en", {"jobtrends_skills": {"patterns": custom}})
    saved = tmp_path / "pipeline"
    cast(SkillMatcher, nlp.get_pipe("jobtrends_skills")).to_disk(saved / "skills")
    fresh = build_pipeline("en")
    assert not [s for s in fresh("Engineer\nWe write Zig.")._.skills if s.skill.name == "Zig"]
    cast(SkillMatcher, fresh.get_pipe("jobtrends_skills")).from_disk(saved / "skills")
    assert [s.skill.name for s in fresh("Engineer\nWe write Zig.")._.skills] == ["Zig"]
    # the loaded taxonomy replaces the shipped one instead of mixing with it
    assert [s.skill.name for s in fresh("Engineer\nZig and Python.")._.skills] == ["Zig"]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"jobtrends_skills": {"context_window": "six"}}, "context_window"),
        ({"jobtrends_skills": {"contxt_window": 3}}, "unexpected argument"),
        ({"jobtrends_location": {"gazetteer": 3}}, "gazetteer"),
    ],
)
def test_spacy_config_errors_also_show_an_example(
    config: dict[str, dict[str, Any]], problem: str
) -> None:
    with pytest.raises(EnrichmentConfigError, match="A working example") as info:
        build_pipeline("en", config)
    assert problem in str(info.value)


def test_whole_pipeline_saves_and_loads_with_its_data(tmp_path: Path) -> None:
    import spacy

    nlp = build_pipeline("en")
    nlp.to_disk(tmp_path / "nlp")
    assert (tmp_path / "nlp" / "jobtrends_skills" / "skills.jsonl").is_file()
    loaded = spacy.load(tmp_path / "nlp")
    text = "Senior Engineer\nPython, R and k8s in Gent. CDI."
    a, b = nlp(text), loaded(text)
    assert [s.skill.name for s in a._.skills] == [s.skill.name for s in b._.skills] == \
        ["Python", "R", "Kubernetes"]
    assert (b._.seniority, b._.locations[0].city) == ("Mid-Senior level", "Ghent")
