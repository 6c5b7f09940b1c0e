"""The service's queue of reports (signalements) and the page where it answers one: status and
public message (followers are e-mailed), and moderation (hide or restore, with a reason kept in
the audit log). Members of a category's service and the data officer only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoire.core import ratelimit
from territoire.core.errors import NotFound, TerritoireError
from territoire.reports import exports as report_exports
from territoire.reports import selectors as report_selectors
from territoire.reports import services as report_services
from territoire.reports.vocabularies import ModerationState, ReportStatus

from .. import exports
from ..report_forms import AnswerForm, ModerationForm, TextEditForm


def _require_handler(request) -> None:
    if not report_selectors.may_use_queue(request.user):
        raise PermissionDenied(
            _(
                "Espace réservé aux services chargés des signalements et à l'administrateur des données."
            )
        )


def _handled(request, pk: int):
    try:
        return report_selectors.report_get_for_handling(request.user, pk)
    except NotFound:
        raise Http404 from None


def _filters(request) -> tuple[str, str]:
    """The list's filters (status, moderation); an unknown value is no filter."""
    status = request.GET.get("statut", "")[:20]
    moderation = request.GET.get("moderation", "")[:20]
    return (
        status if status in ReportStatus.values else "",
        moderation if moderation in ModerationState.values else "",
    )


@login_required
def report_queue(request):
    _require_handler(request)
    status, moderation = _filters(request)
    queue = report_selectors.report_queue(request.user)
    counts = report_selectors.status_counts(queue)
    filtered = report_selectors.report_queue(
        request.user, status=status or None, moderation=moderation or None
    )
    page = Paginator(filtered, 30).get_page(request.GET.get("page", "1")[:6])
    return render(
        request,
        "workspace/reports/queue.html",
        {
            "page": page,
            "counts": [(value, label, counts[value]) for value, label in ReportStatus.choices],
            "status": status,
            "moderation": moderation,
            "moderation_states": ModerationState.choices,
            "filter_query": f"statut={status}&moderation={moderation}",
        },
    )


@login_required
def report_export(request, fmt: str):
    """The queue as CSV or XLSX, with the list's filters; an audited read (personal data)."""
    _require_handler(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    status, moderation = _filters(request)
    export = report_exports.report_export(
        actor=request.user, status=status or None, moderation=moderation or None, fmt=fmt,
        ip_address=ratelimit.client_ip(request),
    )  # fmt: skip
    name = f"signalements-{timezone.localdate().isoformat()}"
    if fmt == "xlsx":
        return exports.as_xlsx(f"{name}.xlsx", _("signalements"), export.header, export.rows)
    return exports.as_csv(f"{name}.csv", export.header, export.rows)


def _page(request, report, *, answer=None, moderation=None, edit=None, status=200):
    return render(
        request,
        "workspace/reports/handle.html",
        {
            "report": report,
            "events": report_selectors.report_timeline(report),
            "flags": report.flags.filter(is_reviewed=False)[:50],
            "answer_form": answer or AnswerForm(initial={"status": report.status}),
            "moderation_form": moderation or ModerationForm(),
            "edit_form": edit or TextEditForm(initial={"description": report.description}),
        },
        status=status,
    )


@login_required
def report_handle(request, pk: int):
    _require_handler(request)
    report = _handled(request, pk)
    if request.method != "POST":
        report_services.report_read_record(
            actor=request.user, report=report, channel="espace",
            ip_address=ratelimit.client_ip(request),
        )  # fmt: skip
        return _page(request, report)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            report_services.report_answer(
                actor=request.user, report=report, status=form.cleaned_data["status"],
                message=form.cleaned_data["message"],
            )  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("Réponse enregistrée ; ceux qui suivent le signalement sont prévenus.")
            )
            return redirect("workspace:report_handle", pk=report.pk)
    return _page(request, report, answer=form, status=400)


@require_POST
@login_required
def report_moderate(request, pk: int):
    _require_handler(request)
    report = _handled(request, pk)
    form = ModerationForm(request.POST)
    hide = request.POST.get("action") == "masquer"
    if form.is_valid():
        try:
            report_services.report_moderate(
                actor=request.user, report=report, hide=hide, reason=form.cleaned_data["reason"]
            )
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("Signalement masqué.") if hide else _("Signalement rétabli.")
            )
            return redirect("workspace:report_handle", pk=report.pk)
    return _page(request, report, moderation=form, status=400)


@require_POST
@login_required
def report_edit_text(request, pk: int):
    _require_handler(request)
    report = _handled(request, pk)
    form = TextEditForm(request.POST)
    if form.is_valid():
        try:
            report_services.report_edit_text(
                actor=request.user, report=report, description=form.cleaned_data["description"],
                reason=form.cleaned_data["edit_reason"],
            )  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Texte modifié."))
            return redirect("workspace:report_handle", pk=report.pk)
    return _page(request, report, edit=form, status=400)
