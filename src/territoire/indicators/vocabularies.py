"""The indicators' fixed vocabularies: direction, granularity, measures, period truncations and
normalisations. One list each; the definition, the forms and the sentences read them here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("Plus c'est haut, mieux c'est")
    LOWER = "lower", _("Plus c'est bas, mieux c'est")


class Granularity(models.TextChoices):
    EPCI = "epci", _("Intercommunalité (EPCI)")
    COMMUNE = "commune", _("Commune")
    QUARTIER = "quartier", _("Quartier")


class BlockKind(models.TextChoices):
    KPI = "kpi", _("Tuile (valeur, cible, tendance)")
    CHART = "chart", _("Courbe")
    BAR = "bar", _("Histogramme (barres)")
    STACKED = "stacked", _("Barres empilées par territoire")
    MAP = "map", _("Carte par territoire")
    TABLE = "table", _("Tableau (classement)")
    TEXT = "text", _("Texte (Markdown)")


class IndicatorState(models.TextChoices):
    NEW = "new", _("Jamais calculé")
    OK = "ok", _("À jour")
    ERROR = "error", _("En erreur")


# measure -> (French label, English label, needs a column, the column must be numeric)
MEASURES = {
    "count": ("Nombre de lignes", "Number of rows", False, False),
    "sum": ("Somme", "Sum", True, True),
    "mean": ("Moyenne", "Mean", True, True),
    "median": ("Médiane", "Median", True, True),
    "share": ("Part des lignes (en %)", "Share of rows (%)", False, False),
    "rate": ("Taux (somme / somme)", "Rate (sum / sum)", True, True),
}

# truncation -> (French label, English label)
TRUNCATIONS = {
    "year": ("Année", "Year"),
    "quarter": ("Trimestre", "Quarter"),
    "month": ("Mois", "Month"),
    "day": ("Jour", "Day"),
}

# normalisation -> (French label, English label, inhabitants per unit or None)
NORMALISATIONS = {
    "none": ("Aucune", "None", None),
    "per_inhabitant": ("Par habitant", "Per inhabitant", 1),
    "per_1000": ("Pour 1 000 habitants", "Per 1,000 inhabitants", 1000),
    "per_10000": ("Pour 10 000 habitants", "Per 10,000 inhabitants", 10000),
    "per_km2": ("Par km²", "Per km²", None),
    "share_of_total": (
        "Part du total de la période (en %)",
        "Share of the period's total (%)",
        None,
    ),
    "index_100": ("Indice base 100", "Index, base 100", None),
}

# filter operator -> ODSQL comparison (None: a null test)
OPERATORS = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "is_null": None,
    "is_not_null": None,
}

# spatial join: the kinds of boundaries points are put into -> (French label, English label)
BOUNDARIES = {
    "commune": ("Communes", "Communes"),
    "quartier": ("Quartiers", "Quartiers"),
}

# join across datasets: the key -> labels; how the two sides combine -> labels
JOIN_KEYS = {
    "territory": ("Territoire", "Territory"),
    "period_territory": ("Période et territoire", "Period and territory"),
    "identifier": (
        "Identifiant (le territoire vient de la source jointe)",
        "Identifier (the territory comes from the joined source)",
    ),
}
JOIN_COMBINATIONS = {
    "ratio": ("Rapport (cette source / source jointe)", "Ratio (this source / joined source)"),
    "difference": ("Différence (cette source − source jointe)", "Difference (this − joined)"),
}
