"""Reads of the trust records."""

from __future__ import annotations

from .models import PersonalDataDecision


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
