"""The simulated market's vocabulary: cities, titles, skills and description phrases per language.

Kept as plain data so the ground truth is the label a phrase was generated from, not a guess.
"""

from __future__ import annotations

# canonical city -> (country, {language: spelling})
CITIES: dict[str, tuple[str, dict[str, str]]] = {
    "Brussels": ("BE", {"en": "Brussels", "fr": "Bruxelles", "nl": "Brussel"}),
    "Antwerp": ("BE", {"en": "Antwerp", "fr": "Anvers", "nl": "Antwerpen"}),
    "Ghent": ("BE", {"en": "Ghent", "fr": "Gand", "nl": "Gent"}),
    "Leuven": ("BE", {"en": "Leuven", "fr": "Louvain", "nl": "Leuven"}),
    "Liège": ("BE", {"en": "Liège", "fr": "Liège", "nl": "Luik"}),
    "Mechelen": ("BE", {"en": "Mechelen", "fr": "Malines", "nl": "Mechelen"}),
    "Amsterdam": ("NL", {"en": "Amsterdam", "fr": "Amsterdam", "nl": "Amsterdam"}),
    "Rotterdam": ("NL", {"en": "Rotterdam", "fr": "Rotterdam", "nl": "Rotterdam"}),
    "Utrecht": ("NL", {"en": "Utrecht", "fr": "Utrecht", "nl": "Utrecht"}),
    "Eindhoven": ("NL", {"en": "Eindhoven", "fr": "Eindhoven", "nl": "Eindhoven"}),
    "Berlin": ("DE", {"en": "Berlin", "fr": "Berlin", "nl": "Berlijn"}),
    "Munich": ("DE", {"en": "Munich", "fr": "Munich", "nl": "München"}),
    "Hamburg": ("DE", {"en": "Hamburg", "fr": "Hambourg", "nl": "Hamburg"}),
    "Paris": ("FR", {"en": "Paris", "fr": "Paris", "nl": "Parijs"}),
    "Lyon": ("FR", {"en": "Lyon", "fr": "Lyon", "nl": "Lyon"}),
    "Lille": ("FR", {"en": "Lille", "fr": "Lille", "nl": "Rijsel"}),
    "Luxembourg": ("LU", {"en": "Luxembourg", "fr": "Luxembourg", "nl": "Luxemburg"}),
}

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "BE": {"en": "Belgium", "fr": "Belgique", "nl": "België"},
    "NL": {"en": "Netherlands", "fr": "Pays-Bas", "nl": "Nederland"},
    "DE": {"en": "Germany", "fr": "Allemagne", "nl": "Duitsland"},
    "FR": {"en": "France", "fr": "France", "nl": "Frankrijk"},
    "LU": {"en": "Luxembourg", "fr": "Luxembourg", "nl": "Luxemburg"},
}

# country -> (share of companies, city weights, language weights)
COUNTRY_PROFILES: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {
    "BE": (
        0.45,
        {"Brussels": 5, "Antwerp": 3, "Ghent": 2.5, "Leuven": 2, "Liège": 1, "Mechelen": 1},
        {"en": 0.5, "fr": 0.25, "nl": 0.25},
    ),
    "NL": (0.2, {"Amsterdam": 5, "Rotterdam": 2, "Utrecht": 2, "Eindhoven": 1.5},
           {"en": 0.6, "nl": 0.4}),
    "DE": (0.15, {"Berlin": 4, "Munich": 3, "Hamburg": 2}, {"en": 1.0}),
    "FR": (0.12, {"Paris": 5, "Lyon": 2, "Lille": 1.5}, {"fr": 0.7, "en": 0.3}),
    "LU": (0.08, {"Luxembourg": 1}, {"en": 0.5, "fr": 0.5}),
}

ROLE_FAMILIES = ("ml-engineer", "data-scientist", "data-engineer", "software-engineer")
ROLE_FAMILY_WEIGHTS = (0.3, 0.25, 0.25, 0.2)

SENIORITIES = (
    "Internship",
    "Entry level",
    "Associate",
    "Mid-Senior level",
    "Director",
    "Executive",
)
SENIORITY_WEIGHTS = (0.08, 0.18, 0.16, 0.52, 0.06, 0.0)

EMPLOYMENT_TYPES = ("Full-time", "Part-time", "Contract", "Temporary", "Internship")
# for non-interns; interns are always "Internship"
EMPLOYMENT_WEIGHTS = (0.8, 0.06, 0.09, 0.05, 0.0)

# role family -> language -> base title
BASE_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "ml-engineer": {
        "en": ("Machine Learning Engineer", "ML Engineer", "Machine Learning Engineer (LLM)"),
        "fr": ("Ingénieur Machine Learning", "Ingénieur ML"),
        "nl": ("Machine Learning Engineer (m/v/x)", "ML Engineer (m/v/x)"),
    },
    "data-scientist": {
        "en": ("Data Scientist", "Data Scientist - Forecasting"),
        "fr": ("Data Scientist", "Data Scientist (H/F)"),
        "nl": ("Data Scientist (m/v/x)",),
    },
    "data-engineer": {
        "en": ("Data Engineer", "Analytics Engineer"),
        "fr": ("Ingénieur Data", "Data Engineer (H/F)"),
        "nl": ("Data Engineer (m/v/x)",),
    },
    "software-engineer": {
        "en": ("Software Engineer", "Backend Software Engineer"),
        "fr": ("Ingénieur Logiciel", "Développeur Logiciel"),
        "nl": ("Software Engineer (m/v/x)", "Softwareontwikkelaar (m/v/x)"),
    },
}

# family -> language -> internship title (interns get a title of their own)
INTERN_TITLES: dict[str, dict[str, str]] = {
    "ml-engineer": {"en": "Machine Learning Intern", "fr": "Stagiaire Machine Learning",
                    "nl": "Stagiair Machine Learning Engineer"},
    "data-scientist": {"en": "Data Science Intern", "fr": "Stagiaire Data Science",
                       "nl": "Stagiair Data Scientist"},
    "data-engineer": {"en": "Data Engineering Intern", "fr": "Stagiaire Data Engineering",
                      "nl": "Stagiair Data Engineer"},
    "software-engineer": {"en": "Software Engineering Intern",
                          "fr": "Stagiaire Développement Logiciel",
                          "nl": "Stagiair Software Engineer"},
}

DIRECTOR_TITLES: dict[str, dict[str, str]] = {
    "ml-engineer": {"en": "Head of Machine Learning", "fr": "Directeur Machine Learning",
                    "nl": "Head of Machine Learning"},
    "data-scientist": {"en": "Head of Data Science", "fr": "Directeur Data Science",
                       "nl": "Head of Data Science"},
    "data-engineer": {"en": "Head of Data Engineering", "fr": "Directeur Data Engineering",
                      "nl": "Head of Data Engineering"},
    "software-engineer": {"en": "Head of Software Engineering",
                          "fr": "Directeur Ingénierie Logicielle",
                          "nl": "Head of Software Engineering"},
}

# seniority -> language -> (prefix, suffix) markers added to a base title
LEVEL_MARKERS: dict[str, dict[str, tuple[str, str]]] = {
    "Entry level": {"en": ("Junior ", ""), "fr": ("", " Junior"), "nl": ("Junior ", "")},
    # French titles rarely mark this level ("confirmé" reads as experienced): years tell it
    "Associate": {"en": ("Medior ", ""), "fr": ("", ""), "nl": ("Medior ", "")},
    "Mid-Senior level": {"en": ("Senior ", ""), "fr": ("", " Senior"), "nl": ("Senior ", "")},
}

# years of experience asked for, per level (inclusive range)
YEARS_BY_LEVEL: dict[str, tuple[int, int]] = {
    "Internship": (0, 0),
    "Entry level": (0, 1),
    "Associate": (2, 3),
    "Mid-Senior level": (5, 8),
    "Director": (10, 15),
    "Executive": (15, 20),
}

SKILLS_BY_FAMILY: dict[str, tuple[str, ...]] = {
    "ml-engineer": ("Python", "PyTorch", "TensorFlow", "Kubernetes", "Docker", "MLflow", "AWS",
                    "SQL", "scikit-learn"),
    "data-scientist": ("Python", "SQL", "Pandas", "scikit-learn", "Tableau", "Apache Spark",
                       "PyTorch", "NumPy"),
    "data-engineer": ("SQL", "Python", "Apache Spark", "Apache Airflow", "dbt", "Apache Kafka",
                      "Snowflake", "AWS", "Microsoft Azure", "Google Cloud Platform"),
    "software-engineer": ("Java", "TypeScript", "Python", "Kubernetes", "Docker", "PostgreSQL",
                          "React", "Golang"),
}

# names as the enrichment taxonomy spells the skill, where the posting text says it otherwise
SKILL_LABELS = {"Golang": "Go"}


def skill_label(text: str) -> str:
    """The canonical skill name of a skill as the simulated postings write it."""
    return SKILL_LABELS.get(text, text)


INDUSTRIES = (
    "Software Development", "Financial Services", "Biotechnology", "Logistics", "Energy",
    "Retail", "Telecommunications", "Insurance", "Manufacturing", "Healthcare",
)

NAME_HEADS = (
    "Bright", "Nord", "Data", "Kern", "Blue", "Vector", "Quantum", "Lumen", "Atlas", "Orbit",
    "Delta", "Helix", "Pixel", "Tensor", "Cobalt", "Ember", "Fjord", "Gravity", "Harbor", "Iris",
    "Juniper", "Kite", "Lattice", "Meridian", "Nimbus", "Onyx", "Prism", "Quill", "Ridge", "Sable",
)
NAME_TAILS = (
    "lane", "wave", "forge", "works", "labs", "point", "stack", "field", "scale", "mind",
    "bridge", "stream", "loop", "gate", "craft",
)
LEGAL_SUFFIX = {"BE": ("NV", "SA", "BV"), "NL": ("B.V.",), "DE": ("GmbH", "AG"), "FR": ("SAS",),
                "LU": ("S.A.",)}

EMPLOYMENT_PHRASES: dict[str, dict[str, str]] = {
    "Full-time": {
        "en": "This is a full-time, permanent position.",
        "fr": "Il s'agit d'un CDI à temps plein.",
        "nl": "Het gaat om een voltijdse functie met een vast contract.",
    },
    "Part-time": {
        "en": "This is a part-time position (24 hours per week).",
        "fr": "Il s'agit d'un poste à temps partiel (24 heures par semaine).",
        "nl": "Het gaat om een deeltijdse functie (24 uur per week).",
    },
    "Contract": {
        "en": "This is a freelance contract for 6 months, with possible extension.",
        "fr": "Il s'agit d'une mission freelance de 6 mois, renouvelable.",
        "nl": "Het gaat om een freelance opdracht van 6 maanden, verlengbaar.",
    },
    "Temporary": {
        "en": "This is a temporary, fixed-term position of 6 months.",
        "fr": "Il s'agit d'un CDD de 6 mois.",
        "nl": "Het gaat om een tijdelijk contract van bepaalde duur (6 maanden).",
    },
    "Internship": {
        "en": "This is a 6-month internship.",
        "fr": "Il s'agit d'un stage de 6 mois.",
        "nl": "Het gaat om een stage van 6 maanden.",
    },
}

# schema.org employmentType and Lever commitment per employment type
SCHEMA_EMPLOYMENT = {"Full-time": "FULL_TIME", "Part-time": "PART_TIME",
                     "Contract": "CONTRACTOR", "Temporary": "TEMPORARY", "Internship": "INTERN"}

ROLE_SENTENCES: dict[str, dict[str, str]] = {
    "ml-engineer": {
        "en": "You will design, train and deploy machine learning models that run in production, "
              "and build the pipelines that keep them fresh.",
        "fr": "Vous concevez, entraînez et déployez des modèles de machine learning en production, "
              "et construisez les pipelines qui les maintiennent à jour.",
        "nl": "Je ontwerpt, traint en deployt machine learning modellen in productie en bouwt de "
              "pipelines die ze actueel houden.",
    },
    "data-scientist": {
        "en": "You will turn business questions into analyses and predictive models, and explain "
              "the results to the teams who act on them.",
        "fr": "Vous transformez les questions métier en analyses et en modèles prédictifs, et "
              "présentez les résultats aux équipes concernées.",
        "nl": "Je vertaalt zakelijke vragen naar analyses en voorspellende modellen en licht de "
              "resultaten toe aan de teams die ermee aan de slag gaan.",
    },
    "data-engineer": {
        "en": "You will build and operate the data platform: ingestion, transformation and the "
              "data warehouse our analysts rely on.",
        "fr": "Vous construisez et opérez la plateforme de données : ingestion, transformation et "
              "l'entrepôt de données utilisé par nos analystes.",
        "nl": "Je bouwt en beheert het dataplatform: ingestie, transformatie en het datawarehouse "
              "waarop onze analisten vertrouwen.",
    },
    "software-engineer": {
        "en": "You will build reliable backend services and APIs, review code and help the team "
              "ship every week.",
        "fr": "Vous développez des services backend et des API fiables, relisez le code et aidez "
              "l'équipe à livrer chaque semaine.",
        "nl": "Je bouwt betrouwbare backend services en API's, reviewt code en helpt het team elke "
              "week op te leveren.",
    },
}
