"""« Sécurité du compte »: every staff account's own page (second factor, recovery codes,
sessions, login history, password), and the data officer's view of the staff's accounts (who has
enrolled, one account's history and sessions, closing all of them, removing a lost factor).

Recovery codes are shown in the response to the POST that made them, never stored in the
session or a redirect: once the page is left, only their count remains."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.accounts.forms import PasswordConfirmForm, TotpConfirmForm
from territoire.accounts.models import STAFF_ROLES, User
from territoire.accounts.security import clients, history, sessions, two_factor
from territoire.core.errors import TerritoireError

from .common import require_data_officer

HISTORY_SHOWN = 50


def require_staff(request) -> None:
    if not permissions.is_agent(request.user):
        raise PermissionDenied(_("Page réservée aux agents du territoire."))


def _session_rows(request, user: User) -> list[dict]:
    current = request.session.session_key
    return [
        {
            "session": s,
            "browser": clients.describe_user_agent(s.user_agent),
            "is_current": s.session_key == current,
        }
        for s in sessions.session_list_for_actor(request.user, user=user)
    ]


def _history_rows(request, user: User) -> list[dict]:
    events = history.login_history_for_actor(request.user, user=user, request=request)
    return [
        {"event": e, "browser": clients.describe_user_agent(e.user_agent)}
        for e in events[:HISTORY_SHOWN]
    ]


def _page(request, *, confirm_form=None, password_form=None, status=200):
    user = request.user
    status_ = two_factor.two_factor_status(user)
    context = {
        "status": status_,
        "must_enrol": status_.is_required and not status_.is_enrolled,
        "asked_to_enrol": request.GET.get("inscription") == "1",
        "sessions": _session_rows(request, user),
        "history": _history_rows(request, user),
        "retention_days": settings.TERRITOIRE_LOGIN_HISTORY_DAYS,
        "password_form": password_form or PasswordConfirmForm(user=user),
    }
    if not status_.is_enrolled:
        device = two_factor.totp_enrolment_start(actor=user)
        context.update(
            qr_svg=two_factor.totp_qr_svg(device),
            secret=two_factor.totp_secret(device),
            confirm_form=confirm_form or TotpConfirmForm(),
        )
    return render(request, "workspace/security.html", context, status=status)


@never_cache
@login_required
def security(request):
    require_staff(request)
    return _page(request)


def _codes_page(request, codes: list[str]):
    response = render(request, "workspace/security_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def security_enrol(request):
    require_staff(request)
    form = TotpConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.totp_enrolment_confirm(
                actor=request.user, token=form.cleaned_data["code"], request=request
            )
        except TerritoireError as exc:
            form.add_error("code", exc.localized())
        else:
            return _codes_page(request, codes)
    return _page(request, confirm_form=form, status=400)


@login_required
@require_POST
def security_codes(request):
    require_staff(request)
    form = PasswordConfirmForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            codes = two_factor.recovery_codes_regenerate(actor=request.user, request=request)
        except TerritoireError as exc:
            messages.error(request, exc.localized())
            return redirect("workspace:security")
        return _codes_page(request, codes)
    return _page(request, password_form=form, status=400)


@login_required
@require_POST
def security_remove(request):
    require_staff(request)
    form = PasswordConfirmForm(request.POST, user=request.user)
    if form.is_valid():
        two_factor.two_factor_remove(actor=request.user, user=request.user, request=request)
        messages.success(request, _("La double authentification est retirée de votre compte."))
        return redirect("workspace:security")
    return _page(request, password_form=form, status=400)


@login_required
@require_POST
def security_session_revoke(request, session_id: int):
    require_staff(request)
    try:
        sessions.session_revoke(
            actor=request.user, user=request.user, session_id=session_id, request=request
        )
    except TerritoireError as exc:
        messages.error(request, exc.localized())
    else:
        messages.success(request, _("La session est fermée."))
    return redirect("workspace:security")


@login_required
@require_POST
def security_sessions_revoke_all(request):
    require_staff(request)
    n = sessions.session_revoke_all(actor=request.user, user=request.user, request=request)
    messages.success(
        request, _("%(n)s autre(s) session(s) fermée(s). Celle-ci reste ouverte.") % {"n": n}
    )
    return redirect("workspace:security")


# ------------------------------------------------------------------------- the data officer's view


@never_cache
@login_required
def officer_accounts(request):
    require_data_officer(request)
    staff = (
        User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True))
        .annotate(
            totp_count=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True)
        )
        .order_by("username")
    )
    rows = [
        {
            "user": u,
            "is_enrolled": u.totp_count > 0,
            "is_required": permissions.two_factor_required(u),
        }
        for u in staff
    ]
    failures = [
        {"event": e, "browser": clients.describe_user_agent(e.user_agent)}
        for e in history.login_failures_for_actor(request.user, request=request)
    ]
    return render(request, "workspace/officer_accounts.html", {"rows": rows, "failures": failures})


@never_cache
@login_required
def officer_account(request, username: str):
    require_data_officer(request)
    user = get_object_or_404(User, username=username)
    return render(
        request,
        "workspace/officer_account.html",
        {
            "account": user,
            "status": two_factor.two_factor_status(user),
            "sessions": _session_rows(request, user),
            "history": _history_rows(request, user),
            "retention_days": settings.TERRITOIRE_LOGIN_HISTORY_DAYS,
        },
    )


def _reason(request) -> str:
    return (request.POST.get("reason") or "").strip()[:500]


@login_required
@require_POST
def officer_account_revoke_sessions(request, username: str):
    require_data_officer(request)
    user = get_object_or_404(User, username=username)
    n = sessions.session_revoke_all(
        actor=request.user,
        user=user,
        request=request,
        keep_current=user.pk == request.user.pk,
        reason=_reason(request),
    )
    messages.success(
        request,
        _("%(n)s session(s) de %(user)s fermée(s).") % {"n": n, "user": user.username},
    )
    return redirect("workspace:officer_account", username=user.username)


@login_required
@require_POST
def officer_account_remove_two_factor(request, username: str):
    require_data_officer(request)
    user = get_object_or_404(User, username=username)
    two_factor.two_factor_remove(
        actor=request.user, user=user, request=request, reason=_reason(request)
    )
    messages.success(
        request,
        _(
            "La double authentification de %(user)s est retirée : le compte devra l'activer à nouveau."
        )
        % {"user": user.username},
    )
    return redirect("workspace:officer_account", username=user.username)
