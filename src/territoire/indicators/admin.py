"""Indicators, evaluations and dashboards in the admin (the data officer's): read, delete and
make public — each through the indicators' services, so the admin follows the same rules as
the API and the workspace (an indicator in use is not deleted; a dashboard with non-public
indicators becomes public only by the officer's decision, with its reason). They are built in
the workspace (the builder and the composer), not here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from territoire.accounts.admin_base import AuditedAdmin
from territoire.catalog.vocabularies import AccessLevel

from . import services
from .models import Dashboard, Evaluation, Indicator


class ServiceDeletes(AuditedAdmin):
    """Deletes go through the indicators' service (``delete_with``), one object at a time."""

    delete_with = staticmethod(lambda **kwargs: None)
    argument = ""

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        self.delete_with(actor=request.user, reason="administration", **{self.argument: obj})

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def get_deleted_objects(self, objs, request):
        # What goes with the object is the service's to say (and to refuse): the admin's own
        # per-model permission check on the cascade does not apply.
        deleted, counts, _perms, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected


@admin.register(Indicator)
class IndicatorAdmin(ServiceDeletes):
    delete_with = staticmethod(services.indicator_delete)
    argument = "indicator"
    list_display = ["title", "publisher_service", "access_level", "is_published", "state"]
    list_filter = ["access_level", "is_published", "state"]
    search_fields = ["title", "slug"]
    list_select_related = ["publisher_service"]

    def has_change_permission(self, request, obj=None):
        return False  # the builder is in the workspace


@admin.register(Evaluation)
class EvaluationAdmin(ServiceDeletes):
    delete_with = staticmethod(services.evaluation_delete)
    argument = "evaluation"
    list_display = ["title", "indicator", "intervention_date"]
    search_fields = ["title", "slug"]
    list_select_related = ["indicator"]

    def has_change_permission(self, request, obj=None):
        return False


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = ["title", "description", "access_level", "publication_reason"]
        help_texts = {
            "publication_reason": _(
                "Obligatoire pour le rendre public : votre décision, qui publie aussi les "
                "indicateurs non publics qu'il montre."
            )
        }


@admin.register(Dashboard)
class DashboardAdmin(ServiceDeletes):
    delete_with = staticmethod(services.dashboard_delete)
    argument = "dashboard"
    form = DashboardForm
    list_display = ["title", "publisher_service", "access_level", "published_at"]
    list_filter = ["access_level"]
    search_fields = ["title", "slug"]
    list_select_related = ["publisher_service"]
    readonly_fields = ["published_at", "published_by"]

    def save_model(self, request, obj, form, change):
        current = Dashboard.objects.get(pk=obj.pk)
        data = form.cleaned_data
        becomes_public = (
            data["access_level"] == AccessLevel.PUBLIC
            and current.access_level != AccessLevel.PUBLIC
        )
        services.dashboard_update(
            actor=request.user, dashboard=current, title=data["title"],
            description=data["description"],
            access_level=None if becomes_public else data["access_level"],
        )  # fmt: skip
        if becomes_public:
            services.dashboard_publish(
                actor=request.user, dashboard=current, reason=data["publication_reason"] or ""
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # no relation is edited here
