"""The portal's indicators: the list, and one indicator's page (its series as a table, whether
it is on track, in words). Server-rendered, readable without JavaScript; what a reader sees is
the indicators' visibility rule (``indicator_list_for_actor``)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from territoire.core.errors import NotFound
from territoire.indicators import selectors as indicator_selectors


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
        },
    )
