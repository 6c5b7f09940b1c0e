"""The login and password-reset forms, with their limits (core.ratelimit).

Login: wrong passwords are limited per account *and* address (TERRITOIRE_LOGIN_ATTEMPTS, then a
lock of TERRITOIRE_LOGIN_WINDOW_SECONDS doubled at each further failure), so that a stranger who
types wrong passwords for a staff account locks only themselves out: the account's owner, from
another address, still signs in. Each attempt is counted before the password is checked, so
concurrent attempts in several web processes cannot get past the limit.

Password reset: requests are limited per address (a form error) and per e-mail address asked for
(beyond it the same "sent" page, and no e-mail), whether or not an account has that address, so
the limit says nothing about which accounts exist.
"""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from territoire.core import ratelimit

from . import services


def login_key(request, username: str) -> str:
    address = ratelimit.client_bucket(request) if request is not None else "unknown"
    return f"login:{username.strip().lower()}|{address}"


def _minutes(seconds: int) -> int:
    return max(math.ceil(seconds / 60), 1)


class RateLimitedLoginForm(AuthenticationForm):
    """Django's login form behind the per-account-and-address lock (see the module)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": _(
            "Trop de tentatives de connexion. Réessayez dans %(minutes)s minute(s), ou réinitialisez votre mot de passe."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()  # nothing to check, nothing counted
        key = login_key(self.request, username)
        decision = ratelimit.attempt(
            key,
            limit=settings.TERRITOIRE_LOGIN_ATTEMPTS,
            window=settings.TERRITOIRE_LOGIN_WINDOW_SECONDS,
        )
        if not decision.allowed:
            raise forms.ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": _minutes(decision.retry_after)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failed_record(
                username=username,
                ip_address=ratelimit.client_ip(self.request) if self.request else None,
            )
            raise
        ratelimit.forgive(key)
        return cleaned


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's password-reset form, limited per address and per e-mail address (see the module)."""

    error_messages = {
        "rate_limited": _(
            "Trop de demandes de réinitialisation depuis votre adresse. Réessayez dans %(minutes)s minute(s)."
        ),
    }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.retry_after: int | None = None

    def clean(self):
        cleaned = super().clean()
        address = ratelimit.client_bucket(self.request) if self.request else "unknown"
        window = ratelimit.hit(f"reset-ip:{address}", settings.TERRITOIRE_PASSWORD_RESET_IP_RATE)
        if not window.allowed:
            self.retry_after = window.retry_after
            raise forms.ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": _minutes(window.retry_after)},
            )
        return cleaned

    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"]
        window = ratelimit.hit(
            f"reset-email:{ratelimit.digest(email)}", settings.TERRITOIRE_PASSWORD_RESET_EMAIL_RATE
        )
        if window.allowed:
            super().save(*args, **kwargs)
