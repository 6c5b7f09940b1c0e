"""The staff's export of their queue of reports (the workspace's list, its filters kept): one row
per report, author's name and e-mail included — personal data for the service in charge and the
data officer only, so each export is an audited read naming its filters and its size.

The rows are plain values; the writers (workspace.exports: CSV and XLSX) make every text cell
inert for spreadsheets (records.spreadsheet), since descriptions and addresses are typed by
the public."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.core.errors import PermissionRefused
from territoire.trust.models import AuditAction
from territoire.trust.services import audit_record

from . import selectors
from .models import Report


@dataclass(frozen=True)
class ReportExport:
    header: list[str]
    rows: list[list]


def header() -> list[str]:
    return [
        _("numéro"), _("déposé le"), _("catégorie"), _("service"), _("statut"),
        _("statut changé le"), _("modération"), _("signalements d'abus"), _("description"),
        _("adresse ou repère"), _("latitude"), _("longitude"), _("commune"), _("quartier"),
        _("canal"), _("photo"), _("identifiant de l'auteur"), _("nom de l'auteur"),
        _("courriel de l'auteur"),
    ]  # fmt: skip


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _values(r: Report) -> list:
    author = r.author
    return [
        r.pk, _when(r.created_at), r.category.name, r.category.service.name,
        r.get_status_display(), _when(r.status_changed_at), r.get_moderation_display(),
        r.flag_count, r.description, r.address, r.latitude, r.longitude,
        r.commune.name if r.commune else "", r.quartier.name if r.quartier else "", r.channel,
        _("oui") if r.photo else _("non"), author.username if author else "",
        author.get_full_name() if author else "", author.email if author else "",
    ]  # fmt: skip


def report_export(
    *,
    actor,
    status: str | None = None,
    moderation: str | None = None,
    fmt: str = "csv",
    ip_address: str | None = None,
) -> ReportExport:
    """The actor's queue (selectors.report_queue, with the same filters as the list) as rows;
    refused to anyone without a queue. The read is audited before the rows are returned."""
    if not selectors.may_use_queue(actor):
        raise PermissionRefused(
            "Export réservé aux services chargés des signalements et à l'administrateur des "
            "données.",
            "Export reserved for the services handling reports and the data officer.",
            where="export",
        )
    qs = selectors.report_queue(actor, status=status, moderation=moderation).select_related(
        "category__service", "author"
    )
    rows = [_values(r) for r in qs]
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            object_type="reports.report",
            object_repr=f"export {fmt} des signalements ({len(rows)} lignes)",
            changes={
                "status": [None, status or ""],
                "moderation": [None, moderation or ""],
                "rows": [None, len(rows)],
                "format": [None, fmt],
            },  # fmt: skip
            ip_address=ip_address,
        )
    return ReportExport(header(), rows)
