from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions, services
from .admin_base import AuditedAdmin
from .models import ApiToken, Membership, TokenScope, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["service"]

    def has_view_permission(self, request, obj=None):
        return permissions.is_data_officer(request.user)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "memberships__service"]
    search_fields = ["username", "email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "email")}),
        (_("Rôle et accès"), {"fields": ("role", "is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes another one: a data officer cannot raise anyone (or themselves)
        # above the data officer's rights.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "service", "role"]
    list_filter = ["role", "service__organization"]
    search_fields = ["user__username", "service__name"]
    autocomplete_fields = ["user", "service"]


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Portées"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
    )
    days = forms.IntegerField(
        label=_("Validité (jours)"), min_value=1, max_value=3650, initial=365, required=False
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are created through accounts.services.token_create; the secret is shown once."""

    form = ApiTokenForm
    list_display = ["name", "user", "key_id", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "key_id"]
    readonly_fields = ["key_id", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        return qs if permissions.is_data_officer(request.user) else qs.filter(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                ["user", "name", "scopes", "days"]
                if permissions.is_data_officer(request.user)
                else ["name", "scopes", "days"]
            )
        return ["user", "name", "key_id", "expires_at", "revoked_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "name", "key_id", "expires_at", "revoked_at", "last_used_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        user = form.cleaned_data.get("user") or request.user
        token, plaintext = services.token_create(
            actor=request.user,
            user=user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data.get("days"),
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Jeton créé. Copiez-le maintenant, il ne sera plus jamais affiché : %(t)s")
            % {"t": plaintext},
        )

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(actor=request.user, token=token)
        self.message_user(request, _("Jetons révoqués."))


# django-otp registers admin pages for its devices, which show the TOTP key and its QR code, and
# would let an admin edit a device without audit. Second factors are managed from « Sécurité du
# compte » (workspace) only: enrolment by the account itself, removal by it or the data officer.
# django_otp's plugins come before accounts in INSTALLED_APPS, so their admin modules ran first.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
