"""Reads of the workspace: which services an actor may give a dataset to, who may be its
steward, and the inventory the data officer follows (late updates, personal data, review)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from territoire.accounts import permissions
from territoire.accounts.models import Membership
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import ColumnDescription, Dataset, PublicationReviewRule
from territoire.catalog.vocabularies import FREQUENCY_DAYS
from territoire.organizations.models import Service
from territoire.records.selectors.fields import source_label
from territoire.trust.models import PersonalDataDecision

from .quality import Quality, documented_columns, quality_score


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


def _flag_label(flag: dict) -> str:
    """A flagged column as its header reads, without dBase suffixes (« Tel », not "Tel,C,254")."""
    column = str(flag.get("column") or "?")
    return source_label({"id": column, "label": flag.get("label") or column})


@dataclass
class InventoryRow:
    """One dataset as the data officer follows it."""

    dataset: Dataset
    last_update: datetime.datetime | None
    flagged_columns: list[str]
    decision: PersonalDataDecision | None
    is_overdue: bool
    documented_columns: int
    quality: Quality | None = None

    @property
    def is_flagged(self) -> bool:
        return bool(self.flagged_columns)

    @property
    def needs_decision(self) -> bool:
        """Flagged and never decided, or a steward asked for a decision."""
        requested = self.dataset.personal_data_review_requested_at is not None
        return requested or (self.is_flagged and self.decision is None)

    @property
    def due_since(self) -> datetime.datetime | None:
        days = FREQUENCY_DAYS.get(self.dataset.frequency)
        if days is None or self.last_update is None:
            return None
        return self.last_update + datetime.timedelta(days=days)


def _is_overdue(dataset: Dataset, last_update, now) -> bool:
    days = FREQUENCY_DAYS.get(dataset.frequency)
    if days is None:
        return False
    return last_update is None or now - last_update > datetime.timedelta(days=days)


def inventory(actor) -> list[InventoryRow]:
    """Every dataset the actor manages (all of them for the data officer), with what the data
    officer follows: last update and whether it is late for its frequency, personal-data flags
    and the decision in force, documented columns, the quality score. Five queries, whatever
    the number."""
    datasets = list(
        catalog_selectors.dataset_list_managed(actor)
        .select_related("steward", "lake__current_version", "personal_data_review_requested_by")
        .defer("lake__current_version__report", "lake__current_version__validation")
        .annotate(
            theme_count=Count("themes", distinct=True),
            territory_count=Count("territories", distinct=True),
        )
        .order_by("publisher_service__name", "title")
    )
    ids = [d.pk for d in datasets]
    decisions: dict[int, PersonalDataDecision] = {}
    for decision in (
        PersonalDataDecision.objects.filter(dataset_id__in=ids)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
    ):
        decisions.setdefault(decision.dataset_id, decision)
    documented = dict(
        ColumnDescription.objects.filter(dataset_id__in=ids)
        .values("dataset_id")
        .annotate(n=Count("id"))
        .values_list("dataset_id", "n")
    )
    labelled = documented_columns(ids)
    now = timezone.now()
    rows = []
    for dataset in datasets:
        lake = getattr(dataset, "lake", None)
        version = lake.current_version if lake is not None else None
        last = version.created_at if version is not None else None
        flags = version.personal_data if version is not None else []
        rows.append(
            InventoryRow(
                dataset=dataset,
                last_update=last,
                flagged_columns=sorted({_flag_label(f) for f in flags or []}),
                decision=decisions.get(dataset.pk),
                is_overdue=_is_overdue(dataset, last, now),
                documented_columns=documented.get(dataset.pk, 0),
                quality=quality_score(
                    dataset,
                    version=version,
                    schema_ref=lake.schema_ref if lake is not None else "",
                    documented=labelled.get(dataset.pk, set()),
                    theme_count=dataset.theme_count,
                    territory_count=dataset.territory_count,
                    now=now,
                ),
            )
        )
    return rows


def review_rules() -> tuple[bool, dict[int, bool | None]]:
    """The installation's review rule and each service's (None: as the installation)."""
    rules = {
        r.service_id: r.review_required
        for r in PublicationReviewRule.objects.filter(service__isnull=False)
        if r.service_id is not None
    }
    return catalog_selectors.publication_review_rule_installation(), rules
