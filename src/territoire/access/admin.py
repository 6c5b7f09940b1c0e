"""The access rows in the admin: partner accounts are attached here by the data officer
(through ``services.partner_account_set``: the rule and the audit are the service's); requests,
grants, agreements and deliveries are read-only here — they are decided in the workspace
(/espace/acces/, /espace/conventions/) and the API, never edited behind the services' back."""

from __future__ import annotations

from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin
from territoire.trust.models import (
    AccessGrant,
    AccessRequest,
    Agreement,
    AgreementDelivery,
    PartnerAccount,
)

from . import services


@admin.register(PartnerAccount)
class PartnerAccountAdmin(AuditedAdmin):
    list_display = ["user", "organization"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "organization__name"]

    def save_model(self, request, obj, form, change):
        saved = services.partner_account_set(
            actor=request.user, user=obj.user, organization=obj.organization
        )
        obj.pk = saved.pk if saved is not None else obj.pk

    def delete_model(self, request, obj):
        services.partner_account_set(actor=request.user, user=obj.user, organization=None)


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["requester", "dataset", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["requester", "dataset", "decided_by"]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "grantee", "grantee_organization", "expires_at", "revoked_at"]
    list_select_related = ["dataset", "grantee", "grantee_organization"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "partner", "starts_on", "ends_on", "terminated_at"]
    list_select_related = ["partner"]


@admin.register(AgreementDelivery)
class AgreementDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "dataset", "version_number", "status", "pushed_by", "created_at"]
    list_select_related = ["agreement", "dataset", "pushed_by"]
