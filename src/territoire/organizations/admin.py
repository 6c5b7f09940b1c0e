from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin

from .models import Organization, Service


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "slug", "siren", "territory", "email"]
    search_fields = ["name", "siren", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["territory"]


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ["name", "organization", "email"]
    list_filter = ["organization"]
    search_fields = ["name", "organization__name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organization"]
