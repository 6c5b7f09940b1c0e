"""The registers as citizens read them: the public fields of each entry, in one place, used by the
portal's pages and by every export (CSV, ODS, JSON). Internal fields (notes, the detail of the
security measures, drafts, datasets the reader may not see) never reach this module's output."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from .vocabularies import (
    Automation,
    CnilMandatory,
    DataCategory,
    DpiaCriterion,
    LegalBasis,
    Safeguard,
    SecurityMeasure,
    SensitiveCategory,
)


def _labels(codes: Iterable[str], choices) -> list[str]:
    names = dict(choices.choices)
    return [str(names.get(c, c)) for c in codes]


def dpia_verdict(entry) -> str:
    """The DPIA screener's result, in words."""
    criteria, mandatory = len(entry.dpia_criteria), len(entry.dpia_mandatory)
    if mandatory:
        text = _(
            "Analyse d'impact (AIPD) obligatoire : le traitement figure sur la liste de la CNIL "
            "des traitements pour lesquels une AIPD est toujours requise."
        )
    elif criteria >= 2:
        text = _(
            "Analyse d'impact (AIPD) obligatoire : %(n)d critères du CEPD sur neuf sont remplis "
            "(deux suffisent)."
        ) % {"n": criteria}
    elif criteria == 1:
        text = _(
            "Analyse d'impact (AIPD) non requise : un seul critère du CEPD sur neuf est rempli "
            "(il en faut deux)."
        )
    else:
        text = _("Analyse d'impact (AIPD) non requise : aucun critère du CEPD n'est rempli.")
    if entry.dpia_required and entry.dpia_reference:
        text += " " + _("Analyse réalisée : %(ref)s.") % {"ref": entry.dpia_reference}
    return text


def _transfers(entry) -> list[str]:
    safeguards = dict(Safeguard.choices)
    return [
        f"{t['recipient']} ({t['country']}) — {safeguards.get(t['safeguard'], t['safeguard'])}"
        for t in entry.transfers
    ]


def _retention(entry) -> list[str]:
    return [
        f"{r['category']} : {r['period']}" if r["category"] else r["period"]
        for r in entry.retention
    ]


def _dataset_titles(entry) -> list[str]:
    return [d.title for d in getattr(entry, "visible_datasets", [])]


def _parameters(entry) -> list[str]:
    out = []
    for p in entry.parameters:
        weight = "" if p.get("weight") is None else f" ({_('pondération')} {p['weight']:g})"
        description = f" : {p['description']}" if p.get("description") else ""
        out.append(f"{p['name']}{weight}{description}")
    return out


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any]


PROCESSING_COLUMNS = [
    Column("reference", gettext_lazy("identifiant"), lambda e: e.slug),
    Column("name", gettext_lazy("nom du traitement"), lambda e: e.name),
    Column("service", gettext_lazy("service responsable"), lambda e: str(e.service)),
    Column("purposes", gettext_lazy("finalités"), lambda e: list(e.purposes)),
    Column(
        "legal_bases", gettext_lazy("bases légales"), lambda e: _labels(e.legal_bases, LegalBasis)
    ),
    Column(
        "legal_basis_detail",
        gettext_lazy("précisions sur la base légale"),
        lambda e: e.legal_basis_detail,
    ),
    Column(
        "data_categories",
        gettext_lazy("catégories de données"),
        lambda e: _labels(e.data_categories, DataCategory),
    ),
    Column(
        "data_categories_detail",
        gettext_lazy("précisions sur les données"),
        lambda e: e.data_categories_detail,
    ),
    Column(
        "sensitive_data", gettext_lazy("données sensibles (art. 9)"), lambda e: e.has_sensitive_data
    ),
    Column(
        "sensitive_categories",
        gettext_lazy("catégories de données sensibles"),
        lambda e: _labels(e.sensitive_categories, SensitiveCategory),
    ),
    Column(
        "people_categories",
        gettext_lazy("catégories de personnes"),
        lambda e: list(e.people_categories),
    ),
    Column("recipients", gettext_lazy("destinataires"), lambda e: list(e.recipients)),
    Column("transfers", gettext_lazy("transferts hors de l'Union européenne"), _transfers),
    Column("retention", gettext_lazy("durées de conservation"), _retention),
    Column(
        "security_measures",
        gettext_lazy("mesures de sécurité"),
        lambda e: _labels(e.security_measures, SecurityMeasure),
    ),
    Column("controller", gettext_lazy("responsable du traitement"), lambda e: e.controller_name),
    Column(
        "controller_contact", gettext_lazy("contact du responsable"), lambda e: e.controller_contact
    ),
    Column("dpo", gettext_lazy("délégué à la protection des données"), lambda e: e.dpo_name),
    Column("dpo_contact", gettext_lazy("contact du délégué"), lambda e: e.dpo_contact),
    Column("datasets", gettext_lazy("jeux de données utilisés"), _dataset_titles),
    Column(
        "dpia_criteria",
        gettext_lazy("critères du CEPD remplis"),
        lambda e: _labels(e.dpia_criteria, DpiaCriterion),
    ),
    Column(
        "dpia_mandatory",
        gettext_lazy("liste de la CNIL"),
        lambda e: _labels(e.dpia_mandatory, CnilMandatory),
    ),
    Column("dpia", gettext_lazy("analyse d'impact"), dpia_verdict),
    Column(
        "modified_at", gettext_lazy("mis à jour le"), lambda e: e.modified_at.date().isoformat()
    ),
]

ALGORITHM_COLUMNS = [
    Column("reference", gettext_lazy("identifiant"), lambda e: e.slug),
    Column("name", gettext_lazy("nom de l'algorithme"), lambda e: e.name),
    Column("service", gettext_lazy("service responsable"), lambda e: str(e.service)),
    Column("purpose", gettext_lazy("finalité"), lambda e: e.purpose),
    Column("decision", gettext_lazy("décisions auxquelles il contribue"), lambda e: e.decision),
    Column("legal_basis", gettext_lazy("base légale"), lambda e: e.legal_basis),
    Column(
        "automation",
        gettext_lazy("degré d'automatisation"),
        lambda e: str(dict(Automation.choices)[e.automation]),
    ),
    Column("parameters", gettext_lazy("principaux paramètres et pondération"), _parameters),
    Column("datasets", gettext_lazy("jeux de données utilisés"), _dataset_titles),
    Column(
        "processing_activities",
        gettext_lazy("traitements du registre RGPD"),
        lambda e: [p.name for p in getattr(e, "visible_processing", [])],
    ),
    Column("human_oversight", gettext_lazy("intervention humaine"), lambda e: e.human_oversight),
    Column("how_to_contest", gettext_lazy("comment contester"), lambda e: e.how_to_contest),
    Column("contact", gettext_lazy("contact"), lambda e: e.contact),
    Column("source_code_url", gettext_lazy("code source"), lambda e: e.source_code_url),
    Column(
        "modified_at", gettext_lazy("mis à jour le"), lambda e: e.modified_at.date().isoformat()
    ),
]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return "" if value is None else str(value)


# A cell a spreadsheet would run as a formula gets a quote before it (OWASP's CSV injection
# advice, as records.spreadsheet does for the records' exports; records sits above this layer).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def as_csv(entries: Iterable, columns: list[Column]) -> bytes:
    """UTF-8 with BOM and « ; », as the workspace's exports: a spreadsheet opens it as it is.
    Every cell is text people wrote, so formula-like cells are made inert. (ODS cells are typed
    strings, never formulas: nothing to change there.)"""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c.label) for c in columns])
    for entry in entries:
        writer.writerow([_inert(_cell(c.value(entry))) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_ods(entries: Iterable, columns: list[Column], sheet: str) -> bytes:
    """An OpenDocument spreadsheet (odfpy): one row per entry, lists one item per line."""
    document = OpenDocumentSpreadsheet()
    table = Table(name=sheet[:31])

    def row(values: list[str]) -> None:
        table_row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            for line in value.split("\n"):
                cell.addElement(P(text=line))
            table_row.addElement(cell)
        table.addElement(table_row)

    row([str(c.label) for c in columns])
    for entry in entries:
        values = []
        for c in columns:
            v = c.value(entry)
            values.append("\n".join(map(str, v)) if isinstance(v, list) else _cell(v))
        row(values)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def as_records(entries: Iterable, columns: list[Column]) -> list[dict[str, Any]]:
    return [{c.key: c.value(e) for c in columns} for e in entries]


def algorithms_json(entries: Iterable) -> bytes:
    """The open-data export of the algorithms: lists stay lists, parameters stay structured."""
    records = []
    for entry in entries:
        record = as_records([entry], ALGORITHM_COLUMNS)[0]
        record["automation"] = entry.automation
        record["parameters"] = [dict(p) for p in entry.parameters]
        record["datasets"] = [
            {"slug": d.slug, "title": d.title} for d in getattr(entry, "visible_datasets", [])
        ]
        record["processing_activities"] = [
            {"reference": p.slug, "name": p.name} for p in getattr(entry, "visible_processing", [])
        ]
        records.append(record)
    return json.dumps({"algorithms": records}, ensure_ascii=False, indent=2).encode("utf-8")


def explicit_mention(entry, url: str) -> str:
    """The « mention explicite » a service prints on a decision taken with the algorithm's help
    (CRPA L311-3-1): the decision was taken on the basis of an algorithmic processing, for which
    purpose, and how to obtain its rules."""
    return _(
        "Cette décision a été prise sur le fondement d'un traitement algorithmique "
        "(« %(name)s »), dont la finalité est : %(purpose)s Vous pouvez obtenir la "
        "communication des règles qui définissent ce traitement et des principales "
        "caractéristiques de sa mise en œuvre auprès de %(contact)s, et les consulter sur "
        "%(url)s (article L311-3-1 du code des relations entre le public et l'administration)."
    ) % {
        "name": entry.name,
        "purpose": entry.purpose.rstrip(".") + ".",
        "contact": entry.contact or str(entry.service),
        "url": url,
    }
