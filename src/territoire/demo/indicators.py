"""The demo's comparisons, joins, measured effect and dashboards (issue 12), built on the
demo's real files once its datasets and first indicators exist (``demo_build``):

- defibrillators per 10,000 inhabitants and per km², by commune of the EPCI: a spatial join of
  the defibrillators' coordinates into the communes' boundaries (the comparison page's map);
- the budget's expenditure per deliberation of the council: a join of the Finances service's
  budget with the Assemblies service's deliberations on the commune's INSEE code;
- the measured effect of a change of the council's calendar on the deliberations per month
  (real periods; no comparison commune, so before/after only, as the page says);
- population density by commune: the COG 2026 populations the product ships (Licence Ouverte),
  published as a dataset of their own, summed per commune and divided by each commune's area;
- a public dashboard « Le territoire en chiffres » and an internal one for the Finances service;
- once the water delegate has pushed its readings (``demo/access.py``), an internal indicator on
  them — the water distributed each day in Montpellier, from the sectorisation meters — on an
  internal « Eau » dashboard (a tile and a bar chart of the days): the portal and the APIs do
  not show it to the public; agents and the data officer see it.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from territoire.accounts.models import User
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.indicators import services as indicator_services
from territoire.indicators.models import Dashboard, Evaluation, Indicator
from territoire.lake import services as lake_services
from territoire.organizations.models import Service
from territoire.territories.models import Territory

DEFIBRILLATORS = {
    "dataset": "defibrillateurs",
    "measure": {"kind": "count"},
    "reference_period": "2024",
    "territory": {"longitude": "coord_x", "latitude": "coord_y", "boundaries": "commune"},
}

POPULATIONS = "populations-communes"

INDICATORS = [
    {
        "slug": "densite-de-population",
        "title": "Densité de population, par commune",
        "service": "finances", "unit": "habitants par km²", "direction": "higher",
        "frequency": "ANNUAL", "themes": ["SOCI"],
        "method": "Population municipale (COG 2026, INSEE) de chaque commune de la métropole, "
        "divisée par la surface de son contour (IGN Admin Express).",
        "definition": {
            "dataset": POPULATIONS, "measure": {"kind": "sum", "column": "population"},
            "reference_period": "2026", "territory": {"column": "code_insee"},
            "normalisation": {"kind": "per_km2"},
        },
    },
    {
        "slug": "defibrillateurs-pour-10000-habitants",
        "title": "Défibrillateurs pour 10 000 habitants, par commune",
        "service": "sante-prevention", "unit": "DAE pour 10 000 hab.", "direction": "higher",
        "frequency": "IRREG", "themes": ["HEAL"],
        "method": "Les défibrillateurs sont placés dans les contours des communes de la métropole "
        "(jointure spatiale de leurs coordonnées), comptés, puis rapportés à la population "
        "municipale (COG).",
        "definition": {**DEFIBRILLATORS, "normalisation": {"kind": "per_10000"}},
    },
    {
        "slug": "defibrillateurs-par-km2",
        "title": "Défibrillateurs par km², par commune",
        "service": "sante-prevention", "unit": "DAE par km²", "direction": "higher",
        "frequency": "IRREG", "themes": ["HEAL"],
        "method": "Nombre de défibrillateurs situés dans la commune, divisé par sa surface "
        "(calculée sur le contour IGN Admin Express).",
        "definition": {**DEFIBRILLATORS, "normalisation": {"kind": "per_km2"}},
    },
    {
        "slug": "credits-par-deliberation",
        "title": "Crédits de dépense du budget primitif par délibération du conseil",
        "service": "finances", "unit": "€ par délibération", "direction": "higher",
        "frequency": "ANNUAL", "themes": ["ECON", "GOVE"],
        "method": "Somme des crédits de dépense du budget primitif (service des finances), divisée "
        "par le nombre de délibérations du conseil municipal (service des assemblées) : deux jeux "
        "de deux services joints sur le code INSEE de la commune.",
        "definition": {
            "dataset": "budget-primitif-2014",
            "measure": {"kind": "sum", "column": "bp"},
            "filters": [{"column": "d_r", "op": "=", "value": "D"}],
            "period": {"column": "exercice", "truncate": "year"},
            "territory": {"code": "34172"},
            "join": {"dataset": "deliberations-conseil-municipal", "measure": {"kind": "count"},
                     "territory": {"code": "34172"}, "on": "territory", "combine": "ratio"},
        },
    },
]  # fmt: skip


def demo_indicators(officer: User, services: dict[str, Service]) -> list[str]:
    """Create (once), compute and publish the demo's indicators of issue 12, its evaluation
    and its dashboards; returns the indicators' slugs."""
    _populations(officer, services["finances"])
    slugs = []
    for spec in INDICATORS:
        indicator = Indicator.objects.filter(slug=spec["slug"]).first()
        if indicator is None:
            indicator = indicator_services.indicator_create(
                actor=officer, title=spec["title"], slug=spec["slug"],
                publisher_service=services[spec["service"]], definition=spec["definition"],
                themes=spec["themes"], unit=spec["unit"], direction=spec["direction"],
                frequency=spec["frequency"], method=spec["method"], granularity="commune",
                access_level="public",
            )  # fmt: skip
        run = indicator_services.indicator_compute(
            actor=officer, indicator=indicator, trigger="démo"
        )
        if run.status != "error" and not indicator.is_published:
            indicator_services.indicator_publish(
                actor=officer, indicator=indicator, reason="Agrégat de jeux de données publics."
            )
        slugs.append(indicator.slug)
    _evaluation(officer)
    _dashboards(officer, services)
    return slugs


def _populations(officer: User, service: Service) -> None:
    """The communes' populations of the EPCI as a public dataset (the COG file the product
    ships): unchanged on a second build."""
    dataset = Dataset.objects.filter(slug=POPULATIONS).first()
    if dataset is None:
        dataset = catalog_services.dataset_create(
            actor=officer, title="Populations légales des communes de la métropole (COG 2026)",
            slug=POPULATIONS, publisher=service.organization, publisher_service=service,
            access_level="public", licence="etalab-2.0", frequency="ANNUAL", themes=["SOCI"],
            description="Population municipale de chaque commune de la métropole, du Code "
            "officiel géographique 2026 de l'INSEE (Licence Ouverte).",
        )  # fmt: skip
    communes = Territory.objects.filter(kind="commune", epci_memberships__isnull=False).order_by(
        "code"
    )
    with tempfile.TemporaryDirectory(prefix="demo-populations-") as folder:
        path = Path(folder) / "populations-communes.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(["code_insee", "commune", "population"])
            for commune in communes:
                writer.writerow([commune.code, commune.name, commune.population or ""])
        lake_services.dataset_ingest(
            actor=officer, dataset=dataset, source=path, original_name=path.name
        )
    if not dataset.is_published:
        catalog_services.dataset_publish(actor=officer, dataset=dataset)


def _evaluation(officer: User) -> None:
    indicator = Indicator.objects.filter(slug="deliberations-par-mois").first()
    if indicator is None or Evaluation.objects.filter(slug="calendrier-du-conseil").exists():
        return
    indicator_services.evaluation_create(
        actor=officer, indicator=indicator, slug="calendrier-du-conseil",
        title="Un conseil municipal de plus en fin d'année",
        description="En décembre 2013, une séance supplémentaire a réparti l'ordre du jour : le "
        "nombre de délibérations par séance a-t-il baissé ?",
        intervention_date=dt.date(2013, 12, 1), treated=["34172"], comparison=[],
    )  # fmt: skip


def _dashboards(officer: User, services: dict[str, Service]) -> None:
    public = [
        {"kind": "text", "text": "Quelques chiffres de la métropole et de ses 31 communes, "
         "calculés à partir des **données ouvertes** du territoire et mis à jour à chaque nouvelle "
         "version de leurs sources."},
        {"kind": "kpi", "indicator": "densite-de-population"},
        {"kind": "map", "indicator": "densite-de-population"},
        {"kind": "kpi", "indicator": "defibrillateurs-pour-10000-habitants"},
        {"kind": "table", "indicator": "defibrillateurs-pour-10000-habitants"},
        {"kind": "kpi", "indicator": "defibrillateurs-par-km2"},
        {"kind": "kpi", "indicator": "depenses-budget-primitif-par-habitant"},
        {"kind": "chart", "indicator": "deliberations-par-mois"},
    ]  # fmt: skip
    finances = [
        {"kind": "kpi", "indicator": "depenses-budget-primitif-par-habitant"},
        {"kind": "kpi", "indicator": "credits-par-deliberation"},
    ]
    for slug, title, service, level, wanted in (
        ("le-territoire-en-chiffres", "Le territoire en chiffres", "assemblees", "public", public),
        ("finances", "Finances de la Ville", "finances", "internal", finances),
    ):
        if Dashboard.objects.filter(slug=slug).exists():
            continue
        usable = Indicator.objects.filter(is_published=True, access_level="public")
        if level != "public":
            usable = Indicator.objects.all()
        present = set(usable.values_list("slug", flat=True))
        blocks = [b for b in wanted if b.get("indicator") is None or b["indicator"] in present]
        indicator_services.dashboard_create(
            actor=officer, title=title, slug=slug, publisher_service=services[service],
            access_level=level, blocks=blocks,
            description="Les indicateurs clés du territoire." if level == "public"
            else "Tableau de bord interne du service des finances.",
        )  # fmt: skip


WATER = {
    "slug": "volume-eau-distribue-par-jour",
    "title": "Eau distribuée chaque jour à Montpellier (compteurs de sectorisation)",
    "unit": "m³", "direction": "lower", "frequency": "DAILY", "themes": ["ENVI"],
    "method": "Somme des volumes journaliers relevés par les compteurs de sectorisation des "
    "quartiers (données transmises chaque jour par le délégataire du service de l'eau, "
    "convention de 2025). Une hausse sans hausse de la consommation signale une fuite.",
    "definition": {
        "dataset": "compteurs-eau-sectorisation",
        "measure": {"kind": "sum", "column": "volume_m3"},
        "period": {"column": "date_releve", "truncate": "day"},
        "territory": {"code": "34172"},
    },
}  # fmt: skip


def demo_water(officer: User, services: dict[str, Service]) -> list[str]:
    """The internal indicator on the water meters and the internal « Eau » dashboard, once the
    readings are in the lake (after ``demo_access``); unchanged on a second build."""
    if not Dataset.objects.filter(
        slug=WATER["definition"]["dataset"], lake__current_version__isnull=False
    ).exists():
        return []
    indicator = Indicator.objects.filter(slug=WATER["slug"]).first()
    if indicator is None:
        indicator = indicator_services.indicator_create(
            actor=officer, title=WATER["title"], slug=WATER["slug"],
            publisher_service=services["eau"], definition=WATER["definition"],
            themes=WATER["themes"], unit=WATER["unit"], direction=WATER["direction"],
            frequency=WATER["frequency"], method=WATER["method"], granularity="commune",
            access_level="internal",
        )  # fmt: skip
    indicator_services.indicator_compute(actor=officer, indicator=indicator, trigger="démo")
    if not Dashboard.objects.filter(slug="eau").exists():
        indicator_services.dashboard_create(
            actor=officer, title="Eau : volumes distribués", slug="eau",
            publisher_service=services["eau"], access_level="internal",
            description="Tableau de bord interne du service de l'eau : les volumes relevés chaque "
            "jour par les compteurs de sectorisation, pour repérer les fuites.",
            blocks=[{"kind": "kpi", "indicator": indicator.slug},
                    {"kind": "bar", "indicator": indicator.slug}],
        )  # fmt: skip
    return [indicator.slug]
