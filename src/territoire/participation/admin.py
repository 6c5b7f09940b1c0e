"""Participation in the back-office, for the data officer (accounts.permissions.can_admin_model):
the invitation codes the city hands out (residency check), and the moderation log, read-only.
Projects, answers and moderation are done in the workspace (/espace/participation/)."""

from __future__ import annotations

from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin

from .models import InvitationCode, ModerationAction


@admin.register(InvitationCode)
class InvitationCodeAdmin(AuditedAdmin):
    list_display = ["code", "note", "used_at"]
    search_fields = ["code", "note"]
    readonly_fields = ["used_by", "used_at", "created_at", "modified_at"]


@admin.register(ModerationAction)
class ModerationActionAdmin(AuditedAdmin):
    list_display = ["created_at", "act", "kind", "object_id", "moderator", "reason"]
    list_filter = ["act", "kind"]
    readonly_fields = ["kind", "object_id", "act", "moderator", "reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
