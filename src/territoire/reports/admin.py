"""Report categories in the back-office: the data officer creates them and routes each to a
service (audited saves through AuditedAdmin). Reports themselves are handled in the workspace
(/espace/signalements/), where the service's rules and notifications apply."""

from __future__ import annotations

from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin

from .models import ReportCategory


@admin.register(ReportCategory)
class ReportCategoryAdmin(AuditedAdmin):
    list_display = ["name", "code", "service", "is_active", "position"]
    list_filter = ["is_active", "service"]
    search_fields = ["name", "code"]
    list_select_related = ["service", "service__organization"]
    readonly_fields = ["created_at", "modified_at"]
