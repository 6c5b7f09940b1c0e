from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from territoire.core import ratelimit

from . import services


class RateLimitedLoginForm(AuthenticationForm):
    """Refuses further attempts for a while after too many failures from one address or for one account."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": _(
            "Trop de tentatives de connexion. Réessayez dans %(minutes)s minute(s), ou réinitialisez votre mot de passe."
        ),
    }

    def _keys(self) -> list[str]:
        ip = ratelimit.client_ip(self.request) if self.request else "unknown"
        username = (self.data.get("username") or "").strip().lower()
        return [f"login-ip:{ip}", f"login-user:{username}"]

    def clean(self):
        window = settings.TERRITOIRE_LOGIN_WINDOW_SECONDS
        limit = settings.TERRITOIRE_LOGIN_ATTEMPTS
        if any(ratelimit.peek(key, window=window) >= limit for key in self._keys()):
            raise forms.ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": max(window // 60, 1)},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            for key in self._keys():
                ratelimit.hit(key, limit=limit, window=window)
            services.login_failed_record(
                username=self.data.get("username") or "",
                ip_address=ratelimit.client_ip(self.request) if self.request else None,
            )
            raise
