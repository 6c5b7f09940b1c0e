"""Account security on every request (after authentication and django-otp's OTPMiddleware):

- the session's last activity, written at most once a minute (security.sessions), so that an
  account lists its sessions and closes the ones it does not recognise;
- the second factor: an account with an authenticator whose session has not passed it (a session
  opened before enrolment) is asked for a code before anything else; an account whose role requires
  one (TERRITOIRE_2FA_REQUIRED_ROLES) and has none is sent to enrol before any page: the portal
  shows a signed-in account the non-public data its role opens, so it is guarded like the
  workspace and the admin.

API tokens are not sessions: requests that carry one never reach these rules. On the APIs, a
session that lacks its second factor counts as anonymous (accounts.authentication)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .security import sessions, two_factor

# What a session on its way through the second factor still reaches: static files, the language
# switch, and the machine interfaces, where such a session counts as anonymous instead
# (accounts.authentication): a redirect to a form would mean nothing to a client.
OPEN_PREFIXES = ("/static/", "/i18n/", "/api/", "/catalogue", "/open311/")


def _always_open() -> tuple[str, ...]:
    """Paths an account on its way through the second factor still reaches."""
    return (
        reverse("login_verify"),
        reverse("logout"),
        reverse("admin:logout"),
        reverse("workspace:security"),  # enrolment, and its POSTs below it
    )


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            sessions.session_seen(request=request, user=user)
            refusal = self._second_factor(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _second_factor(request, user):
        path = request.path
        if path.startswith(OPEN_PREFIXES) or path.startswith(_always_open()):
            return None
        if not two_factor.session_lacks_second_factor(request, user):
            return None
        if two_factor.session_has_device(request, user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('login_verify')}?{query}")
        return redirect(f"{reverse('workspace:security')}?inscription=1")
