"""Posting text of the simulated market: locations and multi-paragraph descriptions.

Generated on demand from a role's labels and its own seed, so a market of hundreds of thousands
of roles never holds their texts in memory.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

from jobtrends.simulator import vocab
from jobtrends.simulator.market import Company, Role

_INTRO = {
    "en": ("{company} is {a} {industry} company based in {cities}. ",
           "At {company}, {a} {industry} company in {cities}, data is at the heart of what "
           "we do. "),
    "fr": ("{company} est une entreprise active dans le secteur {industry}, basée à {cities}. ",
           "Chez {company}, entreprise du secteur {industry} à {cities}, les données sont au "
           "cœur de notre métier. "),
    "nl": ("{company} is een bedrijf in de sector {industry}, gevestigd in {cities}. ",
           "Bij {company}, een bedrijf in de sector {industry} in {cities}, staan data centraal. "),
}
_GROWTH = {
    "en": "Our team is growing and we are looking for a new colleague.",
    "fr": "Notre équipe grandit et nous recherchons un nouveau collègue.",
    "nl": "Ons team groeit en we zoeken een nieuwe collega.",
}
_HEADINGS = {
    "en": ("Your role", "What we are looking for", "What we offer"),
    "fr": ("Votre rôle", "Votre profil", "Notre offre"),
    "nl": ("Jouw rol", "Jouw profiel", "Ons aanbod"),
}
_SKILLS = {
    "en": "Hands-on experience with {skills}.",
    "fr": "Une bonne maîtrise de {skills}.",
    "nl": "Praktische ervaring met {skills}.",
}
_AND = {"en": "and", "fr": "et", "nl": "en"}
_YEARS = {
    "en": ("You are finishing your studies; no professional experience is required.",
           "At least {n} year of professional experience.",
           "At least {n} years of professional experience."),
    "fr": ("Vous terminez vos études ; aucune expérience professionnelle n'est requise.",
           "Au moins {n} an d'expérience professionnelle.",
           "Au moins {n} ans d'expérience professionnelle."),
    "nl": ("Je rondt je studies af; professionele ervaring is niet vereist.",
           "Minstens {n} jaar professionele ervaring.",
           "Minstens {n} jaar professionele ervaring."),
}
_LANGS = {
    "en": "Fluent English; French or Dutch is a plus.",
    "fr": "Vous parlez couramment le français et l'anglais.",
    "nl": "Je spreekt vlot Nederlands en Engels.",
}
_OFFER = {
    "en": "A competitive salary, meal vouchers, training budget and flexible hours.",
    "fr": "Un salaire compétitif, des chèques-repas, un budget formation et des horaires "
          "flexibles.",
    "nl": "Een competitief salaris, maaltijdcheques, opleidingsbudget en flexibele uren.",
}
_LOCATION = {"en": "Location: {where}.", "fr": "Lieu de travail : {where}.",
             "nl": "Locatie: {where}."}


@dataclass(frozen=True)
class Description:
    """A description as paragraphs: (heading or None, sentences, bullet items)."""

    sections: tuple[tuple[str | None, str, tuple[str, ...]], ...]

    def html(self) -> str:
        parts = []
        for heading, text, items in self.sections:
            if heading:
                parts.append(f"<h3>{html.escape(heading)}</h3>")
            if text:
                parts.append(f"<p>{html.escape(text)}</p>")
            if items:
                lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
                parts.append(f"<ul>{lis}</ul>")
        return "\n".join(parts)

    def plain(self) -> str:
        parts = []
        for heading, text, items in self.sections:
            if heading:
                parts.append(heading)
            if text:
                parts.append(text)
            parts.extend(f"- {i}" for i in items)
        return "\n\n".join(parts)


def city_names(role: Role, language: str | None = None) -> list[str]:
    """The role's cities spelt in ``language`` (default: the posting's language)."""
    lang = language or role.language
    return [vocab.CITIES[c][1][lang] for c in role.cities]


def country_name(country: str, language: str) -> str:
    return vocab.COUNTRY_NAMES[country][language]


def location_label(role: Role, company: Company) -> str:
    """A location string as ATS boards show it: "Gent, België" or "Bruxelles / Liège, Belgique"."""
    country = country_name(vocab.CITIES[role.cities[0]][0], role.language)
    return f"{' / '.join(city_names(role))}, {country}"


def _join(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {_AND[lang]} {items[-1]}"


def description(role: Role, company: Company) -> Description:
    """The role's description, in its language, mentioning its skills, years and contract."""
    lang = role.language
    rng = random.Random(role.seed)
    cities = _join(city_names(role), lang)
    intro = rng.choice(_INTRO[lang]).format(
        company=company.name, industry=company.industry.lower(), cities=cities,
        a="an" if company.industry[0] in "AEIOU" else "a",
    ) + _GROWTH[lang]
    role_heading, profile_heading, offer_heading = _HEADINGS[lang]
    no_exp, one_year, years = _YEARS[lang]
    if role.years == 0:
        years_line = no_exp
    else:
        years_line = (one_year if role.years == 1 else years).format(n=role.years)
    profile = (
        _SKILLS[lang].format(skills=_join(list(role.skills), lang)),
        years_line,
        _LANGS[lang],
    )
    offer = (
        vocab.EMPLOYMENT_PHRASES[role.employment][lang]
        + " " + _LOCATION[lang].format(where=location_label(role, company))
    )
    return Description((
        (None, intro, ()),
        (role_heading, vocab.ROLE_SENTENCES[role.family][lang], ()),
        (profile_heading, "", profile),
        (offer_heading, offer + " " + _OFFER[lang], ()),
    ))
