"""The data officer's dashboard (« pilotage »): inventory coverage per service, services without
a relay, late updates, queues, ingestion jobs and the worker, publications per month. Built on
``inventory`` (the same rows as the inventory page), so figures agree from page to page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.accounts.models import MembershipRole
from territoire.catalog.vocabularies import AccessLevel, PublicationState
from territoire.lake.models import Conformity, IngestJob, JobStatus
from territoire.lake.tasks import worker_alive
from territoire.organizations.models import Service
from territoire.trust.models import AuditAction, AuditEvent

FAILED_JOBS_DAYS = 30
PUBLICATION_MONTHS = 12


@dataclass
class Coverage:
    """One line of the coverage table: a service (None: datasets without a service)."""

    service: Service | None
    declared: int = 0
    published: int = 0
    internal: int = 0
    with_steward: int = 0
    conform: int = 0
    up_to_date: int = 0
    quality_total: int = 0

    @property
    def quality_mean(self) -> int | None:
        return round(self.quality_total / self.declared) if self.declared else None

    @property
    def name(self) -> str:
        return str(self.service) if self.service is not None else _("Sans service")


@dataclass
class Month:
    month: datetime.date
    count: int
    percent: int  # of the busiest month, in steps of 5 (the bar's CSS class)


@dataclass
class Dashboard:
    coverage: list[Coverage]
    total: Coverage
    services_without_relay: list[Service]
    overdue: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    failed_jobs: list[IngestJob] = field(default_factory=list)
    queued_jobs: int = 0
    oldest_queued: datetime.datetime | None = None
    worker_alive: bool = False
    months: list[Month] = field(default_factory=list)
    low_quality: list = field(default_factory=list)


def _add(line: Coverage, row) -> None:
    dataset = row.dataset
    version = getattr(getattr(dataset, "lake", None), "current_version", None)
    line.declared += 1
    line.published += dataset.is_published
    line.internal += dataset.access_level == AccessLevel.INTERNAL
    line.with_steward += dataset.steward_id is not None
    line.conform += version is not None and version.conformity == Conformity.VALID
    line.up_to_date += version is not None and not row.is_overdue
    line.quality_total += row.quality.score if row.quality else 0


def coverage(rows, services) -> tuple[list[Coverage], Coverage]:
    """Per service (every service, even without datasets), then the whole territory."""
    lines: dict[int | None, Coverage] = {s.pk: Coverage(service=s) for s in services}
    total = Coverage(service=None)
    for row in rows:
        key = row.dataset.publisher_service_id
        if key not in lines:
            lines[key] = Coverage(service=None)
        _add(lines[key], row)
        _add(total, row)
    return list(lines.values()), total


def services_without_relay(services) -> list[Service]:
    """Services where nobody is a relay (a steward membership)."""
    with_relay = set(
        Service.objects.filter(memberships__role=MembershipRole.STEWARD).values_list(
            "pk", flat=True
        )
    )
    return [s for s in services if s.pk not in with_relay]


def publications_per_month(now=None, months: int = PUBLICATION_MONTHS) -> list[Month]:
    """Datasets published per month (each dataset once a month), from the audit log's
    « publication » events, over the last ``months`` months including this one, oldest first."""
    now = timezone.localtime(now or timezone.now())
    first = now.date().replace(day=1)
    for _i in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    counts = {
        (row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]): row[
            "n"
        ]
        for row in AuditEvent.objects.filter(
            action=AuditAction.PUBLISH,
            object_type="catalog.dataset",
            created_at__date__gte=first,
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("object_id", distinct=True))
        .values("month", "n")
    }
    result, month = [], first
    for _i in range(months):
        result.append(Month(month=month, count=counts.get(month, 0), percent=0))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    busiest = max((m.count for m in result), default=0)
    for m in result:
        m.percent = 5 * round(20 * m.count / busiest) if busiest else 0
    return result


def dashboard(rows, now=None) -> Dashboard:
    """Everything the dashboard shows, from the inventory's rows (``selectors.inventory``)."""
    now = now or timezone.now()
    services = list(Service.objects.select_related("organization").order_by("name"))
    lines, total = coverage(rows, services)
    queued = IngestJob.objects.filter(status=JobStatus.QUEUED)
    oldest = queued.order_by("created_at").values_list("created_at", flat=True).first()
    failed = list(
        IngestJob.objects.filter(
            status=JobStatus.FAILED,
            finished_at__gte=now - datetime.timedelta(days=FAILED_JOBS_DAYS),
        )
        .select_related("dataset", "created_by")
        .order_by("-finished_at")[:20]
    )
    return Dashboard(
        coverage=lines,
        total=total,
        services_without_relay=services_without_relay(services),
        overdue=[r for r in rows if r.is_overdue],
        decisions=[r for r in rows if r.needs_decision],
        submitted=[r for r in rows if r.dataset.publication_state == PublicationState.SUBMITTED],
        failed_jobs=failed,
        queued_jobs=queued.count(),
        oldest_queued=oldest,
        worker_alive=worker_alive(),
        months=publications_per_month(now),
        low_quality=sorted(
            (r for r in rows if r.quality is not None and r.quality.score < 50),
            key=lambda r: r.quality.score,
        )[:10],
    )
