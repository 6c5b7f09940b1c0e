"""The data officer's tools: the queues (personal-data decisions to take, publications to
review), the inventory with its gaps (flagged personal data, no steward, late updates) and its
CSV export, stewards assigned, the review rule, the audit log in words with its CSV export."""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from territoire.accounts.models import User
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import TerritoireError, ValidationFailed
from territoire.organizations.models import Service
from territoire.trust import describe
from territoire.trust.models import AuditAction
from territoire.trust.selectors import audit_event_list

from .. import exports, selectors
from ..forms import AuditFilterForm, ReviewRuleForm
from .common import require_data_officer

AUDIT_CSV_MAX_ROWS = 100_000

# The inventory's filters: URL value -> (label, test on a row).
INVENTORY_FILTERS = {
    "a-decider": (
        gettext_lazy("décision sur des données personnelles à prendre"),
        lambda r: r.needs_decision,
    ),
    "soumis": (
        gettext_lazy("soumis pour publication"),
        lambda r: r.dataset.publication_state == "submitted",
    ),
    "signales": (gettext_lazy("données personnelles signalées"), lambda r: r.is_flagged),
    "sans-relais": (gettext_lazy("sans relais données"), lambda r: r.dataset.steward_id is None),
    "en-retard": (gettext_lazy("mise à jour en retard"), lambda r: r.is_overdue),
}


class _Echo:
    def write(self, value):
        return value


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A CSV as French spreadsheets open it: UTF-8 with a BOM, « ; » between values."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def officer_home(request):
    require_data_officer(request)
    rows = selectors.inventory(request.user)
    installation, rules = selectors.review_rules()
    services = Service.objects.select_related("organization")
    form = ReviewRuleForm(services=services, installation=installation, rules=rules)
    counts = {
        key: sum(1 for r in rows if test(r)) for key, (_label, test) in INVENTORY_FILTERS.items()
    }
    return render(
        request,
        "workspace/officer_home.html",
        {
            "total": len(rows),
            "published": sum(1 for r in rows if r.dataset.is_published),
            "counts": [(key, label, counts[key]) for key, (label, _t) in INVENTORY_FILTERS.items()],
            "decisions": [r for r in rows if r.needs_decision],
            "submitted": [r for r in rows if r.dataset.publication_state == "submitted"],
            "review_form": form,
            "services_without_steward": _services_without_steward(services),
        },
    )


def _services_without_steward(services) -> list[Service]:
    return list(services.exclude(memberships__role="steward"))


@login_required
@require_POST
def officer_review_rules(request):
    require_data_officer(request)
    installation, rules = selectors.review_rules()
    services = list(Service.objects.select_related("organization"))
    form = ReviewRuleForm(request.POST, services=services, installation=installation, rules=rules)
    if form.is_valid():
        try:
            wanted = ReviewRuleForm.as_bool(form.cleaned_data["installation"])
            if wanted != installation:
                catalog_services.publication_review_rule_set(
                    actor=request.user, review_required=wanted
                )
            for service in services:
                value = ReviewRuleForm.as_bool(form.cleaned_data[f"service_{service.pk}"])
                if value != rules.get(service.pk):
                    catalog_services.publication_review_rule_set(
                        actor=request.user, service=service, review_required=value
                    )
        except TerritoireError as exc:
            messages.error(request, exc.localized())
        else:
            messages.success(request, _("Règles de relecture enregistrées."))
    return redirect("workspace:officer_home")


@login_required
def officer_datasets(request):
    require_data_officer(request)
    rows = selectors.inventory(request.user)
    chosen = request.GET.get("filtre", "")
    if chosen in INVENTORY_FILTERS:
        rows = [r for r in rows if INVENTORY_FILTERS[chosen][1](r)]
    service = request.GET.get("service", "")
    if service.isdigit():
        rows = [r for r in rows if r.dataset.publisher_service_id == int(service)]
    if request.GET.get("format") == "csv":
        return _inventory_csv(rows)
    if request.GET.get("format") in {"xlsx", "scdl"}:
        return _inventory_export(rows, request.GET["format"])
    candidates = dict(
        (s.pk, users)
        for s, users in selectors.steward_candidates(Service.objects.select_related("organization"))
    )
    return render(
        request,
        "workspace/officer_datasets.html",
        {
            "rows": rows,
            "entries": [(r, candidates.get(r.dataset.publisher_service_id, [])) for r in rows],
            "filters": [(key, label) for key, (label, _t) in INVENTORY_FILTERS.items()],
            "chosen": chosen,
            "service": service,
            "services": Service.objects.select_related("organization"),
            "candidates": candidates,
            "filter_query": request.GET.urlencode(),
        },
    )


def _inventory_csv(rows) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return _csv_response(
        f"inventaire-{stamp}.csv",
        exports.inventory_header(),
        ([exports._inert(v) for v in exports.inventory_values(r)] for r in rows),
    )


def _inventory_export(rows, kind: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        return exports.as_xlsx(
            f"inventaire-{stamp}.xlsx",
            str(_("inventaire")),
            exports.inventory_header(),
            [exports.inventory_values(r) for r in rows],
        )
    return exports.as_csv(
        f"catalogue-scdl-{stamp}.csv", exports.SCDL_FIELDS, exports.scdl_catalogue_rows(rows)
    )


@login_required
@require_POST
def officer_assign_steward(request, slug: str):
    require_data_officer(request)
    dataset = get_object_or_404(Dataset, slug=slug)
    steward = User.objects.filter(pk=request.POST.get("steward") or 0).first()
    try:
        if steward is None:
            raise ValidationFailed(
                "Choisissez un membre du service.",
                "Choose a member of the service.",
                where="steward",
            )
        catalog_services.dataset_update(actor=request.user, dataset=dataset, steward=steward)
    except TerritoireError as exc:
        messages.error(request, f"{dataset.title} : {exc.localized()}")
    else:
        messages.success(
            request,
            _("%(who)s est le relais données de « %(title)s ».")
            % {"who": steward.get_full_name() or steward.username, "title": dataset.title},
        )
    query = request.POST.get("query", "")
    target = reverse("workspace:officer_datasets")
    return redirect(f"{target}?{query}" if query else target)


@login_required
def officer_audit(request):
    require_data_officer(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        actor_text=filters.get("who") or "",
        action=filters.get("action") or "",
        object_text=filters.get("what") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    if request.GET.get("format") == "csv" and not form.errors:
        return _audit_csv(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workspace/officer_audit.html",
        {
            "form": form,
            "page": page,
            "entries": [
                {
                    "event": e,
                    "sentence": describe.audit_event_sentence(e),
                    "changes": describe.changes_readable(e),
                }
                for e in page
            ],
            "filter_query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


def _audit_csv(events) -> StreamingHttpResponse:
    header = [
        _("date"),
        _("auteur"),
        _("action"),
        _("type d'objet"),
        _("identifiant"),
        _("objet"),
        _("description"),
        _("motif"),
        _("adresse IP"),
    ]

    def lines():
        for e in events[:AUDIT_CSV_MAX_ROWS].iterator(chunk_size=2000):
            yield [
                timezone.localtime(e.created_at).isoformat(timespec="seconds"),
                e.actor_repr,
                AuditAction(e.action).label if e.action in AuditAction.values else e.action,
                describe.object_kind(e),
                e.object_id,
                e.object_repr,
                describe.audit_event_describe(e),
                e.reason,
                e.ip_address or "",
            ]

    stamp = datetime.date.today().isoformat()
    return _csv_response(f"journal-audit-{stamp}.csv", header, lines())
