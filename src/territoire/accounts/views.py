from django.contrib.auth import views as auth_views
from django.db import transaction

from territoire.core import ratelimit
from territoire.trust.services import audit_record

from .forms import RateLimitedLoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = RateLimitedLoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        with transaction.atomic():
            audit_record(
                actor=form.get_user(),
                action="login",
                instance=form.get_user(),
                ip_address=ratelimit.client_ip(self.request),
            )
        return response
