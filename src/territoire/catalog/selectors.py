"""Reads of the catalogue, aware of who is asking. One access check per resource."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.core.errors import NotFound

from .models import Dataset
from .vocabularies import AccessLevel

SCOPE_ALL = "all"
SCOPE_PUBLIC = "public"


def shared_scope(actor) -> str | None:
    """``SCOPE_ALL`` (data officers) or ``SCOPE_PUBLIC`` (anonymous readers) when what the actor
    may see is the same for every actor of that kind; None when it depends on who they are."""
    if permissions.is_data_officer(actor):
        return SCOPE_ALL
    if not permissions.is_authenticated(actor):
        return SCOPE_PUBLIC
    return None


def dataset_list_for_scope(scope: str) -> QuerySet[Dataset]:
    """Datasets visible in a shared scope (see :func:`shared_scope`)."""
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    if scope == SCOPE_ALL:
        return qs
    if scope == SCOPE_PUBLIC:
        return qs.filter(is_published=True, access_level=AccessLevel.PUBLIC)
    raise ValueError(f"unknown scope {scope!r}")


def dataset_list_for_actor(actor) -> QuerySet[Dataset]:
    """Datasets the actor may see: the public sees published public datasets only."""
    scope = shared_scope(actor)
    if scope is not None:
        return dataset_list_for_scope(scope)
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    public = Q(is_published=True, access_level=AccessLevel.PUBLIC)
    visible = public | Q(steward_id=actor.id)
    if permissions.is_agent(actor):
        visible |= Q(access_level__in=[AccessLevel.PUBLIC, AccessLevel.INTERNAL])
        services = permissions.member_service_ids(actor)
        if services:
            visible |= Q(access_level=AccessLevel.RESTRICTED, publisher_service_id__in=services)
        stewarded = permissions.stewarded_service_ids(actor)
        if stewarded:
            visible |= Q(publisher_service_id__in=stewarded)
    return qs.filter(visible)


def dataset_get_for_actor(actor, slug: str) -> Dataset:
    """The dataset, or NotFound — the same answer whether it does not exist or is not visible."""
    dataset = dataset_list_for_actor(actor).filter(slug=slug).first()
    if dataset is None:
        raise NotFound(
            f"Jeu de données « {slug} » introuvable.", f"Dataset '{slug}' not found.", where="slug"
        )
    return dataset
