"""The admin is the data officers' back-office: every save and delete goes through the audited services,
and every permission question goes to accounts.permissions."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from territoire.accounts import permissions
from territoire.trust.services import audit_record, audited_delete, audited_save


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes write audit events (old → new) in the same transaction as the change."""

    list_per_page = 50

    def _label(self) -> str:
        return self.model._meta.label_lower

    def has_view_permission(self, request, obj=None):
        return permissions.can_admin_model(request.user, self._label(), "view")

    def has_add_permission(self, request):
        return permissions.can_admin_model(request.user, self._label(), "add")

    def has_change_permission(self, request, obj=None):
        return permissions.can_admin_model(request.user, self._label(), "change")

    def has_delete_permission(self, request, obj=None):
        return permissions.can_admin_model(request.user, self._label(), "delete")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def _m2m_state(self, obj) -> dict[str, list[str]]:
        if obj.pk is None:
            return {}
        return {
            f.name: sorted(str(o) for o in getattr(obj, f.name).all())
            for f in obj._meta.many_to_many
        }

    def save_model(self, request, obj, form, change):
        request._audit_m2m_before = self._m2m_state(obj) if change else {}
        audited_save(actor=request.user, instance=obj)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            before = getattr(request, "_audit_m2m_before", {})
            after = self._m2m_state(form.instance)
            changes = {
                k: [before.get(k, []), v] for k, v in after.items() if before.get(k, []) != v
            }
            if changes:
                audit_record(
                    actor=request.user, action="update", instance=form.instance, changes=changes
                )

    def delete_model(self, request, obj):
        audited_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audited_delete(actor=request.user, instance=obj)
