"""Reads of the registers, aware of who is asking. The public reads published entries; every agent
of the territory reads every entry (drafts included); the edit check is
``accounts.permissions.can_edit_register_entry``. Not-found for what an actor may not see."""

from __future__ import annotations

from django.db.models import Model, Prefetch, QuerySet

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.core.errors import NotFound, PermissionRefused
from territoire.organizations.models import Service
from territoire.trust.models import AuditEvent

from .models import Algorithm, ProcessingActivity

KIND_NAMES: dict[type[Model], tuple[str, str]] = {
    ProcessingActivity: ("Traitement", "Processing activity"),
    Algorithm: ("Algorithme", "Algorithm"),
}


def _visible(actor, qs: QuerySet) -> QuerySet:
    if permissions.is_agent(actor):
        return qs
    return qs.filter(is_published=True)


def _with_datasets(actor, qs: QuerySet) -> QuerySet:
    """Linked datasets, only those the actor may see (a private dataset is not named)."""
    visible = catalog_selectors.dataset_list_for_actor(actor).order_by("title")
    return qs.select_related("service", "service__organization").prefetch_related(
        Prefetch("datasets", queryset=visible, to_attr="visible_datasets")
    )


def processing_list_for_actor(actor) -> QuerySet[ProcessingActivity]:
    return _with_datasets(actor, _visible(actor, ProcessingActivity.objects.all()))


def algorithm_list_for_actor(actor) -> QuerySet[Algorithm]:
    processing = _visible(actor, ProcessingActivity.objects.all()).order_by("name")
    return _with_datasets(actor, _visible(actor, Algorithm.objects.all())).prefetch_related(
        Prefetch("processing_activities", queryset=processing, to_attr="visible_processing")
    )


def _get(qs: QuerySet, model: type[Model], slug: str):
    entry = qs.filter(slug=slug).first()
    if entry is None:
        fr, en = KIND_NAMES[model]
        raise NotFound(f"{fr} « {slug} » introuvable.", f"{en} '{slug}' not found.", where="slug")
    return entry


def processing_get_for_actor(actor, slug: str) -> ProcessingActivity:
    return _get(processing_list_for_actor(actor), ProcessingActivity, slug)


def algorithm_get_for_actor(actor, slug: str) -> Algorithm:
    return _get(algorithm_list_for_actor(actor), Algorithm, slug)


def entry_check_editable(actor, service_id: int | None) -> None:
    """The one edit check of a register entry, whatever the entry point."""
    if permissions.can_edit_register_entry(actor, service_id):
        return
    raise PermissionRefused(
        "Vous ne pouvez pas modifier cette entrée du registre : il faut être administrateur des "
        "données ou relais données du service responsable.",
        "You may not change this register entry: you must be the data officer or a steward of "
        "the responsible service.",
        where="service",
    )


def processing_get_editable(actor, slug: str) -> ProcessingActivity:
    entry = processing_get_for_actor(actor, slug)
    entry_check_editable(actor, entry.service_id)
    return entry


def algorithm_get_editable(actor, slug: str) -> Algorithm:
    entry = algorithm_get_for_actor(actor, slug)
    entry_check_editable(actor, entry.service_id)
    return entry


def entries_editable(actor, model: type[Model]) -> QuerySet:
    qs = model._default_manager.select_related("service", "service__organization")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_steward(actor):
        return qs.none()
    return qs.filter(service_id__in=permissions.stewarded_service_ids(actor))


def entry_history(entry: Model) -> list[AuditEvent]:
    """Every audited change of an entry, latest first."""
    return list(
        AuditEvent.objects.filter(
            object_type=entry._meta.label_lower, object_id=str(entry.pk)
        ).order_by("-created_at", "-id")
    )


def datasets_linkable(actor) -> QuerySet[Dataset]:
    """Datasets an entry may name: those the editor may see."""
    return catalog_selectors.dataset_list_for_actor(actor).order_by("title")


def services_assignable(actor) -> QuerySet[Service]:
    """The services an actor may give an entry to: every one for a data officer, the services
    they steward for a steward."""
    qs = Service.objects.select_related("organization").order_by("organization__name", "name")
    if permissions.is_data_officer(actor):
        return qs
    return qs.filter(pk__in=permissions.stewarded_service_ids(actor))
