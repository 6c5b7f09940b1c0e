"""The one login path (the back-office's /admin/login/ is routed here too): the password, then —
for an account with an authenticator — the code; the logout; the password change.

Between the two steps the session holds only who passed the password, with which backend and
when (TERRITOIRE_2FA_PENDING_SECONDS): the account is signed in, and the session key cycled, only
once the code is accepted."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from territoire.core import ratelimit
from territoire.trust.services import audit_record

from .forms import (
    RateLimitedLoginForm,
    RateLimitedPasswordResetForm,
    TwoFactorCodeForm,
)
from .models import LoginMethod, LoginOutcome, User
from .security import history, sessions, two_factor

PENDING_USER = "_territoire_2fa_user"
PENDING_BACKEND = "_territoire_2fa_backend"
PENDING_AT = "_territoire_2fa_at"


def login_succeeded(request, user, *, method: str = LoginMethod.PASSWORD, device=None) -> None:
    """What every successful sign-in records: the audit event, the login history, the session."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="login",
            instance=user,
            ip_address=ratelimit.client_ip(request),
            reason="" if method == LoginMethod.PASSWORD else str(LoginMethod(method).label),
        )
        history.login_event_record(
            request=request,
            username=user.username,
            user=user,
            outcome=LoginOutcome.SUCCESS,
            method=method,
        )
        sessions.session_track(request=request, user=user, is_verified=device is not None)
    request.session[two_factor.SESSION_HAS_DEVICE] = device is not None


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """The password step. With an authenticator, the account is not signed in yet: the second
    step (`login_verify`) does that once the code is accepted."""

    template_name = "accounts/login.html"
    authentication_form = RateLimitedLoginForm

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.user_has_two_factor(user):
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_BACKEND] = user.backend
            self.request.session[PENDING_AT] = time.time()
            target = reverse("login_verify")
            next_url = self.get_redirect_url()
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            return HttpResponseRedirect(f"{target}{query}")
        response = super().form_valid(form)
        login_succeeded(self.request, user)
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "").strip()
        if username and form.has_error("__all__", "invalid_login"):
            history.login_event_record(
                request=self.request, username=username, outcome=LoginOutcome.FAILURE
            )
        return super().form_invalid(form)


def _pending_user(request) -> User | None:
    """Who passed the password and has not yet given a code (within the allowed delay)."""
    pk, at = request.session.get(PENDING_USER), request.session.get(PENDING_AT)
    if pk is None or not isinstance(at, int | float):
        return None
    if time.time() - at > settings.TERRITOIRE_2FA_PENDING_SECONDS:
        for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT):
            request.session.pop(key, None)
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def login_verify(request):
    """The second step: a code from the authenticator app or a recovery code. Also where a
    signed-in session that has not passed the second factor (opened before enrolment) proves it."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else _pending_user(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if user is None:
        messages.info(
            request, _("Votre connexion a expiré : saisissez à nouveau votre mot de passe.")
        )
        return redirect("login")
    if signed_in and (request.user.is_verified() or not two_factor.user_has_two_factor(user)):
        request.session[two_factor.SESSION_HAS_DEVICE] = two_factor.user_has_two_factor(user)
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None, user=user, request=request)
    if request.method == "POST":
        if form.is_valid():
            if not signed_in:
                backend = request.session.get(PENDING_BACKEND)
                for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT):
                    request.session.pop(key, None)
                auth_login(request, user, backend=backend)
            otp_login(request, form.device)
            login_succeeded(request, user, method=form.method, device=form.device)
            if form.method == LoginMethod.RECOVERY_CODE:
                left = two_factor.two_factor_status(user).recovery_codes_left
                messages.warning(
                    request,
                    _(
                        "Vous avez utilisé un code de secours : il vous en reste %(n)s. Régénérez-les depuis « Sécurité du compte » s'il en reste peu."
                    )
                    % {"n": left},
                )
            return redirect(next_url)
        if form.has_error("__all__", "invalid"):
            two_factor.two_factor_failed_record(user=user, request=request)
            history.login_event_record(
                request=request,
                username=user.username,
                user=user,
                outcome=LoginOutcome.TWO_FACTOR_FAILURE,
            )
    response = render(request, "accounts/login_verify.html", {"form": form, "next": next_url})
    if form.has_error("__all__", "rate_limited"):
        response.status_code = 429
    return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        sessions.session_forget(request.session.session_key)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; the validators say why a password is refused. Other sessions are
    closed by Django (their password hash no longer matches); the change is audited."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # cycles the session key
        with transaction.atomic():
            sessions.session_rekey(old_key, self.request.session.session_key)
            audit_record(
                actor=self.request.user,
                action="update",
                instance=self.request.user,
                changes={"password": ["••••", "••••"]},
                reason="mot de passe changé",
                ip_address=ratelimit.client_ip(self.request),
            )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = RateLimitedPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
