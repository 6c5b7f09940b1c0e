from django.contrib import admin

from territoire.accounts import permissions
from territoire.core.admin import AuditedAdmin
from territoire.organizations.models import Service

from . import selectors
from .models import Dataset, Distribution, Theme


class DistributionInline(admin.TabularInline):
    model = Distribution
    extra = 0
    fields = ["title", "format", "download_url", "file", "byte_size"]
    readonly_fields = ["byte_size"]

    def has_view_permission(self, request, obj=None):
        return permissions.is_agent(request.user)

    def has_change_permission(self, request, obj=None):
        return obj is None or permissions.can_edit_dataset(request.user, obj)

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Dataset)
class DatasetAdmin(AuditedAdmin):
    list_display = [
        "title",
        "publisher",
        "publisher_service",
        "steward",
        "access_level",
        "is_published",
        "frequency",
        "modified_at",
    ]
    list_filter = [
        "access_level",
        "is_published",
        "publisher",
        "publisher_service",
        "themes",
        "licence",
        "frequency",
    ]
    search_fields = ["title", "slug", "description", "keywords"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["territories", "steward"]
    filter_horizontal = ["themes"]
    list_select_related = ["publisher", "publisher_service", "steward"]
    inlines = [DistributionInline]
    date_hierarchy = "modified_at"
    readonly_fields = ["published_at", "created_at", "modified_at"]
    fieldsets = (
        (None, {"fields": ("title", "slug", "description")}),
        (
            "Producteur",
            {
                "fields": (
                    "publisher",
                    "publisher_service",
                    "steward",
                    "contact_name",
                    "contact_email",
                )
            },
        ),
        (
            "Description DCAT-AP",
            {
                "fields": (
                    "themes",
                    "keywords",
                    "territories",
                    "licence",
                    "frequency",
                    "temporal_start",
                    "temporal_end",
                    "landing_page",
                )
            },
        ),
        (
            "Accès et publication",
            {
                "fields": (
                    "access_level",
                    "is_published",
                    "published_at",
                    "created_at",
                    "modified_at",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return selectors.dataset_list_for_actor(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit_dataset(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_data_officer(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "publisher_service" and not permissions.is_data_officer(request.user):
            kwargs["queryset"] = Service.objects.filter(
                id__in=permissions.stewarded_service_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Distribution)
class DistributionAdmin(AuditedAdmin):
    list_display = ["title", "dataset", "format", "byte_size", "modified_at"]
    list_filter = ["format"]
    search_fields = ["title", "dataset__title"]
    list_select_related = ["dataset"]


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ["label_fr", "code", "label_en"]
    search_fields = ["label_fr", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
