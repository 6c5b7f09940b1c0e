"""The catalogue in the admin. Every change goes through catalog.services, as from any other entry
point: the edit rule per object, the personal-data and publication rules, the audit. A steward
sees their services' datasets and distributions only and changes those of the services they
steward; ``is_published`` changes through the « Publier » / « Dépublier » actions (the one
publication service), never through the form."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from territoire.accounts import permissions
from territoire.accounts.admin_base import AuditedAdmin
from territoire.accounts.models import User
from territoire.core.errors import TerritoireError
from territoire.organizations.models import Service

from . import selectors, services
from .forms import KeywordsField
from .models import Dataset, Distribution, Theme

DISTRIBUTION_FORM_FIELDS = ["title", "format", "media_type", "download_url", "file"]


def _changed(form, fields) -> dict:
    return {name: form.cleaned_data[name] for name in fields if name in form.changed_data}


def _distribution_values(form) -> dict:
    values = _changed(form, ["dataset", *DISTRIBUTION_FORM_FIELDS])
    if "file" in values and not values["file"]:
        values.pop("file")  # clearing a stored file is done by deleting the distribution
    return values


def _distribution_save(request, form, dataset=None) -> Distribution:
    """A distribution form saved through the catalogue's services."""
    instance = form.instance
    if instance.pk is None:
        data = form.cleaned_data
        return services.distribution_create(
            actor=request.user,
            dataset=dataset or data["dataset"],
            title=data["title"],
            format=data["format"],
            media_type=data.get("media_type") or "",
            download_url=data.get("download_url") or "",
            file=data.get("file") or None,
        )
    return services.distribution_update(
        actor=request.user, distribution=instance, **_distribution_values(form)
    )


class DistributionInline(admin.TabularInline):
    model = Distribution
    extra = 0
    fields = ["title", "format", "download_url", "file", "byte_size"]
    readonly_fields = ["byte_size"]

    def has_view_permission(self, request, obj=None):
        return permissions.is_agent(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_admin_model(request.user, "catalog.distribution", "change")
        return permissions.can_edit_dataset(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


def _submit(*, actor, dataset, reason):
    return services.dataset_submit(actor=actor, dataset=dataset, comment=reason)


def _request_decision(*, actor, dataset, reason):
    return services.personal_data_review_request(actor=actor, dataset=dataset, comment=reason)


@admin.register(Dataset)
class DatasetAdmin(AuditedAdmin):
    list_display = [
        "title",
        "publisher",
        "publisher_service",
        "steward",
        "access_level",
        "publication_state",
        "frequency",
        "modified_at",
    ]
    list_filter = [
        "access_level",
        "publication_state",
        "publisher",
        "publisher_service",
        "themes",
        "licence",
        "frequency",
    ]
    search_fields = ["title", "slug", "description", "keywords"]
    filter_horizontal = ["themes"]
    list_select_related = ["publisher", "publisher_service", "steward"]
    inlines = [DistributionInline]
    date_hierarchy = "modified_at"
    actions = ["publish", "unpublish", "submit", "request_decision"]
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
                "description": _(
                    "La publication passe par les actions « Publier », « Soumettre » et "
                    "« Dépublier » de la liste des jeux de données, ou par l'espace de travail : "
                    "elles appliquent les règles de publication (relecture, données "
                    "personnelles) et sont journalisées."
                ),
                "fields": (
                    "access_level",
                    "publication_state",
                    "review_comment",
                    "is_published",
                    "published_at",
                    "created_at",
                    "modified_at",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return selectors.dataset_list_managed(request.user).select_related("steward")

    def get_readonly_fields(self, request, obj=None):
        # The slug names the dataset in every URL and API reusers call: set once, at creation.
        fixed = [
            "is_published",
            "publication_state",
            "review_comment",
            "published_at",
            "created_at",
            "modified_at",
        ]
        return [*fixed, "slug"] if obj is not None else fixed

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "keywords":  # « vélo, stations, mobilité », not JSON
            return KeywordsField(label=db_field.verbose_name.capitalize())
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_autocomplete_fields(self, request):
        # Choosing any account as steward is for data officers; a steward picks among the members
        # of their services (see get_form).
        if permissions.is_data_officer(request.user):
            return ["territories", "steward"]
        return ["territories"]

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit_dataset(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_data_officer(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("steward")
        if field is not None and not permissions.is_data_officer(request.user):
            # a steward picks among the members of their services; the steward a data officer
            # named stays a valid choice when a steward edits the rest
            stewarded = permissions.stewarded_service_ids(request.user)
            named = Q(pk=obj.steward_id) if obj is not None and obj.steward_id else Q(pk=None)
            field.queryset = User.objects.filter(
                Q(memberships__service_id__in=stewarded) | named
            ).distinct()
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not permissions.is_data_officer(request.user):
            stewarded = permissions.stewarded_service_ids(request.user)
            if db_field.name == "publisher_service":
                kwargs["queryset"] = Service.objects.filter(id__in=stewarded)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = _changed(form, services.EDITABLE_FIELDS)
        themes = [t.code for t in form.cleaned_data.get("themes", [])]
        territories = list(form.cleaned_data.get("territories", []))
        if change:
            services.dataset_update(
                actor=request.user,
                dataset=Dataset.objects.get(pk=obj.pk),
                themes=themes if "themes" in form.changed_data else None,
                territories=territories if "territories" in form.changed_data else None,
                **values,
            )
        else:
            created = services.dataset_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                publisher=form.cleaned_data["publisher"],
                slug=form.cleaned_data.get("slug") or None,
                themes=themes,
                territories=territories,
                **{k: v for k, v in values.items() if k not in {"title", "publisher"}},
            )
            obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The themes and territories were set by the service; the inline distributions go
        # through the distribution services one by one.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        # What formset.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                services.distribution_delete(actor=request.user, distribution=inline_form.instance)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            created = inline_form.instance.pk is None
            saved = _distribution_save(request, inline_form, dataset=form.instance)
            if created:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, inline_form.changed_data))

    def delete_model(self, request, obj):
        services.dataset_delete(actor=request.user, dataset=obj)

    @admin.action(description=_("Publier les jeux de données sélectionnés"))
    def publish(self, request, queryset):
        self._publication(request, queryset, services.dataset_publish, _("publié(s)"))

    @admin.action(description=_("Dépublier les jeux de données sélectionnés"))
    def unpublish(self, request, queryset):
        self._publication(request, queryset, services.dataset_unpublish, _("dépublié(s)"))

    @admin.action(description=_("Soumettre à l'administrateur des données pour publication"))
    def submit(self, request, queryset):
        self._publication(request, queryset, _submit, _("soumis"))

    @admin.action(description=_("Demander une décision sur les données personnelles"))
    def request_decision(self, request, queryset):
        self._publication(
            request, queryset, _request_decision, _("demande(s) de décision envoyée(s)")
        )

    def _publication(self, request, queryset, change, done) -> None:
        """Each dataset through the publication service: a refusal (personal data without a
        decision, no right on that dataset) is reported and leaves that dataset as it was."""
        changed = 0
        for dataset in queryset:
            try:
                change(actor=request.user, dataset=dataset, reason="administration")
            except TerritoireError as exc:
                self.message_user(request, f"{dataset} : {exc.localized()}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} {done}.", messages.SUCCESS)


@admin.register(Distribution)
class DistributionAdmin(AuditedAdmin):
    list_display = ["title", "dataset", "format", "byte_size", "modified_at"]
    list_filter = ["format"]
    search_fields = ["title", "dataset__title"]
    list_select_related = ["dataset"]
    fields = ["dataset", *DISTRIBUTION_FORM_FIELDS, "byte_size", "checksum"]
    readonly_fields = ["byte_size", "checksum"]

    def get_queryset(self, request):
        managed = selectors.dataset_list_managed(request.user)
        return super().get_queryset(request).filter(Q(dataset__in=managed.values("pk")))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit_dataset(request.user, obj.dataset)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return permissions.can_edit_dataset(request.user, obj.dataset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dataset":  # only datasets the person may change, titles included
            kwargs["queryset"] = selectors.dataset_list_editable(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = _distribution_save(request, form)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.distribution_delete(actor=request.user, distribution=obj)


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ["label_fr", "code", "label_en"]
    search_fields = ["label_fr", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
