"""Who sees and who changes an indicator: the catalogue's rule for datasets, applied to
indicators (public = published and public; agents see internal ones; a restricted indicator
stays within its service; stewards see and change their services' indicators)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.catalog.models import Dataset
from territoire.catalog.selectors import dataset_list_for_actor
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import NotFound, PermissionRefused
from territoire.records.odsql import RecordQuery
from territoire.records.odsql import build as q
from territoire.records.selectors import served_get, version_page

from ..models import Indicator, IndicatorTarget
from .progress import Progress, progress_assess

SERIES_MAX_ROWS = 10_000


def indicator_list_for_actor(actor) -> QuerySet[Indicator]:
    qs = Indicator.objects.select_related("publisher", "publisher_service", "series")
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


def indicator_get_for_actor(actor, slug: str) -> Indicator:
    """The indicator, or NotFound — the same answer whether it does not exist or is not visible."""
    indicator = indicator_list_for_actor(actor).filter(slug=slug).first()
    if indicator is None:
        raise NotFound(
            f"Indicateur « {slug} » introuvable.", f"Indicator '{slug}' not found.", where="slug"
        )
    return indicator


def indicator_list_editable(actor) -> QuerySet[Indicator]:
    qs = Indicator.objects.select_related("publisher", "publisher_service", "series")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_steward(actor):
        return qs.none()
    return qs.filter(publisher_service_id__in=permissions.stewarded_service_ids(actor))


def indicator_check_editable(actor, indicator: Indicator) -> None:
    """The one edit check: data officers, or stewards of the indicator's service."""
    if permissions.is_data_officer(actor) or (
        permissions.is_steward(actor)
        and indicator.publisher_service_id in permissions.stewarded_service_ids(actor)
    ):
        return
    raise PermissionRefused(
        "Vous ne pouvez pas créer ni modifier cet indicateur : il faut être administrateur des "
        "données ou relais données de son service responsable.",
        "You may not create or change this indicator: you must be the data officer or a "
        "steward of its owner service.",
        where="publisher_service",
    )


def indicator_get_editable(actor, slug: str) -> Indicator:
    indicator = indicator_get_for_actor(actor, slug)
    indicator_check_editable(actor, indicator)
    return indicator


def indicator_targets(indicator: Indicator) -> list[IndicatorTarget]:
    return sorted(indicator.targets.all(), key=lambda t: t.date)  # a prefetch serves it


def series_read(actor, indicator: Indicator, *, version: int | None = None) -> list[dict]:
    """The rows of the indicator's series (its served version, or ``version``) through the
    records engine, with the series dataset's own access check: [] when not computed yet."""
    if indicator.series is None:
        return []
    served = served_get(actor, indicator.series.slug, version=version)
    if served.version is None:
        return []
    page = version_page(
        served,
        RecordQuery(order_by=[q.order(q.field("periode")), q.order(q.field("code_territoire"))]),
        default_limit=SERIES_MAX_ROWS,
        max_limit=SERIES_MAX_ROWS,
        with_count=False,
    )
    return page["results"]


def series_progress(indicator: Indicator, rows: list[dict]) -> list[tuple[str, Progress]]:
    """For each territory of the latest period: its name and whether it is on track."""
    if not rows:
        return []
    latest = max(r["periode"] for r in rows if r["periode"] is not None)
    targets = [(t.date, t.value) for t in indicator_targets(indicator)]
    baseline = None
    if indicator.baseline_date is not None and indicator.baseline_value is not None:
        baseline = (indicator.baseline_date, indicator.baseline_value)
    found = []
    for row in rows:
        if row["periode"] != latest:
            continue
        value = None if row["valeur"] is None else float(row["valeur"])
        found.append((
            row["territoire"] or row["code_territoire"],
            progress_assess(
                direction=indicator.direction, value=value, period=latest, unit=indicator.unit,
                baseline=baseline, targets=targets,
                alert_below=indicator.alert_below, alert_above=indicator.alert_above,
            ),
        ))  # fmt: skip
    return found


def source_list_for_actor(actor) -> QuerySet[Dataset]:
    """The datasets an indicator may be built on: those the actor sees, with data, that are not
    themselves an indicator's series."""
    return (
        dataset_list_for_actor(actor)
        .filter(lake__current_version__isnull=False, indicator__isnull=True)
        .order_by("title")
    )
