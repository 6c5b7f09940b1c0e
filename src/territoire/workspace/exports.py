"""Exports of the inventory: the workspace's table (CSV and XLSX, same columns) and the SCDL
« Catalogue simplifié » (scdl/catalogue 0.1.3, the schema bundled in ``schemas/data``).

Every text cell is something people typed: a cell a spreadsheet would run as a formula is made
inert (a quote before it in CSV, a string cell with Excel's quote prefix in XLSX)."""

from __future__ import annotations

import csv
import io
import unicodedata

from django.conf import settings
from django.db.models import Count, prefetch_related_objects
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.catalog.models import Distribution
from territoire.catalog.vocabularies import AccessLevel
from territoire.records import spreadsheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inventory_header() -> list[str]:
    return [
        _("identifiant"),
        _("titre"),
        _("producteur"),
        _("service"),
        _("relais données"),
        _("niveau d'accès"),
        _("état de publication"),
        _("licence"),
        _("fréquence"),
        _("dernière mise à jour"),
        _("mise à jour en retard"),
        _("données personnelles signalées"),
        _("décision"),
        _("colonnes documentées"),
        _("mots-clés"),
        _("score de qualité"),
    ]


def inventory_values(row) -> list:
    d = row.dataset
    return [
        d.slug,
        d.title,
        d.publisher.name,
        d.publisher_service.name if d.publisher_service else "",
        d.steward.username if d.steward else "",
        d.get_access_level_display(),
        d.get_publication_state_display(),
        d.get_licence_display(),
        d.get_frequency_display(),
        row.last_update.date().isoformat() if row.last_update else "",
        _("oui") if row.is_overdue else _("non"),
        ", ".join(row.flagged_columns),
        row.decision.get_decision_display() if row.decision else "",
        row.documented_columns,
        ", ".join(d.keywords or []),
        row.quality.score if row.quality else "",
    ]


def _inert(value):
    return spreadsheet.neutral(value) if isinstance(value, str) else value


def as_csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """UTF-8 with a BOM and « ; », as French spreadsheets open it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_inert(v) for v in row])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def as_xlsx(filename: str, sheet_name: str, header: list[str], rows: list[list]) -> HttpResponse:
    from openpyxl import Workbook  # slow to import: only this export needs it
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])

    def cells(values):
        result = []
        for value in values:
            if value is None or isinstance(value, bool | int | float):
                result.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=str(value))
            cell.data_type = "s"
            if spreadsheet.is_risky(str(value)):
                cell.quotePrefix = True
            result.append(cell)
        return result

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The schema's enumerations (scdl/catalogue 0.1.3).
SCDL_FREQUENCY = {
    "UPDATE_CONT": "Continuelle",
    "HOURLY": "Toutes les heures",
    "DAILY": "Quotidienne ou plusieurs fois par jour",
    "WEEKLY": "Hebdomadaire ou plusieurs fois par semaine",
    "MONTHLY": "Mensuelle ou plusieurs fois par mois",
    "QUARTERLY": "Trimestrielle",
    "ANNUAL": "Annuelle",
    "IRREG": "Irrégulière",
    "NEVER": "Ponctuelle",
    "UNKNOWN": "Inconnue",
}
SCDL_MESH = {
    "quartier": "Infracommunale",
    "arrondissement_municipal": "Infracommunale",
    "commune_deleguee": "Infracommunale",
    "commune_associee": "Infracommunale",
    "commune": "Communale",
    "epci": "Intercommunale",
    "departement": "Départementale",
    "region": "Régionale",
}
SCDL_FIELDS = [
    "COLL_NOM",
    "COLL_SIRET",
    "ID",
    "TITRE",
    "DESCRIPTION",
    "THEME",
    "PRODUCTEUR_NOM",
    "PRODUCTEUR_SIRET",
    "COUV_SPAT_MAILLE",
    "COUV_SPAT_NOM",
    "COUV_TEMP_DEBUT",
    "COUV_TEMP_FIN",
    "DATE_PUBL",
    "FREQ_MAJ",
    "DATE_MAJ",
    "MOTS_CLES",
    "LICENCE",
    "NOMBRE_RESSOURCES",
    "FORMAT_RESSOURCES",
    "URL",
]


def _scdl_licence(code: str) -> str:
    if code == "etalab-2.0":
        return "Licence Ouverte-LO"
    if code.startswith("odbl"):
        return "Open Database License-ODBL"
    if code.startswith("cc"):
        return "Creative Commons-CC"
    return "Spécifique ou autre"


def _plain(text: str) -> str:
    """Lower case without accents, as the schema asks of keywords."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _mesh(territories) -> str:
    meshes = {SCDL_MESH.get(t.kind, "Autre") for t in territories}
    return meshes.pop() if len(meshes) == 1 else "Autre"


def scdl_catalogue_rows(rows) -> list[list]:
    """The published public datasets of the inventory rows, one line each in the SCDL
    « Catalogue simplifié ». SIRET numbers are left empty: the platform records SIREN numbers
    only, and a SIRET cannot be derived from one."""
    datasets = [
        r for r in rows if r.dataset.is_published and r.dataset.access_level == AccessLevel.PUBLIC
    ]
    ids = [r.dataset.pk for r in datasets]
    prefetch_related_objects([r.dataset for r in datasets], "themes", "territories")
    formats: dict[int, set[str]] = {}
    counts = dict(
        Distribution.objects.filter(dataset_id__in=ids)
        .values("dataset_id")
        .annotate(n=Count("id"))
        .values_list("dataset_id", "n")
    )
    for dataset_id, fmt in Distribution.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "format"
    ):
        formats.setdefault(dataset_id, set()).add(fmt.lower())
    base = str(settings.TERRITOIRE_BASE_URL or "").rstrip("/")
    lines = []
    for row in datasets:
        d = row.dataset
        territories = list(d.territories.all())
        fmt = formats.get(d.pk) or ({"csv"} if row.last_update else set())
        published = d.published_at or d.created_at
        lines.append(
            [
                d.publisher.name,
                "",
                d.slug,
                d.title,
                d.description,
                ";".join(t.label_fr for t in d.themes.all()),
                d.publisher_service.name if d.publisher_service else d.publisher.name,
                "",
                _mesh(territories),
                ";".join(t.name for t in territories),
                d.temporal_start.isoformat() if d.temporal_start else "",
                d.temporal_end.isoformat() if d.temporal_end else "",
                timezone.localtime(published).date().isoformat(),
                SCDL_FREQUENCY.get(d.frequency, "Inconnue"),
                timezone.localtime(row.last_update).date().isoformat() if row.last_update else "",
                ";".join(_plain(k) for k in d.keywords or []),
                _scdl_licence(d.licence),
                max(counts.get(d.pk, 0), 1 if fmt else 0),
                ";".join(sorted(fmt)),
                base + reverse("web:dataset", args=[d.slug]),
            ]
        )
    return lines
