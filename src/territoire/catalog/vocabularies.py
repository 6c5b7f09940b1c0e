"""Controlled vocabularies from DCAT-AP 3 / DCAT-AP-FR (EU Publications Office authority tables)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

EU_THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"

# EU data-theme vocabulary: code -> (French label, English label)
EU_THEMES = {
    "AGRI": (
        "Agriculture, pêche, sylviculture et alimentation",
        "Agriculture, fisheries, forestry and food",
    ),
    "ECON": ("Économie et finances", "Economy and finance"),
    "EDUC": ("Éducation, culture et sport", "Education, culture and sport"),
    "ENER": ("Énergie", "Energy"),
    "ENVI": ("Environnement", "Environment"),
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
    "HEAL": ("Santé", "Health"),
    "INTR": ("Questions internationales", "International issues"),
    "JUST": (
        "Justice, système juridique et sécurité publique",
        "Justice, legal system and public safety",
    ),
    "REGI": ("Régions et villes", "Regions and cities"),
    "SOCI": ("Population et société", "Population and society"),
    "TECH": ("Science et technologie", "Science and technology"),
    "TRAN": ("Transports", "Transport"),
    "OP_DATPRO": ("Données provisoires", "Provisional data"),
}


class Frequency(models.TextChoices):
    CONTINUOUS = "UPDATE_CONT", _("En continu")
    HOURLY = "HOURLY", _("Toutes les heures")
    DAILY = "DAILY", _("Quotidienne")
    WEEKLY = "WEEKLY", _("Hebdomadaire")
    MONTHLY = "MONTHLY", _("Mensuelle")
    QUARTERLY = "QUARTERLY", _("Trimestrielle")
    ANNUAL = "ANNUAL", _("Annuelle")
    IRREGULAR = "IRREG", _("Irrégulière")
    NEVER = "NEVER", _("Jamais (données figées)")
    UNKNOWN = "UNKNOWN", _("Inconnue")


class Licence(models.TextChoices):
    ETALAB_2 = "etalab-2.0", _("Licence Ouverte / Open Licence 2.0 (Etalab)")
    ODBL = "odbl-1.0", _("Open Database License (ODbL) 1.0")
    CC_BY_4 = "cc-by-4.0", _("Creative Commons Attribution 4.0")
    CC_BY_SA_4 = (
        "cc-by-sa-4.0",
        _("Creative Commons Attribution – Partage dans les mêmes conditions 4.0"),
    )
    CC0 = "cc0-1.0", _("Creative Commons Zero 1.0 (domaine public)")
    INTERNAL = "internal", _("Usage interne (non ouvert)")
    OTHER = "other", _("Autre licence")


LICENCE_URLS = {
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "odbl-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


class AccessLevel(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Interne (agents du territoire)")
    RESTRICTED = "restricted", _("Restreint (service producteur)")
    PERSONAL = "personal", _("Données personnelles")


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    SUBMITTED = "submitted", _("soumis à l'administrateur des données")
    SENT_BACK = "sent_back", _("renvoyé au relais pour correction")
    PUBLISHED = "published", _("publié")


# How old the latest version of a dataset may be before its update is late, by frequency
# (none for irregular, frozen or unknown frequencies).
FREQUENCY_DAYS = {
    "UPDATE_CONT": 1,
    "HOURLY": 1,
    "DAILY": 2,
    "WEEKLY": 8,
    "MONTHLY": 32,
    "QUARTERLY": 93,
    "ANNUAL": 366,
}
