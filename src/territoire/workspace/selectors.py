"""Reads of the workspace: which services an actor may give a dataset to, who may be its steward."""

from __future__ import annotations

from django.db.models import QuerySet

from territoire.accounts import permissions
from territoire.accounts.models import Membership
from territoire.organizations.models import Service


def service_list_assignable(actor) -> QuerySet[Service]:
    """The services an actor may make a dataset's producer: every one for a data officer, the
    services they steward for a steward (the rule of catalog's ``_check_people``)."""
    services = Service.objects.select_related("organization")
    if permissions.is_data_officer(actor):
        return services
    return services.filter(pk__in=permissions.stewarded_service_ids(actor))


def steward_candidates(services: QuerySet[Service]) -> list[tuple[Service, list]]:
    """The members of each service, who may be named steward of its datasets, by service."""
    by_service: dict[int, list] = {}
    memberships = (
        Membership.objects.filter(service__in=services, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    for membership in memberships:
        by_service.setdefault(membership.service_id, []).append(membership.user)
    return [(service, by_service[service.pk]) for service in services if service.pk in by_service]
