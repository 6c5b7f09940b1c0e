"""Reads of the catalogue, aware of who is asking. One access check per resource."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.core.errors import NotFound

from .models import Dataset
from .vocabularies import AccessLevel


def dataset_list_for_actor(actor) -> QuerySet[Dataset]:
    """Datasets the actor may see: the public sees published public datasets only."""
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    if permissions.is_data_officer(actor):
        return qs
    public = Q(is_published=True, access_level=AccessLevel.PUBLIC)
    if not permissions.is_authenticated(actor):
        return qs.filter(public)
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
