"""Each dashboard block's downloads: its values as CSV, its chart or map as SVG and as PNG.

The block is found among the tiles the reader may see (``dashboard_tiles``: the dashboard's
and each indicator's access rule), with the page's filters from the query string; a download
of a non-public indicator's values leaves an audit event, as every read of non-public data.
The PNG is the same SVG, rasterised by cairosvg (twice the size, for sharp text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from territoire.catalog import services as catalog_services
from territoire.core import ratelimit
from territoire.core.errors import NotFound
from territoire.indicators import selectors as indicator_selectors

from .indicators import map_svg, with_maps

PNG_SCALE = 2


def _csv(request, dashboard, tile) -> tuple[bytes, str]:
    out = io.StringIO()
    writer = csv.writer(out)
    unit = tile.indicator.unit
    if tile.kind == "stacked" and tile.stacked:
        writer.writerow(["periode", "territoire", "valeur", "unite"])
        periods, series = tile.stacked
        for i, period in enumerate(periods):
            for name, values in series:
                writer.writerow([period, name, "" if values[i] is None else values[i], unit])
    elif tile.kind in ("map", "table") and tile.comparison is not None:
        writer.writerow(["periode", "rang", "code_territoire", "territoire", "valeur", "unite"])
        for r in tile.comparison.ranking:
            writer.writerow([tile.comparison.period, r.rank or "", r.code, r.name,
                             "" if r.value is None else r.value, unit])  # fmt: skip
    else:
        writer.writerow(["periode", "territoire", "valeur", "unite"])
        for period, value in tile.values:
            writer.writerow([period, tile.territory, "" if value is None else value, unit])
    return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"


def _svg_text(request, dashboard, tile) -> str:
    if tile.map is not None and tile.comparison is not None:
        drawn = map_svg(request, tile.indicator, tile.comparison)
        if drawn is None:
            raise Http404
        return drawn
    if tile.chart is None:
        raise Http404
    if tile.kind == "stacked":
        title = _("%(t)s, par territoire et par période") % {"t": tile.indicator.title}
    else:
        title = _("%(t)s, %(n)s, par période") % {"t": tile.indicator.title, "n": tile.territory}
    body = render_to_string("web/charts/chart.svg", {
        "chart": tile.chart, "title": title, "uid": tile.uid, "unit": tile.indicator.unit,
        "standalone": True,
    }, request=request)  # fmt: skip
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _svg(request, dashboard, tile) -> tuple[bytes, str]:
    return _svg_text(request, dashboard, tile).encode("utf-8"), "image/svg+xml"


def _png(request, dashboard, tile) -> tuple[bytes, str]:
    # Imported on the first PNG, not with the URLs: cairosvg and its CSS and cffi libraries
    # take 0.75–1 s to import (measured on the 2-CPU CI machine), which every cold start of the
    # portal would otherwise pay for a download few pages ask for.
    import cairosvg

    drawn = _svg_text(request, dashboard, tile).encode("utf-8")
    # unsafe=False (the default): no external file or URL is ever read while rasterising.
    return cairosvg.svg2png(bytestring=drawn, scale=PNG_SCALE), "image/png"


# format -> how a block is written in it
EXPORTS: dict[str, Callable] = {"csv": _csv, "svg": _svg, "png": _png}


def dashboard_block(request, slug: str, position: int, fmt: str):
    """One block of the dashboard in ``fmt`` (csv, svg, png), with the page's filters."""
    export = EXPORTS.get(fmt)
    if export is None:
        raise Http404
    try:
        dashboard = indicator_selectors.dashboard_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    tiles = indicator_selectors.dashboard_tiles(
        request.user, dashboard, territory=request.GET.get("territoire") or None,
        period=request.GET.get("periode") or None,
    )  # fmt: skip
    tile = next((t for t in tiles if t.position == position and t.indicator is not None), None)
    if tile is None:
        raise Http404
    with_maps([tile])
    content, media_type = export(request, dashboard, tile)
    if tile.indicator.series is not None:
        catalog_services.dataset_read_record(
            actor=request.user, dataset=tile.indicator.series,
            channel=f"tableau de bord {dashboard.slug} : bloc {position} en {fmt}",
            ip_address=ratelimit.client_ip(request),
        )  # fmt: skip
    response = HttpResponse(content, content_type=media_type)
    name = f"{dashboard.slug}-{position + 1}-{tile.indicator.slug}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
