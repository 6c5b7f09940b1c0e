"""Reads of the trust records."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import AuditEvent, PersonalDataDecision


def personal_data_decision_latest(dataset) -> PersonalDataDecision | None:
    """The decision in force for a dataset (the latest one), or None if none was ever recorded."""
    return (
        PersonalDataDecision.objects.filter(dataset=dataset)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
        .first()
    )


def personal_data_decision_list(dataset) -> list[PersonalDataDecision]:
    """Every decision taken on a dataset, latest first."""
    return list(
        PersonalDataDecision.objects.filter(dataset=dataset)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
    )


def audit_event_list(
    *,
    actor_text: str = "",
    action: str = "",
    object_text: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """The audit log filtered by who (username), what (action), which object (its name, type or
    id) and period (dates, both included). The caller checks that the reader is a data officer."""
    events = AuditEvent.objects.all()
    if actor_text:
        events = events.filter(actor_repr__icontains=actor_text)
    if action:
        events = events.filter(action=action)
    if object_text:
        events = events.filter(
            Q(object_repr__icontains=object_text)
            | Q(object_type__icontains=object_text)
            | Q(object_id=object_text)
        )
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")
