"""Versions and ingestion jobs in the admin: read-only, they change only through the lake services."""

from django.contrib import admin

from territoire.accounts.admin_base import AuditedAdmin

from .models import DatasetVersion, IngestJob


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "dataset",
        "number",
        "row_count",
        "byte_size",
        "conformity",
        "source_name",
        "created_by",
        "created_at",
    ]
    list_filter = ["conformity", "source_format", "created_at"]
    search_fields = [
        "dataset__title",
        "dataset__slug",
        "source_name",
        "source_checksum",
        "parquet_checksum",
    ]
    list_select_related = ["dataset", "created_by"]
    date_hierarchy = "created_at"


@admin.register(IngestJob)
class IngestJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "dataset",
        "kind",
        "status",
        "progress",
        "stage",
        "source_name",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["dataset__title", "dataset__slug", "source_name"]
    list_select_related = ["dataset", "created_by"]
    date_hierarchy = "created_at"
