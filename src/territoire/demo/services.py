"""Build the demo territory: Montpellier Méditerranée Métropole, its 31 communes, its services,
people in every role, and its real open datasets. Idempotent: running it again updates in place."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.db import transaction

from territoire.accounts.models import Membership, MembershipRole, Role, User
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import SourceFileError
from territoire.indicators import services as indicator_services
from territoire.indicators.models import Indicator
from territoire.lake import services as lake_services
from territoire.organizations.models import Organization, Service
from territoire.settings.env import DEMO_MARKER_NAME
from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.services import territories_load
from territoire.trust.selectors import personal_data_decision_latest

from .access import demo_access
from .anonymisation import demo_anonymisation
from .indicators import demo_indicators, demo_water
from .participation import demo_participation
from .registers import demo_registers
from .reports import demo_reports
from .workspace import demo_workspace

DEMO_EPCI = "243400017"
DATA_DIR = Path(__file__).resolve().parent / "data"

SERVICES = [
    ("eau", "Direction de l'eau et de l'assainissement"),
    ("mobilites", "Direction des mobilités"),
    ("finances", "Direction des finances"),
    ("assemblees", "Service des assemblées"),
    ("sante-prevention", "Direction de la prévention et de la santé"),
    ("social", "Centre communal d'action sociale"),
]


class DemoDataset(TypedDict, total=False):
    slug: str
    title: str
    service: str
    file: str
    themes: list[str]
    keywords: list[str]
    frequency: str
    access_level: str
    publish: bool
    personal_data_decision: str
    description: str


DATASETS: list[DemoDataset] = [
    {
        "slug": "budget-primitif-2014",
        "title": "Budget primitif 2014 de la Ville de Montpellier",
        "service": "finances",
        "file": "montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv",
        "themes": ["ECON", "GOVE"],
        "keywords": ["budget", "finances", "BP"],
        "frequency": "ANNUAL",
        "access_level": "public",
        "publish": True,
        "description": "Budget voté par le conseil municipal en début d'exercice : crédits par section "
        "(investissement, fonctionnement), sens (dépense, recette), nature et fonction.",
    },
    {
        "slug": "deliberations-conseil-municipal",
        "title": "Délibérations du conseil municipal",
        "service": "assemblees",
        "file": "montpellier-deliberations/VilleMTP_MTP_Delibs.csv",
        "themes": ["GOVE"],
        "keywords": ["délibérations", "conseil municipal"],
        "frequency": "MONTHLY",
        "access_level": "public",
        "publish": True,
        "personal_data_decision": "Noms d'élus rapporteurs agissant dans l'exercice de leur mandat : les délibérations "
        "sont publiques (CGCT, art. L2131-1).",
        "description": "Projets de délibération du conseil municipal de Montpellier (novembre 2013 – 2014) : élus "
        "rapporteurs, direction, titre, état, numéro et date de séance.",
    },
    {
        "slug": "defibrillateurs",
        "title": "Défibrillateurs de Montpellier",
        "service": "sante-prevention",
        "file": "montpellier-defibrillateurs/VilleMTP_MTP_Defibrillateurs.csv",
        "themes": ["HEAL"],
        "keywords": ["DAE", "défibrillateur", "santé"],
        "frequency": "IRREG",
        "access_level": "public",
        "publish": True,
        "personal_data_decision": "Adresses et numéros de standard d'établissements recevant du public, pas de "
        "personnes physiques : leur publication sert la localisation des défibrillateurs.",
        "description": "Emplacements des défibrillateurs automatisés externes dans les bâtiments publics, non publics "
        "et municipaux, avec adresse, téléphone et coordonnées.",
    },
    {
        "slug": "compteurs-eau-sectorisation",
        "title": "Compteurs de sectorisation du réseau d'eau potable",
        "service": "eau",
        "themes": ["ENVI"],
        "keywords": ["eau", "réseau", "fuites"],
        "frequency": "DAILY",
        "access_level": "internal",
        "publish": False,
        "description": "Inventaire : index journaliers des compteurs de sectorisation, pour la "
        "détection des fuites. Pas encore publié.",
    },
    {
        "slug": "beneficiaires-aides-sociales",
        "title": "Bénéficiaires des aides sociales facultatives",
        "service": "social",
        "themes": ["SOCI"],
        "keywords": ["aides", "CCAS"],
        "frequency": "MONTHLY",
        "access_level": "personal",
        "publish": False,
        "description": "Inventaire : fichier nominatif des bénéficiaires (données personnelles, "
        "jamais publié tel quel ; agrégats anonymisés envisagés).",
    },
    {
        "slug": "comptages-velos",
        "title": "Comptages mensuels des vélos",
        "service": "mobilites",
        "themes": ["TRAN"],
        "keywords": ["vélo", "comptages", "mobilité"],
        "frequency": "MONTHLY",
        "access_level": "internal",
        "publish": False,
        "description": "Inventaire : passages mensuels aux compteurs vélo des pistes cyclables, "
        "fichier attendu chaque mois du prestataire de comptage (aucun reçu à ce jour).",
    },
]


class DemoIndicator(TypedDict):
    slug: str
    title: str
    service: str
    unit: str
    direction: str
    frequency: str
    themes: list[str]
    method: str
    definition: dict


# Indicators built on the demo's real files (docs/indicators.md), published by the data officer.
INDICATORS: list[DemoIndicator] = [
    {
        "slug": "depenses-budget-primitif-par-habitant",
        "title": "Dépenses du budget primitif par habitant",
        "service": "finances",
        "unit": "€ par habitant",
        "direction": "lower",
        "frequency": "ANNUAL",
        "themes": ["ECON"],
        "method": "Somme des crédits de dépense (investissement et fonctionnement) du budget primitif, "
        "divisée par la population municipale de Montpellier (COG).",
        "definition": {
            "dataset": "budget-primitif-2014",
            "measure": {"kind": "sum", "column": "bp"},
            "filters": [{"column": "d_r", "op": "=", "value": "D"}],
            "period": {"column": "exercice", "truncate": "year"},
            "territory": {"code": "34172"},
            "normalisation": {"kind": "per_inhabitant"},
        },
    },
    {
        "slug": "deliberations-par-mois",
        "title": "Délibérations du conseil municipal par mois",
        "service": "assemblees",
        "unit": "délibérations",
        "direction": "higher",
        "frequency": "MONTHLY",
        "themes": ["GOVE"],
        "method": "Nombre de projets de délibération par mois de séance du conseil municipal.",
        "definition": {
            "dataset": "deliberations-conseil-municipal",
            "measure": {"kind": "count"},
            "period": {"column": "date_cm", "truncate": "month"},
            "territory": {"code": "34172"},
        },
    },
]


def _indicators(officer: User, services: dict[str, Service]) -> list[str]:
    """The demo's indicators: created once, computed, published by the data officer."""
    slugs = []
    for spec in INDICATORS:
        indicator = Indicator.objects.filter(slug=spec["slug"]).first()
        if indicator is None:
            indicator = indicator_services.indicator_create(
                actor=officer,
                title=spec["title"],
                slug=spec["slug"],
                publisher_service=services[spec["service"]],
                definition=spec["definition"],
                themes=spec["themes"],
                unit=spec["unit"],
                direction=spec["direction"],
                frequency=spec["frequency"],
                method=spec["method"],
                granularity="commune",
                access_level="public",
            )
        indicator_services.indicator_compute(actor=officer, indicator=indicator, trigger="démo")
        if not indicator.is_published:
            indicator_services.indicator_publish(
                actor=officer, indicator=indicator, reason="Agrégat d'un jeu de données public."
            )
        slugs.append(indicator.slug)
    return slugs


@dataclass
class DemoReport:
    epci: str = ""
    communes: int = 0
    datasets: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)


def _account(username: str, role: str, first: str, last: str, password: str) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.first_name, user.last_name = role, first, last
    user.email = f"{username}@demo.territoire.local"
    user.set_password(password)
    user.save()
    return user


def _ingest(officer: User, dataset: Dataset, path: Path, decision_reason: str | None) -> None:
    """Load the real file into the lake (a no-op when unchanged) and, for columns flagged as
    personal data, record the data officer's reasoned decision to publish them."""
    report = lake_services.dataset_ingest(
        actor=officer, dataset=dataset, source=path, original_name=path.name
    )
    if report.status == "failed":
        first = report.errors[0] if report.errors else {}
        raise SourceFileError(
            f"Démo : ingestion de {path.name} impossible : {first.get('message_fr', report.message_fr)}",
            f"Demo: could not ingest {path.name}: {first.get('message_en', report.message_en)}",
        )
    if report.personal_data and decision_reason:
        latest = personal_data_decision_latest(dataset)
        if latest is None or latest.decision != "publish_as_is":
            catalog_services.personal_data_decision_record(
                actor=officer,
                dataset=dataset,
                decision="publish_as_is",
                reason=decision_reason,
                flags=report.personal_data,
            )


def demo_mark_home() -> None:
    """Mark the data directory as the demo's: any `territoire` command run on it then uses the
    secret key generated beside it, as the demo does, without SECRET_KEY (settings.base)."""
    (settings.TERRITOIRE_HOME / DEMO_MARKER_NAME).write_text(
        "This data directory was built by `territoire demo` (make demo). Territoire commands run "
        "on it use the secret key generated in secret_key when SECRET_KEY is not set.\n"
        "Ce répertoire de données a été construit par `territoire demo`. Les commandes territoire "
        "y utilisent la clé secrète générée dans secret_key quand SECRET_KEY n'est pas définie.\n"
        "Delete this file to stop that / Supprimez ce fichier pour y mettre fin.\n",
        encoding="utf-8",
    )


def demo_build(*, password: str | None = None) -> DemoReport:
    report = DemoReport()
    demo_mark_home()
    territories_load(epci_siren=DEMO_EPCI)
    epci = Territory.objects.get(kind=TerritoryKind.EPCI, code=DEMO_EPCI)
    montpellier = Territory.objects.get(kind=TerritoryKind.COMMUNE, code="34172")
    report.epci, report.communes = epci.name, epci.members.count()
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        metropole, _ = Organization.objects.update_or_create(
            slug="montpellier-mediterranee-metropole",
            defaults={"name": epci.name, "siren": DEMO_EPCI, "territory": epci},
        )
        ville, _ = Organization.objects.update_or_create(
            slug="ville-de-montpellier",
            defaults={
                "name": "Ville de Montpellier",
                "siren": montpellier.siren,
                "territory": montpellier,
            },
        )
        services = {}
        for slug, name in SERVICES:
            organization = metropole if slug in {"eau", "mobilites"} else ville
            services[slug], _ = Service.objects.update_or_create(
                organization=organization, slug=slug, defaults={"name": name}
            )
        officer = _account("admin", Role.DATA_OFFICER, "Camille", "Martin", password)
        steward = _account("relais-finances", Role.STEWARD, "Karim", "Benali", password)
        agent = _account("agent", Role.AGENT, "Julie", "Roux", password)
        _account("citoyen", Role.CITIZEN, "Léa", "Garcia", password)
        _account("reutilisateur", Role.REUSER, "Tom", "Nguyen", password)
        Membership.objects.update_or_create(
            user=steward, service=services["finances"], defaults={"role": MembershipRole.STEWARD}
        )
        Membership.objects.update_or_create(
            user=steward, service=services["assemblees"], defaults={"role": MembershipRole.STEWARD}
        )
        Membership.objects.update_or_create(
            user=agent, service=services["eau"], defaults={"role": MembershipRole.MEMBER}
        )
    for spec in DATASETS:
        service = services[spec["service"]]
        values = {
            "description": spec["description"],
            "publisher_service": service,
            "keywords": spec["keywords"],
            "frequency": spec["frequency"],
            "access_level": spec["access_level"],
            "licence": "etalab-2.0" if spec["access_level"] == "public" else "internal",
            "contact_email": f"{spec['service']}@demo.territoire.local",
            "contact_name": service.name,
            "steward": steward if spec["service"] in {"finances", "assemblees"} else None,
        }
        territories = [montpellier] if service.organization == ville else [epci]
        dataset = Dataset.objects.filter(slug=spec["slug"]).first()
        if dataset is None:
            dataset = catalog_services.dataset_create(
                actor=officer,
                title=spec["title"],
                publisher=service.organization,
                slug=spec["slug"],
                themes=spec["themes"],
                territories=territories,
                **values,
            )
        else:
            catalog_services.dataset_update(
                actor=officer,
                dataset=dataset,
                themes=spec["themes"],
                territories=territories,
                **values,
            )
        if spec.get("file") and not dataset.distributions.exists():
            path = DATA_DIR / spec["file"]
            catalog_services.distribution_create(
                actor=officer,
                dataset=dataset,
                title=f"Fichier d'origine ({path.name})",
                format="CSV",
                content=path.read_bytes(),
                filename=path.name,
                media_type="text/csv",
            )
        if spec.get("file"):
            _ingest(officer, dataset, DATA_DIR / spec["file"], spec.get("personal_data_decision"))
        if spec["publish"]:
            catalog_services.dataset_publish(actor=officer, dataset=dataset)
        report.datasets.append(dataset.slug)
    report.datasets.append(demo_anonymisation(officer=officer).slug)
    demo_registers(officer=officer, services=services)
    report.indicators = _indicators(officer, services)
    report.indicators += demo_indicators(officer, services)
    demo_participation(officer=officer, services=services)
    demo_reports(officer=officer)
    report.accounts = {
        u: password for u in ["admin", "relais-finances", "agent", "citoyen", "reutilisateur"]
    }
    report.accounts.update(
        dict.fromkeys(
            demo_workspace(officer=officer, services=services, password=password), password
        )
    )
    report.accounts |= dict.fromkeys(
        demo_access(officer=officer, services=services, password=password), password
    )
    report.indicators += demo_water(officer, services)  # on the readings demo_access pushed
    return report
