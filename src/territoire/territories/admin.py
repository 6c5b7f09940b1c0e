from django.contrib import admin

from territoire.accounts import permissions
from territoire.accounts.admin_base import AuditedAdmin

from .models import EpciMembership, Territory


class MembershipInline(admin.TabularInline):
    model = EpciMembership
    fk_name = "epci"
    extra = 0
    raw_id_fields = ["commune"]
    verbose_name_plural = "Communes membres"

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return permissions.is_data_officer(request.user)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(Territory)
class TerritoryAdmin(AuditedAdmin):
    list_display = [
        "name",
        "kind",
        "code",
        "siren",
        "population",
        "departement_code",
        "has_geometry",
    ]
    list_filter = ["kind", "departement_code", "epci_type"]
    search_fields = ["name", "code", "siren"]
    raw_id_fields = ["parent"]
    readonly_fields = ["geometry_source"]
    exclude = ["members"]
    inlines = [MembershipInline]
    fields = [
        "kind",
        "code",
        "name",
        "siren",
        "epci_type",
        "population",
        "parent",
        "departement_code",
        "region_code",
        "postal_codes",
        "geometry",
        "geometry_source",
    ]

    @admin.display(boolean=True, description="Contour")
    def has_geometry(self, obj):
        return obj.geometry is not None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").defer("geometry")
