"""The catalogue: full-text search, facets, sort and pages — links and GET forms only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from territoire.catalog import selectors as catalog_selectors

from .. import catalogue


def dataset_list(request):
    query = request.GET.get("q", "").strip()[:200]
    selected = {
        name: {v for v in request.GET.getlist(name) if v}
        for name, _label in catalogue.FACETS
        if request.GET.getlist(name)
    }
    result = catalogue.search(
        request.user,
        catalog_selectors.dataset_list_for_actor(request.user),
        query=query,
        selected=selected,
        sort=request.GET.get("tri", ""),
    )
    page = Paginator(result.hits, catalogue.PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: request.GET.getlist(k) for k in request.GET if k != "page"}
    active = [(facet, value) for facet in result.facets for value in facet.selected]
    return render(
        request,
        "web/dataset_list.html",
        {
            "page": page,
            "query": query,
            "result": result,
            "params": params,
            "sorts": [(key, str(label)) for key, label in catalogue.SORTS.items()],
            "active_filters": active,
            "field_labels": {k: str(v) for k, v in catalogue.FIELD_LABELS.items()},
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2)
            if page.paginator.num_pages > 1
            else [],
            "ellipsis": page.paginator.ELLIPSIS,
        },
    )
