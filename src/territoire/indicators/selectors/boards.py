"""Reads built on the series: comparisons across territories (ranking, the reference value of
the EPCI or the commune, the trend against the target), evaluations (measured effects) and
dashboards (tiles with their current value, target status and sparkline)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import NotFound
from territoire.territories.models import EpciMembership, Territory

from ..definition import definition_parse
from ..models import Dashboard, Evaluation, Indicator
from ..vocabularies import NORMALISATIONS
from .access import indicator_list_for_actor, series_progress, series_read
from .charts import bar_chart, line_chart, stacked_chart, stacked_series
from .effects import EffectResult, effect_estimate
from .geography import area_km2
from .progress import Progress


@dataclass
class Ranked:
    rank: int
    code: str
    name: str
    value: float | None
    share_of_reference: float | None = None  # value / reference, in %


@dataclass
class Comparison:
    period: str
    periods: list[str]
    ranking: list[Ranked]
    reference_code: str = ""
    reference_name: str = ""
    reference_value: float | None = None
    reference_note_fr: str = ""
    reference_note_en: str = ""
    trend: list[tuple[str, float | None]] = field(default_factory=list)  # reference over time
    progress: list[tuple[str, Progress]] = field(default_factory=list)


def _float(value) -> float | None:
    return None if value is None else float(value)


def _parent(codes: set[str]) -> Territory | None:
    """The territory that holds them all: the EPCI of communes, the commune of quartiers."""
    territories = list(Territory.objects.filter(code__in=codes, kind__in=("commune", "quartier")))
    if not territories:
        return None
    if all(t.kind == "quartier" for t in territories):
        parents = {t.parent_id for t in territories if t.parent_id is not None}
        return Territory.objects.filter(pk__in=parents).first() if len(parents) == 1 else None
    counts: dict[int, int] = defaultdict(int)
    for epci_id in EpciMembership.objects.filter(
        commune__in=[t for t in territories if t.kind == "commune"]
    ).values_list("epci_id", flat=True):
        counts[epci_id] += 1
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    return Territory.objects.filter(pk=best).first()


def _reference_value(indicator: Indicator, rows: list[dict]) -> tuple[float | None, str, str]:
    """The value of the whole (EPCI or commune) from its parts, when the measure adds up."""
    definition = definition_parse(indicator.definition)
    kind, normalisation = definition.measure.kind, definition.normalisation.kind
    if kind not in ("count", "sum") or definition.join is not None:
        return (None, "La valeur d'ensemble ne se déduit pas de celles des territoires pour cette "
                "mesure (moyenne, médiane, part, taux ou jointure).",
                "The overall value does not follow from the territories' values for this measure "
                "(mean, median, share, rate or join).")  # fmt: skip
    raws = [_float(r["valeur_brute"]) for r in rows]
    if any(v is None for v in raws):
        return (None, "Une valeur de territoire manque ou est masquée : pas de valeur d'ensemble.",
                "A territory's value is missing or hidden: no overall value.")  # fmt: skip
    total = sum(v for v in raws if v is not None)
    per = NORMALISATIONS[normalisation][2]
    if normalisation == "none":
        return total, "Somme des territoires.", "Sum of the territories."
    if per is not None:
        population = sum(int(r["population"] or 0) for r in rows)
        if not population or any(not r["population"] for r in rows):
            return (
                None,
                "Population inconnue d'un territoire.",
                "A territory's population is unknown.",
            )
        return (total * per / population, "Total rapporté à la population totale.",
                "Total divided by the total population.")  # fmt: skip
    if normalisation == "per_km2":
        areas = [
            area_km2(t.geometry)
            for t in Territory.objects.filter(code__in=[r["code_territoire"] for r in rows])
        ]
        if not areas or any(a is None for a in areas):
            return None, "Contour inconnu d'un territoire.", "A territory's boundary is unknown."
        return (total / sum(a for a in areas if a), "Total rapporté à la surface totale.",
                "Total divided by the total area.")  # fmt: skip
    return (
        None,
        "Valeur d'ensemble non calculable pour cette normalisation.",
        ("No overall value for this normalisation."),
    )


def comparison_for(actor, indicator: Indicator, *, period: str | None = None) -> Comparison:
    """The indicator across its territories for ``period`` (default: the latest), best first,
    with the value of the territory that holds them (the EPCI, or the commune of quartiers)."""
    rows = series_read(actor, indicator)
    periods = sorted({r["periode"] for r in rows if r["periode"]})
    if not periods:
        return Comparison(period="", periods=[], ranking=[])
    chosen: str = period if period is not None and period in periods else periods[-1]
    current = [r for r in rows if r["periode"] == chosen]
    parent = _parent({r["code_territoire"] for r in current})
    own = [r for r in current if parent is None or r["code_territoire"] != parent.code]
    reversed_order = indicator.direction != "lower"
    valued = sorted(
        (r for r in own if r["valeur"] is not None),
        key=lambda r: float(r["valeur"]),
        reverse=reversed_order,
    )
    missing = [r for r in own if r["valeur"] is None]
    comparison = Comparison(period=chosen, periods=periods, ranking=[])
    if parent is not None:
        comparison.reference_code, comparison.reference_name = parent.code, parent.name
        given = [r for r in current if r["code_territoire"] == parent.code]
        if given:
            comparison.reference_value = _float(given[0]["valeur"])
        else:
            value, fr, en = _reference_value(indicator, own)
            comparison.reference_value = value
            comparison.reference_note_fr, comparison.reference_note_en = fr, en
        for label in periods:
            part = [
                r for r in rows if r["periode"] == label and r["code_territoire"] != parent.code
            ]
            comparison.trend.append((label, _reference_value(indicator, part)[0] if part else None))
    reference = comparison.reference_value
    for rank, row in enumerate(valued, start=1):
        value = float(row["valeur"])
        comparison.ranking.append(Ranked(
            rank, row["code_territoire"], row["territoire"] or row["code_territoire"], value,
            100.0 * value / reference if reference else None,
        ))  # fmt: skip
    for row in missing:
        comparison.ranking.append(
            Ranked(0, row["code_territoire"], row["territoire"] or row["code_territoire"], None)
        )
    comparison.progress = series_progress(indicator, rows)
    return comparison


# ------------------------------------------------------------------ evaluations


def evaluation_list_for_actor(actor) -> QuerySet[Evaluation]:
    """Evaluations of the indicators the actor sees."""
    return Evaluation.objects.filter(indicator__in=indicator_list_for_actor(actor)).select_related(
        "indicator"
    )


def evaluation_get_for_actor(actor, slug: str) -> Evaluation:
    evaluation = evaluation_list_for_actor(actor).filter(slug=slug).first()
    if evaluation is None:
        raise NotFound(
            f"Évaluation « {slug} » introuvable.", f"Evaluation '{slug}' not found.", where="slug"
        )
    return evaluation


def evaluation_assess(actor, evaluation: Evaluation) -> EffectResult:
    """Before/after and the difference-in-differences estimate on the served series."""
    rows = series_read(actor, evaluation.indicator)
    return effect_estimate(
        rows,
        intervention=evaluation.intervention_date,
        treated=list(evaluation.treated),
        comparison=list(evaluation.comparison),
        unit=evaluation.indicator.unit,
    )


# ------------------------------------------------------------------ dashboards


def dashboard_list_for_actor(actor) -> QuerySet[Dashboard]:
    """Public dashboards for everyone; internal ones for the territory's agents; restricted
    ones within their service; data officers see all."""
    qs = Dashboard.objects.select_related("publisher_service")
    if permissions.is_data_officer(actor):
        return qs
    visible = Q(access_level=AccessLevel.PUBLIC)
    if permissions.is_agent(actor):
        visible |= Q(access_level=AccessLevel.INTERNAL)
        services = permissions.member_service_ids(actor) | permissions.stewarded_service_ids(actor)
        if services:
            visible |= Q(publisher_service_id__in=services)
    return qs.filter(visible)


def dashboard_get_for_actor(actor, slug: str) -> Dashboard:
    dashboard = dashboard_list_for_actor(actor).filter(slug=slug).first()
    if dashboard is None:
        raise NotFound(
            f"Tableau de bord « {slug} » introuvable.",
            f"Dashboard '{slug}' not found.",
            where="slug",
        )
    return dashboard


def dashboard_list_editable(actor) -> QuerySet[Dashboard]:
    qs = Dashboard.objects.select_related("publisher_service")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_steward(actor):
        return qs.none()
    return qs.filter(publisher_service_id__in=permissions.stewarded_service_ids(actor))


@dataclass
class Tile:
    indicator: Indicator | None
    period: str
    territory: str
    value: float | None
    progress: Progress | None
    sparkline: str  # SVG polyline points, "" when fewer than two values
    values: list[tuple[str, float | None]]
    kind: str = "kpi"
    text: str = ""
    chart: dict | None = None  # a chart's drawing (``charts``: line, bar or stacked)
    comparison: Comparison | None = None  # the map's and the table's territories
    map: dict | None = None  # a map block's drawing, made by the portal (web/choropleth.py)
    choices: list[tuple[str, str]] = field(default_factory=list)  # the series' territories
    position: int = 0  # the block's position in the dashboard (its exports' address)
    # a stacked chart's table: the periods and each territory's values
    stacked: tuple[list[str], list[tuple[str, list[float | None]]]] | None = None

    @property
    def uid(self) -> str:
        """A prefix for the ids inside the block's drawing (unique in the page)."""
        return f"block-{self.position}"

    @property
    def stacked_rows(self) -> list[tuple[str, list[float | None]]]:
        """The stacked chart's table: each period with the territories' values, in order."""
        if self.stacked is None:
            return []
        periods, series = self.stacked
        return [(p, [values[i] for _, values in series]) for i, p in enumerate(periods)]


def sparkline_points(values: list[float | None], *, width: int = 120, height: int = 32) -> str:
    """The points of an SVG polyline drawing ``values`` left to right in width × height."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in known
    )


def _headline(
    indicator: Indicator, rows: list[dict], parents: dict, territory: str | None = None
) -> tuple[str, list[tuple[str, float | None]]]:
    """The territory a tile follows (``territory`` when the series has it, else the reference
    when there is one, else the only or the first one) and its values over time. ``parents``
    remembers the parent of a set of codes (a dashboard's tiles usually share them)."""
    codes = sorted({r["code_territoire"] for r in rows})
    if territory and territory in codes:
        return _territory_series(rows, territory)
    key = frozenset(codes)
    if key not in parents:
        parents[key] = _parent(set(codes)) if len(codes) > 1 else None
    parent = parents[key]
    if parent is not None and parent.code in codes:
        code = parent.code
    elif len(codes) == 1:
        code = codes[0]
    else:
        by_period: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_period[r["periode"]].append(r)
        if parent is not None:
            series = [(p, _reference_value(indicator, by_period[p])[0]) for p in sorted(by_period)]
            if any(v is not None for _, v in series):
                return parent.name, series
        code = codes[0] if codes else ""
    return _territory_series(rows, code)


def _territory_series(rows: list[dict], code: str) -> tuple[str, list[tuple[str, float | None]]]:
    series = sorted(
        (r["periode"], _float(r["valeur"])) for r in rows if r["code_territoire"] == code
    )
    name = next((r["territoire"] or code for r in rows if r["code_territoire"] == code), code)
    return name, series


def dashboard_tiles(
    actor, dashboard: Dashboard, *, territory: str | None = None, period: str | None = None
) -> list[Tile]:
    """The dashboard's blocks the actor may see, in order (an indicator the actor does not see
    is left out, so a public dashboard never shows an internal indicator to the public).
    ``territory`` (a code) and ``period`` (a label), from the page's URL, choose what the
    tiles show when their series have them; the values stop at ``period``."""
    visible = set(indicator_list_for_actor(actor).values_list("pk", flat=True))
    tiles = []
    parents: dict = {}
    for tile in (
        dashboard.tiles.select_related("indicator__series")
        .prefetch_related("indicator__targets")
        .order_by("position", "id")
    ):
        indicator = tile.indicator
        if indicator is None:
            tiles.append(Tile(None, "", "", None, None, "", [], kind=tile.kind, text=tile.text,
                              position=tile.position))  # fmt: skip
            continue
        if indicator.pk not in visible:
            continue
        rows = series_read(actor, indicator)
        name, series = _headline(indicator, rows, parents, territory)
        if period and any(p == period for p, _ in series):
            series = [(p, v) for p, v in series if p <= period]
        value = series[-1][1] if series else None
        progress = None
        if series:
            progress = next((p for n, p in series_progress(indicator, rows) if n == name), None)
        made = Tile(
            indicator=indicator, period=series[-1][0] if series else "", territory=name,
            value=value, progress=progress,
            sparkline=sparkline_points([v for _, v in series]), values=series, kind=tile.kind,
            choices=sorted({(r["code_territoire"], r["territoire"] or r["code_territoire"])
                            for r in rows}), position=tile.position,
        )  # fmt: skip
        if tile.kind == "chart":
            made.chart = line_chart(series)
        elif tile.kind == "bar":
            made.chart = bar_chart(series)
        elif tile.kind == "stacked":
            codes = frozenset(r["code_territoire"] for r in rows)
            if codes not in parents:
                parents[codes] = _parent(set(codes)) if len(codes) > 1 else None
            parent = parents[codes]
            made.stacked = stacked_series(
                rows, exclude=parent.code if parent is not None else None, until=period
            )
            made.chart = stacked_chart(*made.stacked)
        elif tile.kind in ("map", "table"):
            made.comparison = comparison_for(actor, indicator, period=period)
        tiles.append(made)
    return tiles


# ------------------------------------------------------------------ portal cross-links


def indicators_using(actor, slug: str) -> list[Indicator]:
    """The indicators the actor sees that read the dataset ``slug`` (as source or join)."""
    return list(
        indicator_list_for_actor(actor)
        .filter(Q(definition__dataset=slug) | Q(definition__join__dataset=slug))
        .order_by("title")
    )


@dataclass
class TerritoryValue:
    indicator: Indicator
    period: str
    value: float | None
    rank: int
    of: int
    reference_name: str
    reference_value: float | None


def territory_indicators(actor, code: str, *, limit: int = 12) -> list[TerritoryValue]:
    """The territory's latest value for each indicator the actor sees that has one, with its
    rank among the territories of the indicator and the value of their EPCI (or commune)."""
    found = []
    candidates = indicator_list_for_actor(actor).filter(series__isnull=False).order_by("title")
    for indicator in candidates[: limit * 2]:
        comparison = comparison_for(actor, indicator)
        mine = next((r for r in comparison.ranking if r.code == code), None)
        if mine is None:
            continue
        found.append(TerritoryValue(
            indicator, comparison.period, mine.value, mine.rank,
            sum(1 for r in comparison.ranking if r.rank), comparison.reference_name,
            comparison.reference_value,
        ))  # fmt: skip
        if len(found) >= limit:
            break
    return found
