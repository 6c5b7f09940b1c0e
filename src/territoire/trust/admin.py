"""The audit log and the personal-data decisions in the admin: read-only lists for data officers.

Nothing here writes: events are appended by the services, decisions are taken through
catalog.services.personal_data_decision_record. The audit log sits below accounts (every app,
accounts included, writes to it), so these classes ask the user model itself whether the person is
a data officer (``User.is_data_officer``, the rule accounts.permissions.is_data_officer uses); the
admin site lets in active staff accounts only.
"""

from django.contrib import admin

from .models import AuditEvent, PersonalDataDecision


def _is_data_officer(request) -> bool:
    user = request.user
    return user.is_active and bool(getattr(user, "is_data_officer", False))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for the data officer; nobody can add, change or delete events."""

    list_display = [
        "created_at",
        "actor_repr",
        "action",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "object_repr", "object_id", "reason"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_per_page = 100

    def has_view_permission(self, request, obj=None):
        return _is_data_officer(request)

    def has_module_permission(self, request):
        return _is_data_officer(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataDecision)
class PersonalDataDecisionAdmin(admin.ModelAdmin):
    """Read-only list for the data officer: decisions are taken through the service (audited)."""

    list_display = ["created_at", "dataset", "decision", "decided_by", "reason"]
    list_filter = ["decision"]
    search_fields = ["dataset__title", "reason", "decided_by__username"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in PersonalDataDecision._meta.fields]
    list_select_related = ["dataset", "decided_by"]

    def has_view_permission(self, request, obj=None):
        return _is_data_officer(request)

    def has_module_permission(self, request):
        return _is_data_officer(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
