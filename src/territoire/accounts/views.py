from django.contrib.auth import views as auth_views
from django.db import transaction

from territoire.core import ratelimit
from territoire.trust.services import audit_record

from .forms import RateLimitedLoginForm, RateLimitedPasswordResetForm


class LoginView(auth_views.LoginView):
    """The one login page (the back-office's /admin/login/ is routed here too), so that every
    sign-in goes through the same limits and the same audit."""

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
