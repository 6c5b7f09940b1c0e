"""The portal's indicators: the list, and one indicator's page (its series as a table, whether
it is on track, in words). Server-rendered, readable without JavaScript; what a reader sees is
the indicators' visibility rule (``indicator_list_for_actor``)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from territoire.core.errors import NotFound
from territoire.indicators import selectors as indicator_selectors
from territoire.territories.models import Territory

from ..choropleth import choropleth
from .common import territory_url


def indicator_list(request):
    indicators = indicator_selectors.indicator_list_for_actor(request.user).prefetch_related(
        "themes"
    )
    return render(request, "web/indicator_list.html", {"indicators": indicators})


def indicator_detail(request, slug: str):
    try:
        indicator = indicator_selectors.indicator_get_for_actor(request.user, slug)
        rows = indicator_selectors.series_read(request.user, indicator)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "web/indicator_detail.html",
        {
            "indicator": indicator,
            "rows": rows,
            "progress": indicator_selectors.series_progress(indicator, rows),
            "targets": indicator_selectors.indicator_targets(indicator),
            "periods": sorted({r["periode"] for r in rows}),
            "evaluations": indicator.evaluations.order_by("title"),
            "has_comparison": len({r["code_territoire"] for r in rows}) > 1,
        },
    )


def _visible(request, slug: str):
    try:
        return indicator_selectors.indicator_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None


def indicator_comparison(request, slug: str):
    """The indicator across the communes of the EPCI (or the quartiers of a commune): ranking,
    a choropleth map drawn on the server, the reference value, the trend against the target."""
    indicator = _visible(request, slug)
    period = request.GET.get("periode") or None
    comparison = indicator_selectors.comparison_for(request.user, indicator, period=period)
    values = {r.code: r.value for r in comparison.ranking}
    territories = Territory.objects.filter(
        code__in=list(values), kind__in=("commune", "quartier")
    ).order_by("code")
    the_map = choropleth(
        [(t.geometry, t.name, territory_url(t), values.get(t.code)) for t in territories],
        tile_url=settings.TERRITOIRE_TILE_URL,
    )
    targets = indicator_selectors.indicator_targets(indicator)
    return render(request, "web/indicator_comparison.html", {
        "indicator": indicator, "comparison": comparison, "the_map": the_map,
        "targets": targets,
        "trend_points": indicator_selectors.sparkline_points(
            [v for _, v in comparison.trend], width=480, height=120),
    })  # fmt: skip


def evaluation_detail(request, slug: str):
    try:
        evaluation = indicator_selectors.evaluation_get_for_actor(request.user, slug)
        result = indicator_selectors.evaluation_assess(request.user, evaluation)
    except NotFound:
        raise Http404 from None
    names = dict(
        Territory.objects.filter(code__in=[*evaluation.treated, *evaluation.comparison])
        .order_by("kind")
        .values_list("code", "name")
    )
    return render(request, "web/evaluation_detail.html", {
        "evaluation": evaluation, "result": result,
        "treated": [(c, names.get(c, c)) for c in evaluation.treated],
        "comparison": [(c, names.get(c, c)) for c in evaluation.comparison],
    })  # fmt: skip


def dashboard_list(request):
    dashboards = indicator_selectors.dashboard_list_for_actor(request.user)
    return render(request, "web/dashboard_list.html", {"dashboards": dashboards})


def dashboard_detail(request, slug: str):
    try:
        dashboard = indicator_selectors.dashboard_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    tiles = indicator_selectors.dashboard_tiles(request.user, dashboard)
    return render(request, "web/dashboard_detail.html", {"dashboard": dashboard, "tiles": tiles})
