"""Participation in the back-office, for the data officer (accounts.permissions.can_admin_model):
the invitation codes the city hands out (residency check), the moderation log, read-only, and
consultations (changed through ``services.consultation_update``, the workspace's and the API's
rule). Projects, answers and moderation are done in the workspace (/espace/participation/)."""

from __future__ import annotations

from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin

from . import services
from .models import Consultation, InvitationCode, ModerationAction


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


@admin.register(Consultation)
class ConsultationAdmin(AuditedAdmin):
    """Dates, title, description and conditions; the questions are edited in the workspace. A
    change the consultation's state no longer allows is refused with the reason (nothing saved)."""

    list_display = ["title", "project", "opens_at", "closes_at", "results_published_at"]
    search_fields = ["title", "slug"]
    fields = ["title", "description", "opens_at", "closes_at", "requires_residency"]

    def has_add_permission(self, request):
        return False  # created with its questions in the workspace

    def has_delete_permission(self, request, obj=None):
        return False  # its answers and published results are the participants' record

    def save_model(self, request, obj, form, change):
        current = Consultation.objects.select_related("project").get(pk=obj.pk)
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        services.consultation_update(actor=request.user, consultation=current, **values)
