"""The base of every admin class: permission questions go to accounts.permissions, saves and
deletes to the audited services, and a refusal from a service is a message, not a server error.

It lives in accounts, above trust (the audit log) and below every app whose models it serves.
Subclasses answer per object (``has_change_permission(request, obj)``) and route their saves
through their app's services where the app has rules (catalog.admin).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect

from territoire.core.errors import TerritoireError
from territoire.trust.services import audit_record, audited_delete, audited_save

from . import permissions


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

    def refused(self, request, exc: TerritoireError) -> HttpResponseRedirect:
        """A service refused the change (nothing was written): say why, back to the same page."""
        self.message_user(request, exc.localized(), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TerritoireError as exc:  # the view's transaction is rolled back
            return self.refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except TerritoireError as exc:
            return self.refused(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():  # an action refused half-way leaves nothing behind
                return super().changelist_view(request, extra_context)
        except TerritoireError as exc:
            return self.refused(request, exc)

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
                self.delete_model(request, obj)
