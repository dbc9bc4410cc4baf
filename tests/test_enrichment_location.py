"""Locations from raw fields and text, the gazetteer's names, work mode; and language."""

from __future__ import annotations

import pytest

from enrichment import PostingText, get_enricher
from enrichment.gazetteer import load_gazetteer
from enrichment.language import detect_language
from enrichment.version import DATA_DIR


def enrich(title: str, description: str = "", **kw: str | None):
    return get_enricher().enrich(PostingText(title=title, description=description, **kw))


@pytest.mark.parametrize(
    ("raw", "city", "country"),
    [
        ("Brussels", "Brussels", "BE"), ("Bruxelles", "Brussels", "BE"),
        ("Brussel", "Brussels", "BE"), ("Antwerp", "Antwerp", "BE"), ("Anvers", "Antwerp", "BE"),
        ("Antwerpen", "Antwerp", "BE"), ("Ghent", "Ghent", "BE"), ("Gand", "Ghent", "BE"),
        ("Gent", "Ghent", "BE"), ("Liège", "Liège", "BE"), ("Liege", "Liège", "BE"),
        ("Luik", "Liège", "BE"), ("Lüttich", "Liège", "BE"), ("Leuven", "Leuven", "BE"),
        ("Louvain", "Leuven", "BE"), ("Louvain-la-Neuve", "Louvain-la-Neuve", "BE"),
        ("Mechelen", "Mechelen", "BE"), ("Malines", "Mechelen", "BE"), ("Namur", "Namur", "BE"),
        ("Namen", "Namur", "BE"), ("Bruges", "Bruges", "BE"), ("Brugge", "Bruges", "BE"),
        ("Charleroi", "Charleroi", "BE"), ("Mons", "Mons", "BE"), ("Hasselt", "Hasselt", "BE"),
        ("Kortrijk", "Kortrijk", "BE"), ("Courtrai", "Kortrijk", "BE"), ("Wavre", "Wavre", "BE"),
        ("Waver", "Wavre", "BE"), ("Amsterdam", "Amsterdam", "NL"),
        ("Rotterdam", "Rotterdam", "NL"), ("Utrecht", "Utrecht", "NL"),
        ("Eindhoven", "Eindhoven", "NL"), ("The Hague", "The Hague", "NL"),
        ("Den Haag", "The Hague", "NL"), ("Paris", "Paris", "FR"), ("Lyon", "Lyon", "FR"),
        ("Berlin", "Berlin", "DE"), ("Munich", "Munich", "DE"), ("München", "Munich", "DE"),
        ("Luxembourg", "Luxembourg", "LU"), ("Gent, Oost-Vlaanderen, België", "Ghent", "BE"),
        ("Bruxelles / Brussel", "Brussels", "BE"), ("Hybrid (Leuven)", "Leuven", "BE"),
    ],
)
def test_raw_location_in_every_language(raw: str, city: str, country: str) -> None:
    found = enrich("Engineer", "Join us.", location=raw).locations
    assert (found[0].city, found[0].country, found[0].raw) == (city, country, raw)


def test_several_cities_and_regions() -> None:
    found = enrich("Engineer", "Join us.", location="Antwerp or Ghent; Liège").locations
    assert [(f.city, f.region) for f in found] == [
        ("Antwerp", "Flanders"), ("Ghent", "Flanders"), ("Liège", "Wallonia")]


def test_country_hint_decides_an_ambiguous_name() -> None:
    assert enrich("Engineer", "x", location="Bergen", country="BE").locations[0].city == "Mons"
    assert enrich("Engineer", "x", location="Bergen").locations[0].country == "NO"


def test_country_only_and_nothing() -> None:
    found = enrich("Engineer", "Join us.", location="Remote, Belgium").locations
    assert [(f.city, f.country) for f in found] == [(None, "BE")]
    assert enrich("Engineer", "Join us.").locations == []
    assert enrich("Engineer", "Join us.", country="nl").locations[0].country == "NL"


def test_airport_codes_and_ordinary_words_are_not_places() -> None:
    gaz = load_gazetteer(DATA_DIR / "gazetteer.jsonl.gz")
    for word in ("bru", "lgg", "remote", "hybrid", "home", "office"):
        assert word not in gaz.by_alias, word
    text_names = {alias for alias, _ in gaz.text_aliases}
    assert "Nice" not in text_names  # "Nice to have" is not a trip to the Riviera
    assert {"Brussels", "Bruxelles", "Brussel", "Anvers", "Luik"} <= text_names


def test_city_from_title_then_text_only_capitalised() -> None:
    assert enrich("Data Engineer - Antwerp", "Offices in Paris and London.").locations[0].city \
        == "Antwerp"
    found = enrich("Data Engineer", "Our Rotterdam office is hiring. Rotterdam is great, "
                   "and we visit Paris.").locations
    assert found[0].city == "Rotterdam"
    assert enrich("Engineer", "Nice to have: Python. Be part of it.").locations == []
    assert enrich("Engineer", "A brussels sprout is not a city.").locations == []


@pytest.mark.parametrize(
    ("description", "location", "mode"),
    [
        ("Fully remote within Belgium.", "Belgium", "remote"),
        ("100% télétravail.", None, "remote"),
        ("Hybrid: 2 days in the office.", "Brussels", "hybrid"),
        ("Télétravail possible deux jours par semaine.", "Namur", "hybrid"),
        ("Thuiswerk mogelijk.", "Gent", "hybrid"),
        ("Homeoffice nach Absprache.", "Köln", "hybrid"),
        ("Job on-site only.", "Leuven", "on-site"),
        ("Join us.", "Remote", "remote"),
        ("Join us.", "Leuven", None),
    ],
)
def test_work_mode(description: str, location: str | None, mode: str | None) -> None:
    assert enrich("Engineer", description, location=location).remote == mode


LONG = {
    "en": "We are looking for an engineer who enjoys building reliable data pipelines and "
          "working closely with our analysts to deliver insights every week.",
    "fr": "Nous recherchons un ingénieur qui aime construire des pipelines de données fiables "
          "et travailler avec nos analystes pour livrer des résultats chaque semaine.",
    "nl": "Wij zoeken een ingenieur die graag betrouwbare datapijplijnen bouwt en nauw "
          "samenwerkt met onze analisten om elke week inzichten te leveren.",
    "de": "Wir suchen eine Ingenieurin, die gerne zuverlässige Datenpipelines baut und eng mit "
          "unseren Analysten zusammenarbeitet, um jede Woche Ergebnisse zu liefern.",
}


@pytest.mark.parametrize("lang", sorted(LONG))
def test_language_per_posting(lang: str) -> None:
    assert enrich("Data Engineer", LONG[lang]).language == lang


def test_declared_language_is_a_hint_only() -> None:
    # a short, undecidable text follows the hint; a clearly French text overrides a wrong one
    assert detect_language("Data Engineer SQL Python", "nl-BE") == "nl"
    assert detect_language(LONG["fr"], "en") == "fr"
    assert detect_language(LONG["de"], "German") == "de"


def test_no_text_no_language() -> None:
    assert enrich("").language is None
    assert enrich("x", "<div></div>").language is None
    assert enrich("C++", "AWS", language="nl").language == "nl"  # the hint, nothing against it
