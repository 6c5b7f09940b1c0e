"""The portal's indicators: the list, and one indicator's page (its series as a table, whether
it is on track, in words). Server-rendered, readable without JavaScript; what a reader sees is
the indicators' visibility rule (``indicator_list_for_actor``)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.clickjacking import xframe_options_exempt

from territoire.catalog import services as catalog_services
from territoire.core import ratelimit
from territoire.core.errors import NotFound
from territoire.core.middleware import DEFAULT_CSP
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
    the_map = _comparison_map(comparison)
    targets = indicator_selectors.indicator_targets(indicator)
    return render(request, "web/indicator_comparison.html", {
        "indicator": indicator, "comparison": comparison, "the_map": the_map,
        "targets": targets,
        "trend_points": indicator_selectors.sparkline_points(
            [v for _, v in comparison.trend], width=480, height=120),
    })  # fmt: skip


def evaluation_list(request):
    evaluations = indicator_selectors.evaluation_list_for_actor(request.user).order_by(
        "-intervention_date", "title"
    )
    return render(request, "web/evaluation_list.html", {"evaluations": evaluations})


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
    territory = request.GET.get("territoire") or None
    period = request.GET.get("periode") or None
    tiles = with_maps(indicator_selectors.dashboard_tiles(
        request.user, dashboard, territory=territory, period=period
    ))  # fmt: skip
    territories = sorted({c for t in tiles for c in t.choices}, key=lambda c: c[1])
    periods = sorted({p for t in tiles for p, _ in t.values})
    filters = {k: v for k, v in (("territoire", territory), ("periode", period)) if v}
    return render(request, "web/dashboard_detail.html", {
        "dashboard": dashboard, "tiles": tiles, "territories": territories,
        "periods": periods, "territory": territory or "", "period": period or "",
        "filters_query": f"?{urlencode(filters)}" if filters else "",
    })  # fmt: skip


def _comparison_map(comparison, *, link: bool = True):
    values = {r.code: r.value for r in comparison.ranking}
    territories = Territory.objects.filter(
        code__in=list(values), kind__in=("commune", "quartier")
    ).order_by("code")
    return choropleth(
        [(t.geometry, t.name, territory_url(t) if link else None, values.get(t.code))
         for t in territories],
        tile_url=settings.TERRITOIRE_TILE_URL,
    )  # fmt: skip


def with_maps(tiles: list) -> list:
    """The map blocks' choropleths (drawn here, in the portal, as every map)."""
    for tile in tiles:
        tile.map = (
            _comparison_map(tile.comparison) if tile.kind == "map" and tile.comparison else None
        )
    return tiles


def _public_dashboard(request, slug: str):
    try:
        dashboard = indicator_selectors.dashboard_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    return dashboard


@xframe_options_exempt
def dashboard_embed(request, slug: str):
    """The dashboard without the portal around it, for a frame in another site: only a public
    dashboard, only in the sites the data officer allowed (CSP frame-ancestors), as the public
    sees it whoever is signed in."""
    dashboard = _public_dashboard(request, slug)
    if dashboard.access_level != "public":
        raise Http404
    tiles = with_maps(indicator_selectors.dashboard_tiles(AnonymousUser(), dashboard))
    response = render(request, "web/dashboard_embed.html", {"dashboard": dashboard, "tiles": tiles})
    ancestors = " ".join(dashboard.embed_origins) or "'none'"
    response["Content-Security-Policy"] = DEFAULT_CSP.format(tiles="").replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    return response


def dashboard_tile_csv(request, slug: str, indicator: str):
    """One tile's values as CSV (period, territory, value)."""
    dashboard = _public_dashboard(request, slug)
    tiles = indicator_selectors.dashboard_tiles(request.user, dashboard)
    tile = next((t for t in tiles if t.indicator and t.indicator.slug == indicator), None)
    if tile is None:
        raise Http404
    if tile.indicator.series is not None:  # a non-public series' read is audited
        catalog_services.dataset_read_record(
            actor=request.user, dataset=tile.indicator.series,
            channel=f"tableau de bord {dashboard.slug} : tuile en csv",
            ip_address=ratelimit.client_ip(request),
        )  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["periode", "territoire", "valeur", "unite"])
    for period, value in tile.values:
        writer.writerow(
            [period, tile.territory, "" if value is None else value, tile.indicator.unit]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dashboard.slug}-{indicator}.csv"'
    return response


CHOROPLETH_FILLS = {
    "choro-1": "#eff3ff", "choro-2": "#bdd7e7", "choro-3": "#6baed6", "choro-4": "#3182bd",
    "choro-5": "#08519c", "choro-none": "#d9d9d9",
}  # fmt: skip


def map_svg(request, indicator, comparison) -> str | None:
    """The comparison's map as a standalone SVG document (colours as attributes, its legend
    and title inside): the comparison page's download and a dashboard map block's export."""
    values = {r.code: r.value for r in comparison.ranking}
    territories = Territory.objects.filter(
        code__in=list(values), kind__in=("commune", "quartier")
    ).order_by("code")
    the_map = choropleth([(t.geometry, t.name, None, values.get(t.code)) for t in territories])
    if the_map is None:
        return None
    for shape in the_map["shapes"]:
        shape.fill = CHOROPLETH_FILLS.get(shape.css, "#d9d9d9")
    # The legend in rows of three under the map (five classes of « 1 018,13 – 2 731,40 » do
    # not fit on one line of a 640-px map), then the title.
    for k, entry in enumerate(the_map["legend"]):
        entry.fill = CHOROPLETH_FILLS[entry.css]
        entry.x, entry.y = 8 + (k % 3) * 210, the_map["height"] + 12 + (k // 3) * 20
    rows = -(-len(the_map["legend"]) // 3)
    title_y = the_map["height"] + 12 + rows * 20 + 14
    return render_to_string("web/choropleth.svg", {
        "indicator": indicator, "comparison": comparison, "the_map": the_map,
        "title_y": title_y, "full_height": title_y + 12,
    }, request=request)  # fmt: skip


def comparison_svg(request, slug: str):
    """The comparison's map as a standalone SVG file, to download and reuse."""
    indicator = _visible(request, slug)
    comparison = indicator_selectors.comparison_for(
        request.user, indicator, period=request.GET.get("periode") or None
    )
    drawn = map_svg(request, indicator, comparison)
    if drawn is None:
        raise Http404
    response = HttpResponse(drawn, content_type="image/svg+xml")
    response["Content-Disposition"] = (
        f'attachment; filename="{indicator.slug}-{comparison.period}.svg"'
    )
    return response
