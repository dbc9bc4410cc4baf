"""Defects found by the end-to-end demo: intern titles, company names, neighbouring cities."""

from __future__ import annotations

import pytest

from enrichment import PostingText, get_enricher
from enrichment.components.role_family import RoleFamilyRules
from enrichment.gazetteer import load_gazetteer
from enrichment.pipeline import build_pipeline
from enrichment.version import DATA_DIR


def enrich(title: str, description: str = "", **kw: str | None):
    return get_enricher().enrich(PostingText(title=title, description=description, **kw))


# --- 1. an intern/seniority word before or after the field words keeps the family -----------

@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Stagiair Machine Learning", "ml-engineer"),
        ("Stage Machine Learning", "ml-engineer"),
        ("Stage en Machine Learning (H/F)", "ml-engineer"),
        ("Stagiaire Intelligence Artificielle", "ml-engineer"),
        ("Werkstudent Machine Learning", "ml-engineer"),
        ("Werkstudent (m/w/d) Machine Learning", "ml-engineer"),
        ("Praktikum Künstliche Intelligenz", "ml-engineer"),
        ("Stagiair AI", "ml-engineer"),
        ("Machine Learning Stagiair", "ml-engineer"),
        ("Machine Learning Werkstudent", "ml-engineer"),
        ("Junior Machine Learning", "ml-engineer"),
        ("Stage Data Science", "data-scientist"),
        ("Stagiaire Data Engineer", "data-engineer"),
        ("Stage Data Engineering", "data-engineer"),
        ("Internship Data Scientist", "data-scientist"),
        ("Stagiair Data Analytics", "data-analyst"),
        ("Stage Business Intelligence", "data-analyst"),
        ("Stagiaire Développement Logiciel", "software-engineer"),
        ("Werkstudent Softwareentwicklung", "software-engineer"),
    ],
)
def test_intern_titles_keep_the_family_of_the_field(title: str, family: str) -> None:
    assert enrich(title, "Join us.").role_family == family


@pytest.mark.parametrize(
    "title",
    ["Stagiair Machine Learning", "Stage Data Science", "Stagiaire Data Engineer",
     "Werkstudent Machine Learning", "Internship Data Scientist"],
)
def test_intern_titles_are_internships(title: str) -> None:
    assert enrich(title, "Join us.").seniority == "Internship"


@pytest.mark.parametrize(
    ("title", "family"),
    [
        # the field words alone, or beside another role, do not make the family
        ("Machine Learning", "other"),
        ("Senior Machine Learning Product Manager", "product-manager"),
        ("Stage Marketing", "other"),
        ("Head of Machine Learning", "other"),
    ],
)
def test_field_words_need_a_qualifier_and_nothing_else(title: str, family: str) -> None:
    assert enrich(title, "Join us.").role_family == family


def test_qualified_fields_come_from_the_data(tmp_path) -> None:
    rules = tmp_path / "roles.jsonl"
    rules.write_text(
        '{"qualifiers": ["apprentice"], "connectors": ["in"]}\n'
        '{"family": "barista", "patterns": ["barista"], "fields": ["coffee"]}\n',
        encoding="utf-8")
    nlp = build_pipeline("en", {"jobtrends_role_family": {"rules": str(rules)}})
    component = nlp.get_pipe("jobtrends_role_family")
    assert isinstance(component, RoleFamilyRules)
    assert component.classify("Apprentice in Coffee") == "barista"
    assert component.classify("Coffee Apprentice") == "barista"
    assert component.classify("Coffee") == "other"
    assert component.classify("Stagiair Coffee") == "other"  # not a qualifier in this file


# --- 2. the posting's own company name is not a skill -----------------------------------------

def skills_of(title: str, description: str, **kw: str | None) -> set[str]:
    return {s.name for s in enrich(title, description, **kw).skills}


def test_legal_form_of_the_company_is_not_a_skill() -> None:
    text = "Gravitystack SAS zoekt een stagiair voor ons data team. Python en SQL."
    assert "SAS" in skills_of("Stagiair Data Science", text)  # the bug, without the company
    found = skills_of("Stagiair Data Science", text, company="Gravitystack SAS")
    assert "SAS" not in found
    assert {"Python", "SQL"} <= found


def test_legal_form_after_company_name_given_without_it() -> None:
    text = "Rejoignez Gravitystack SAS, éditeur de logiciels. Python, SQL."
    assert "SAS" not in skills_of("Data Engineer", text, company="Gravitystack")
    assert "SAS" not in skills_of("Data Engineer", "Gravitystack S.A.S. recrute. Python.",
                                  company="GRAVITYSTACK")


def test_sas_the_software_still_counts_beside_the_company() -> None:
    text = ("Gravitystack SAS recrute un analyste. Vous maîtrisez SAS, SPSS and R. "
            "Experience with SAS is a plus.")
    found = enrich("Data Analyst", text, company="Gravitystack SAS")
    sas = [s for s in found.skills if s.name == "SAS"]
    assert [s.start for s in sas] == [text.index("SAS, SPSS"), text.index("SAS is")]
    assert {"SAS", "R"} <= skills_of("Data Analyst", "Experience with SAS, SPSS and R.",
                                     company="Acme SAS")


def test_skill_inside_the_company_name_does_not_count() -> None:
    # "Snowflake" inside "Snowflake Computing" is the company; alone it is the product
    text = "Snowflake Computing is hiring. You know Python and Snowflake."
    found = enrich("Data Engineer", text, company="Snowflake Computing")
    assert [s.start for s in found.skills if s.name == "Snowflake"] == [
        text.index("Snowflake.")]


# --- 3. a well-known city of a neighbouring country under its exact alias ----------------------

def test_exact_alias_of_a_big_city_beats_an_alternate_name_of_a_village() -> None:
    loc = enrich("Data Engineer", "x", location="Gent, NL").locations[0]
    assert (loc.city, loc.country) == ("Ghent", "BE")
    loc = enrich("Data Engineer", "x", location="Gent", country="NL").locations[0]
    assert (loc.city, loc.country) == ("Ghent", "BE")


def test_country_hint_still_decides_between_real_namesakes() -> None:
    # Bergen is a curated name of Mons: the hint keeps it in Belgium
    assert enrich("Engineer", "x", location="Bergen", country="BE").locations[0].city == "Mons"
    assert enrich("Engineer", "x", location="Bergen").locations[0].country == "NO"
    # Gendt under its own name stays Gendt
    assert enrich("Engineer", "x", location="Gendt, NL").locations[0].city == "Gendt"


def test_gazetteer_pick_uses_the_alias_strength() -> None:
    gaz = load_gazetteer(DATA_DIR / "gazetteer.jsonl.gz")
    ids = gaz.by_alias["gent"]
    assert gaz.pick(ids, "NL").name == "Gendt"  # no alias given: the country decides
    assert gaz.pick(ids, "NL", alias="gent").name == "Ghent"


# --- a lone surrogate (a broken "\ud83d" JSON escape) in any field -------------------------

def test_a_lone_surrogate_in_any_field_is_read_as_a_replacement_character() -> None:
    """spaCy cannot encode a lone surrogate (it raised UnicodeEncodeError for the whole batch):
    each one stands for U+FFFD, one character for one, so mentions after it keep their offsets
    into the text as given."""
    description = "Python \udce9 and Kubernetes in Gent \ud83d"
    found = enrich("Data Engineer \ud83d", description, location="Gent \ud800",
                   company="Acme \udfff")
    mentions = {s.name: s for s in found.skills}
    k8s = mentions["Kubernetes"]
    assert (k8s.field, description[k8s.start:k8s.end]) == ("description", "Kubernetes")
    assert "Python" in mentions and found.role_family == "data-engineer"
    assert [loc.city for loc in found.locations] == ["Ghent"]
    same = enrich("Data Engineer \ufffd", description.replace("\udce9", "\ufffd"))
    assert [(s.name, s.start, s.end) for s in same.skills] == \
        [(s.name, s.start, s.end) for s in found.skills]
