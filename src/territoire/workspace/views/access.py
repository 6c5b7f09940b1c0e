"""Access beyond open data in the workspace: the request queue of stewards and the data
officer, the grant (scope, expiry) and refusal forms, revocation, and the data-sharing
agreements with partners. Every write goes through ``territoire.access.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from territoire.access import selectors as access_selectors
from territoire.access import services as access_services
from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound, TerritoireError
from territoire.lake import selectors as lake_selectors
from territoire.organizations.models import Service
from territoire.trust.models import AccessRequestStatus, Agreement

from ..access_forms import AgreementForm, GrantForm, ReasonForm
from .common import require_staff_editor


def _or_404(get, *args):
    try:
        return get(*args)
    except NotFound:
        raise Http404 from None


@login_required
def access_queue(request):
    require_staff_editor(request)
    queue = access_selectors.access_request_queue(request.user)
    grants = access_selectors.access_grant_list_for_decider(request.user).filter(
        revoked_at__isnull=True
    )
    return render(
        request,
        "workspace/access/queue.html",
        {
            "pending": queue.filter(status=AccessRequestStatus.PENDING),
            "decided": queue.exclude(status=AccessRequestStatus.PENDING)[:50],
            "grants": grants.order_by("expires_at")[:200],
        },
    )


def _columns(dataset) -> list[str]:
    version = lake_selectors.dataset_current_version(dataset)
    return [c["id"] for c in version.columns] if version is not None else []


@login_required
def access_request_decide(request, pk: int):
    require_staff_editor(request)
    found = _or_404(access_selectors.access_request_get_for_decider, request.user, pk)
    columns = _columns(found.dataset)
    action = request.POST.get("action") if request.method == "POST" else None
    grant_form = GrantForm(request.POST if action == "grant" else None, columns=columns)
    refuse_form = ReasonForm(request.POST if action == "refuse" else None, prefix="refus")
    if action == "grant" and grant_form.is_valid():
        try:
            access_services.access_request_grant(
                actor=request.user, request=found, **grant_form.values()
            )
        except TerritoireError as exc:
            grant_form.refuse(exc)
        else:
            messages.success(request, _("Accès accordé à %(who)s.") % {"who": found.requester})
            return redirect("workspace:access_queue")
    if action == "refuse" and refuse_form.is_valid():
        try:
            access_services.access_request_refuse(
                actor=request.user, request=found, reason=refuse_form.cleaned_data["reason"]
            )
        except TerritoireError as exc:
            refuse_form.refuse(exc)
        else:
            messages.success(request, _("Demande refusée ; le motif est communiqué au demandeur."))
            return redirect("workspace:access_queue")
    has_errors = bool(grant_form.errors or refuse_form.errors)
    return render(
        request,
        "workspace/access/decide.html",
        {
            "access_request": found,
            "grant_form": grant_form,
            "refuse_form": refuse_form,
            "has_columns": bool(columns),
        },
        status=400 if has_errors else 200,
    )


@login_required
def access_grant_revoke(request, pk: int):
    require_staff_editor(request)
    grant = _or_404(access_selectors.access_grant_get_for_decider, request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access_services.access_grant_revoke(
                actor=request.user, grant=grant, reason=form.cleaned_data["reason"]
            )
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Accès révoqué : il ne fonctionne plus, sur aucun canal."))
            return redirect("workspace:access_queue")
    return render(
        request,
        "workspace/access/revoke.html",
        {"grant": grant, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def agreement_list(request):
    require_staff_editor(request)
    return render(
        request,
        "workspace/access/agreements.html",
        {
            "agreements": access_selectors.agreement_list_for_actor(request.user),
            "is_data_officer": permissions.is_data_officer(request.user),
        },
    )


def _agreement_form(request, initial=None, *, bound: bool = True):
    user = request.user
    services = Service.objects.select_related("organization")
    if not permissions.is_data_officer(user):
        services = services.filter(pk__in=permissions.stewarded_service_ids(user))
    return AgreementForm(
        (request.POST or None) if bound else None,
        initial=initial or {},
        services=services,
        datasets=catalog_selectors.dataset_list_editable(user).order_by("title"),
    )


def _save(request, form, agreement: Agreement):
    data = form.cleaned_data
    for name in (
        "title",
        "reference",
        "partner",
        "partner_kind",
        "service",
        "purpose",
        "conditions",
        "starts_on",
        "ends_on",
    ):
        setattr(agreement, name, data[name])
    return access_services.agreement_save(
        actor=request.user,
        agreement=agreement,
        datasets_provided=data["datasets_provided"],
        datasets_received=data["datasets_received"],
    )


@login_required
def agreement_new(request):
    require_staff_editor(request)
    form = _agreement_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = _save(request, form, Agreement())
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Convention enregistrée."))
            return redirect("workspace:agreement_edit", reference=agreement.reference)
    return render(
        request,
        "workspace/access/agreement_form.html",
        {"form": form, "agreement": None},
        status=400 if form.errors else 200,
    )


@login_required
def agreement_edit(request, reference: str):
    require_staff_editor(request)
    agreement = _or_404(access_selectors.agreement_get_for_actor, request.user, reference)
    if not permissions.can_manage_agreements(request.user, agreement.service_id):
        raise Http404
    form = _agreement_form(request, AgreementForm.initial_from(agreement))
    terminate = ReasonForm(prefix="resiliation")
    if request.method == "POST" and request.POST.get("action") == "terminate":
        terminate = ReasonForm(request.POST, prefix="resiliation")
        form = _agreement_form(request, AgreementForm.initial_from(agreement), bound=False)
        if terminate.is_valid():
            try:
                access_services.agreement_terminate(
                    actor=request.user, agreement=agreement, reason=terminate.cleaned_data["reason"]
                )
            except TerritoireError as exc:
                terminate.refuse(exc)
            else:
                messages.success(request, _("Convention résiliée ; ses accès sont révoqués."))
                return redirect("workspace:agreement_edit", reference=agreement.reference)
    elif request.method == "POST" and form.is_valid():
        try:
            _save(request, form, agreement)
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Convention enregistrée."))
            return redirect("workspace:agreement_edit", reference=agreement.reference)
    return render(
        request,
        "workspace/access/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "terminate": terminate,
            "deliveries": agreement.deliveries.select_related("dataset", "pushed_by")[:50],
            "grants": agreement.grants.select_related("dataset"),
        },
        status=400 if (form.errors or terminate.errors) else 200,
    )
