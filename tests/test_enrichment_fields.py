"""Seniority, employment type and role family: table-driven, in EN/FR/NL/DE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrichment import EnrichmentConfigError, PostingText, get_enricher
from enrichment.pipeline import build_pipeline


def enrich(title: str, description: str = "", **kw: str | None):
    return get_enricher().enrich(PostingText(title=title, description=description, **kw))


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Senior Data Engineer", "Mid-Senior level"),
        ("Lead Developer", "Mid-Senior level"),
        ("Principal Engineer", "Mid-Senior level"),
        ("Staff Software Engineer", "Mid-Senior level"),
        ("Data Scientist confirmé", "Mid-Senior level"),
        ("Ervaren Java Ontwikkelaar", "Mid-Senior level"),
        ("Junior Data Analyst", "Entry level"),
        ("Analyste junior", "Entry level"),
        ("Graduate Software Engineer", "Entry level"),
        ("Trainee Data & AI", "Entry level"),
        ("Medior .NET Developer", "Associate"),
        ("Machine Learning Intern", "Internship"),
        ("Stagiaire Data Scientist", "Internship"),
        ("Stage - Développeur web", "Internship"),
        ("Stagiair Data Science", "Internship"),
        ("Werkstudent Machine Learning", "Internship"),
        ("Praktikum Softwareentwicklung", "Internship"),
        ("Head of Data", "Director"),
        ("Directeur des systèmes d'information", "Director"),
        ("Hoofd IT", "Director"),
        ("Abteilungsleiter IT", "Director"),
        ("VP Engineering", "Executive"),
        ("Chief Technology Officer", "Executive"),
        ("CTO", "Executive"),
        ("Geschäftsführer", "Executive"),
        ("Head of Data Science Interns", "Director"),  # the higher level listed first wins
    ],
)
def test_seniority_from_title(title: str, level: str) -> None:
    assert enrich(title, "3 years of experience.").seniority == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("You have 1 year of experience.", "Entry level"),
        ("3+ years of experience with Python.", "Associate"),
        ("At least 5 years of relevant experience.", "Mid-Senior level"),
        ("Minimum 5 ans d'expérience.", "Mid-Senior level"),
        ("Vous avez 3 à 5 ans d'expérience.", "Associate"),
        ("Je hebt 5 jaar ervaring.", "Mid-Senior level"),
        ("Minstens 2 jaar ervaring.", "Associate"),
        ("Mindestens 3 Jahre Berufserfahrung.", "Associate"),
        ("Entry-level candidates welcome.", "Entry level"),
        ("Débutants acceptés.", "Entry level"),
        # a company's age is not experience asked for
        ("Founded 20 years ago, we grow fast.", None),
    ],
)
def test_seniority_from_years_then_text(text: str, level: str | None) -> None:
    assert enrich("Data Engineer", text).seniority == level


def test_seniority_precedence_title_years_source() -> None:
    assert enrich("Junior Engineer", "8 years of experience.",
                  seniority="Director").seniority == "Entry level"
    assert enrich("Engineer", "8 years of experience.",
                  seniority="Entry level").seniority == "Mid-Senior level"
    assert enrich("Engineer", "Join us.", seniority="Mid-Senior level").seniority == \
        "Mid-Senior level"
    assert enrich("Engineer", "Join us.", seniority="Experienced").seniority == \
        "Mid-Senior level"
    assert enrich("Engineer", "Join us.").seniority is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("FULL_TIME", "Full-time"), ("PART_TIME", "Part-time"), ("CONTRACTOR", "Contract"),
        ("TEMPORARY", "Temporary"), ("INTERN", "Internship"), ("FullTime", "Full-time"),
        ("full-time", "Full-time"), ("Permanent", "Full-time"), ("freelance", "Contract"),
        ("Intern", "Internship"), ("CDD", "Temporary"), ("Teilzeit", "Part-time"),
        ("FULL_TIME, PART_TIME", "Full-time"), ("VOLUNTEER", None),
    ],
)
def test_employment_type_from_source_values(source: str, expected: str | None) -> None:
    assert enrich("Engineer", "Join us.", employment_type=source).employment_type == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Permanent full-time contract.", "Full-time"),
        ("CDI, temps plein.", "Full-time"),
        ("Vast contract, voltijds.", "Full-time"),
        ("Festanstellung in Vollzeit.", "Full-time"),
        ("Temps partiel, mi-temps.", "Part-time"),
        ("Deeltijdse functie.", "Part-time"),
        ("Teilzeit möglich.", "Part-time"),
        ("Mission freelance de 6 mois.", "Contract"),
        ("Contractors welcome, day rate negotiable.", "Contract"),
        ("CDD de 12 mois, temps plein.", "Temporary"),  # the more specific type wins
        ("Interim opdracht van 3 maanden.", "Temporary"),
        ("Befristet auf 2 Jahre.", "Temporary"),
        ("Stage de 6 mois au sein de notre équipe de développement.", "Internship"),
        ("We are an early-stage startup.", None),  # "stage" is an internship only in FR/NL
    ],
)
def test_employment_type_from_text(text: str, expected: str | None) -> None:
    assert enrich("Engineer", text).employment_type == expected


def test_employment_precedence() -> None:
    # an internship title beats a source FULL_TIME that boards fill by default
    assert enrich("Stagiaire développeur", "Rejoignez-nous.",
                  employment_type="FULL_TIME").employment_type == "Internship"
    # the source's structured value beats cues in the text
    assert enrich("Engineer", "Freelance possible.",
                  employment_type="FULL_TIME").employment_type == "Full-time"


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Senior Machine Learning Engineer", "ml-engineer"),
        ("ML Engineer", "ml-engineer"),
        ("AI Engineer", "ml-engineer"),
        ("MLOps Engineer", "ml-engineer"),
        ("Ingénieur en apprentissage automatique", "ml-engineer"),
        ("Deep Learning Engineer", "ml-engineer"),
        ("KI-Ingenieur", "ml-engineer"),
        ("Data Scientist", "data-scientist"),
        ("Datawetenschapper", "data-scientist"),
        ("Data Engineer", "data-engineer"),
        ("Ingénieur de données", "data-engineer"),
        ("Analytics Engineer", "data-engineer"),
        ("Data Analyst", "data-analyst"),
        ("Data Analist", "data-analyst"),
        ("Analyste de données", "data-analyst"),
        ("Backend Developer (Go)", "software-engineer"),
        ("Softwareentwickler Java", "software-engineer"),
        ("Développeur Full Stack", "software-engineer"),
        ("DevOps Engineer", "devops-engineer"),
        ("Site Reliability Engineer", "devops-engineer"),
        ("Security Analyst", "security-engineer"),
        ("Product Owner", "product-manager"),
        ("Office Manager", "other"),
    ],
)
def test_role_family_from_title(title: str, family: str) -> None:
    assert enrich(title, "Join us.").role_family == family


def _small_skills(tmp_path: Path) -> dict[str, str]:
    """A one-entry taxonomy: these tests are not about skills, and it builds in no time."""
    path = tmp_path / "skills.jsonl"
    path.write_text('{"name": "Python", "category": "language", "aliases": ["python"]}\n',
                    encoding="utf-8")
    return {"patterns": str(path)}


def test_role_families_are_configurable(tmp_path: Path) -> None:
    rules = tmp_path / "roles.jsonl"
    rules.write_text(json.dumps({"family": "barista", "patterns": ["barista"]}) + "\n",
                     encoding="utf-8")
    skills = _small_skills(tmp_path)
    nlp = build_pipeline("en", {"jobtrends_role_family": {"rules": str(rules)},
                                "jobtrends_skills": skills})
    assert nlp("Head Barista\nCoffee.")._.role_family == "barista"
    assert nlp("Data Engineer\nPipelines.")._.role_family == "other"
    rules.write_text('{"family": "x"}\n', encoding="utf-8")
    with pytest.raises(EnrichmentConfigError, match=r"roles.jsonl:1"):
        build_pipeline("en", {"jobtrends_role_family": {"rules": str(rules)},
                              "jobtrends_skills": skills})


def test_bad_seniority_level_in_rules_is_rejected(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[1] / "enrichment" / "data" / "seniority.json"
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["title"][0]["level"] = "Boss"
    bad = tmp_path / "seniority.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(EnrichmentConfigError, match="Boss"):
        build_pipeline("en", {"jobtrends_seniority": {"rules": str(bad)},
                              "jobtrends_skills": _small_skills(tmp_path)})
