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
from .security import two_factor


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


def two_factor_key(user) -> str:
    return f"otp:{user.pk}"


class TwoFactorCodeForm(forms.Form):
    """The second step of the login: a code from the authenticator app, or a recovery code.

    Wrong codes are limited per account (TERRITOIRE_2FA_ATTEMPTS, then a lock of
    TERRITOIRE_2FA_WINDOW_SECONDS doubled at each further failure): whoever is here already has
    the password, so the address does not matter. Counted before the code is checked."""

    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=40,
        help_text=_(
            "Les 6 chiffres affichés par votre application d'authentification, ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    error_messages = {
        "rate_limited": _(
            "Trop de codes refusés. Réessayez dans %(minutes)s minute(s), ou utilisez un code de secours plus tard."
        ),
        "invalid": _(
            "Ce code n'est pas valable. Saisissez le code affiché maintenant par votre application (il change toutes les 30 secondes), ou un code de secours non utilisé."
        ),
    }

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.device = None
        self.method = None

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("code")
        if not code:
            return cleaned
        decision = ratelimit.attempt(
            two_factor_key(self.user),
            limit=settings.TERRITOIRE_2FA_ATTEMPTS,
            window=settings.TERRITOIRE_2FA_WINDOW_SECONDS,
        )
        if not decision.allowed:
            raise forms.ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": _minutes(decision.retry_after)},
            )
        self.device, self.method = two_factor.two_factor_verify(user=self.user, token=code)
        if self.device is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ratelimit.forgive(two_factor_key(self.user))
        return cleaned


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code affiché par l'application"),
        max_length=12,
        help_text=_("Les 6 chiffres que l'application affiche pour Territoire, sans espace."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class PasswordConfirmForm(forms.Form):
    """Asks for the current password before a change that weakens or resets the second factor."""

    password = forms.CharField(
        label=_("Votre mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        decision = ratelimit.attempt(
            f"confirm:{self.user.pk}",
            limit=settings.TERRITOIRE_LOGIN_ATTEMPTS,
            window=settings.TERRITOIRE_LOGIN_WINDOW_SECONDS,
        )
        if not decision.allowed:
            raise forms.ValidationError(
                RateLimitedLoginForm.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": _minutes(decision.retry_after)},
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Ce n'est pas votre mot de passe actuel."), code="password_incorrect"
            )
        ratelimit.forgive(f"confirm:{self.user.pk}")
        return password
