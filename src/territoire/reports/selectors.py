"""Reads of reports, permission-aware: the public sees visible reports; the service in charge
(and the data officer) sees its queue, hidden reports included."""

from __future__ import annotations

import datetime

from django.db.models import Count, ExpressionWrapper, F, FloatField, QuerySet, Value

from territoire.accounts import permissions
from territoire.core.errors import NotFound
from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.selectors import home_territory

from . import geo
from .geo import BoundingBox, Circle
from .models import Report, ReportCategory, ReportEvent, ReportFollow
from .vocabularies import ModerationState, ReportStatus

# What a list or a map reads of a report: never the description's full text for 10,000 rows.
LIST_FIELDS = (
    "id", "created_at", "modified_at", "status", "latitude", "longitude", "address",
    "category__name", "category__code", "commune__name", "quartier__name", "photo",
)  # fmt: skip


def category_list(*, active_only: bool = True) -> QuerySet[ReportCategory]:
    qs = ReportCategory.objects.select_related("service__organization")
    return qs.filter(is_active=True) if active_only else qs


def category_get(code: str, *, active_only: bool = True) -> ReportCategory:
    category = category_list(active_only=active_only).filter(code=code).first()
    if category is None:
        raise NotFound(
            f"Catégorie de signalement « {code[:60]} » inconnue.",
            f"Unknown report category '{code[:60]}'.",
            where="category",
        )
    return category


def quartier_choices() -> list[Territory]:
    """The areas a list can be filtered by: the quartiers of the territory, else its communes."""
    home = home_territory()
    if home is None:
        return []
    communes = home.members.all() if home.kind == TerritoryKind.EPCI else [home]
    quartiers = Territory.objects.filter(kind=TerritoryKind.QUARTIER, parent__in=communes).only(
        "pk", "name", "code", "kind"
    )
    if quartiers.exists():
        return list(quartiers.order_by("name"))
    if home.kind == TerritoryKind.EPCI:
        return list(home.members.only("pk", "name", "code", "kind").order_by("name"))
    return []


def report_list_public(
    *,
    category: str | None = None,
    status: str | list[str] | None = None,
    area: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    service: str | None = None,
    bbox: BoundingBox | None = None,
    near: Circle | None = None,
) -> QuerySet[Report]:
    """Visible reports, newest first, filtered; ``area`` is a quartier's or a commune's code,
    ``service`` the slug of the service in charge of the category."""
    qs = Report.objects.filter(moderation=ModerationState.VISIBLE)
    if category:
        qs = qs.filter(category__code=category)
    if service:
        qs = qs.filter(category__service__slug=service)
    if bbox is not None:
        qs = within_box(qs, bbox)
    if near is not None:
        qs = within_circle(qs, near)
    if isinstance(status, list):
        qs = qs.filter(status__in=status)
    elif status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(quartier__code=area) | qs.filter(commune__code=area)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lte=until)
    return qs.order_by("-created_at", "-id")


def within_box(qs: QuerySet[Report], box: BoundingBox) -> QuerySet[Report]:
    """The reports of ``qs`` inside the box (edges included); served by report_position_idx."""
    return qs.filter(
        latitude__gte=box.south,
        latitude__lte=box.north,
        longitude__gte=box.west,
        longitude__lte=box.east,
    )


def within_circle(qs: QuerySet[Report], circle: Circle) -> QuerySet[Report]:
    """The reports of ``qs`` at most ``circle.radius`` metres from its centre: the enclosing
    box first (the position index), then the distance on a local flat projection, in plain SQL
    arithmetic with bound parameters (SQLite has no trigonometry by default). Up to 10 km it is
    within 0.3 % of the spherical great-circle distance (measured at 43.6° N in every direction;
    most of the gap is the WGS 84 ellipsoid's, which the sphere ignores)."""
    metres_lat, metres_lon = circle.metres_per_degree()
    north_south = (F("latitude") - Value(circle.latitude)) * Value(metres_lat)
    east_west = (F("longitude") - Value(circle.longitude)) * Value(metres_lon)
    return (
        within_box(qs, circle.enclosing_box())
        .alias(
            distance_squared=ExpressionWrapper(
                north_south * north_south + east_west * east_west, output_field=FloatField()
            )
        )
        .filter(distance_squared__lte=circle.radius * circle.radius)
    )


def place_at(latitude: float, longitude: float) -> geo.Place | None:
    """Reverse lookup: the commune (and quartier) of the territory holding the position, None
    outside it. The platform has no address base: it cannot turn a typed address into a
    position (docs/reports.md, « Géocodage »)."""
    return geo.locate(longitude, latitude)


def may_handle(actor, report: Report) -> bool:
    return permissions.can_handle_report(actor, report.category.service_id)


def report_get(actor, pk: int) -> Report:
    """A report the actor may see: visible ones for everyone, hidden ones for the service in
    charge and the data officer; not-found otherwise (hidden looks like absent)."""
    report = (
        Report.objects.select_related(
            "category__service__organization", "commune", "quartier", "author"
        )
        .filter(pk=pk)
        .first()
    )
    if report is None or not (report.is_visible or may_handle(actor, report)):
        raise NotFound(
            f"Signalement n° {pk} introuvable.", f"Report no. {pk} not found.", where="id"
        )
    return report


def report_get_for_handling(actor, pk: int) -> Report:
    """A report the actor may change (the service in charge, the data officer); NotFound
    otherwise, whoever they are."""
    report = report_get(actor, pk)
    if not may_handle(actor, report):
        raise NotFound(
            f"Signalement n° {pk} introuvable.", f"Report no. {pk} not found.", where="id"
        )
    return report


def report_timeline(report: Report) -> QuerySet[ReportEvent]:
    return report.events.select_related("actor").order_by("created_at", "id")


def report_queue(
    actor, *, status: str | None = None, moderation: str | None = None
) -> QuerySet[Report]:
    """The reports of the services the actor belongs to (every report for the data officer)."""
    qs = Report.objects.select_related("category", "commune", "quartier")
    if not permissions.is_data_officer(actor):
        qs = qs.filter(category__service_id__in=permissions.member_service_ids(actor))
    if status:
        qs = qs.filter(status=status)
    if moderation:
        qs = qs.filter(moderation=moderation)
    return qs.order_by("-created_at", "-id")


def may_use_queue(actor) -> bool:
    return permissions.is_data_officer(actor) or bool(
        permissions.member_service_ids(actor)
        and ReportCategory.objects.filter(
            service_id__in=permissions.member_service_ids(actor)
        ).exists()
    )


def follow_get(actor, report: Report) -> ReportFollow | None:
    if not permissions.is_authenticated(actor):
        return None
    return ReportFollow.objects.filter(report=report, user=actor).first()


def status_counts(qs: QuerySet[Report]) -> dict[str, int]:
    """How many reports of ``qs`` are in each status (every status present, zero or not)."""
    counts = dict.fromkeys(ReportStatus.values, 0)
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
