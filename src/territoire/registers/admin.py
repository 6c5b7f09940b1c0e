"""The registers in the admin: read-only for everyone but the data officer (stewards edit their
services' entries in the workspace). Saves go through the registers' services, so the edit rule
and the audit are the same as from the workspace."""

from __future__ import annotations

from django.contrib import admin

from territoire.accounts import permissions
from territoire.accounts.admin_base import AuditedAdmin

from . import selectors, services
from .models import Algorithm, ProcessingActivity


class RegisterAdmin(AuditedAdmin):
    list_display = ["name", "service", "is_published", "modified_at"]
    list_filter = ["is_published", "service"]
    search_fields = ["name", "slug"]
    list_select_related = ["service", "service__organization"]
    filter_horizontal = ["datasets"]
    readonly_fields = ["created_at", "modified_at"]
    update = staticmethod(services.processing_update)
    delete = staticmethod(services.processing_delete)

    LINKS = ("datasets",)

    def get_exclude(self, request, obj=None):
        """The links name datasets: shown only to who may change the entry (the data officer),
        never read-only to someone who may not see every linked dataset."""
        excluded = list(super().get_exclude(request, obj) or [])
        if not self.has_change_permission(request, obj):
            excluded += list(self.LINKS)
        return excluded

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "datasets":
            kwargs["queryset"] = selectors.datasets_linkable(request.user)
        elif db_field.name == "processing_activities":
            kwargs["queryset"] = selectors.processing_list_for_actor(request.user).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_register_entry(request.user, obj.service_id)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_register_entry(request.user, obj.service_id)

    def save_model(self, request, obj, form, change):
        """The values go to the service with the links (save_related then has nothing to do)."""
        values = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in ("datasets", "processing_activities")
        }
        links = {
            name: list(form.cleaned_data[name])
            for name in ("datasets", "processing_activities")
            if name in form.cleaned_data
        }
        if change:
            self.update(actor=request.user, entry=obj, **values, **links)
        else:
            obj.pk = self.create(actor=request.user, **values, **links).pk

    def save_related(self, request, form, formsets, change):
        pass

    def delete_model(self, request, obj):
        self.delete(actor=request.user, entry=obj)


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(RegisterAdmin):
    create = staticmethod(services.processing_create)


@admin.register(Algorithm)
class AlgorithmAdmin(RegisterAdmin):
    list_display = ["name", "service", "automation", "is_published", "modified_at"]
    list_filter = ["is_published", "automation", "service"]
    filter_horizontal = ["datasets", "processing_activities"]
    LINKS = ("datasets", "processing_activities")
    create = staticmethod(services.algorithm_create)
    update = staticmethod(services.algorithm_update)
    delete = staticmethod(services.algorithm_delete)
