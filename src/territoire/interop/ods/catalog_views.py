"""/api/explore/v2.1/catalog/datasets, …/datasets/{id} and /catalog/facets."""

from __future__ import annotations

from collections import Counter

from django.http import JsonResponse

from territoire.records.odsql import QueryError

from ..catalogue import entries, visible
from . import catalog_query, shapes
from .base import ParameterError, dataset_entry, flag, integer, ods_view, texts

MAX_LIMIT = 100  # as OpenDataSoft for the catalogue
FACETS = (
    "theme",
    "keyword",
    "publisher",
    "features",
    "license",
    "language",
    "territory",
    "visibility",
)


def _json(body) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _refuse(request, name: str, reason_fr: str, reason_en: str) -> None:
    if request.GET.get(name) not in (None, "", "*"):
        raise ParameterError(name, reason_fr, reason_en)


def _filtered(request, actor):
    where = catalog_query.parse_where(texts(request, "where"))
    refine = catalog_query.parse_refines(texts(request, "refine"), "refine")
    exclude = catalog_query.parse_refines(texts(request, "exclude"), "exclude")
    all_entries = entries(visible(actor), actor)
    rows = [shapes.catalogue_row(e) for e in all_entries]
    kept = catalog_query.filter_entries(
        all_entries, rows, where=where, refine=refine, exclude=exclude
    )
    return [all_entries[i] for i in kept], [rows[i] for i in kept]


@ods_view
def dataset_list(request, actor):
    _refuse(
        request,
        "select",
        "select n'est pas pris en charge sur le catalogue : les jeux de données viennent entiers.",
        "select is not supported on the catalogue: datasets come whole.",
    )
    _refuse(
        request,
        "group_by",
        "group_by n'est pas pris en charge sur le catalogue : utilisez /catalog/facets.",
        "group_by is not supported on the catalogue: use /catalog/facets.",
    )
    limit = integer(request, "limit", 10, minimum=-1, maximum=MAX_LIMIT)
    offset = integer(request, "offset", 0, minimum=0)
    include_links = flag(request, "include_links", False)
    found, rows = _filtered(request, actor)
    order = (
        catalog_query.parse_order(request.GET["order_by"])
        if request.GET.get("order_by", "").strip()
        else []
    )
    pairs = list(zip(found, rows, strict=True))
    for name, descending in reversed(order):
        present = [p for p in pairs if p[1][name] is not None]
        missing = [p for p in pairs if p[1][name] is None]
        present.sort(key=lambda p, n=name: p[1][n], reverse=descending)
        pairs = present + missing  # no value last, whatever the direction
    page = pairs[offset:] if limit == -1 else pairs[offset : offset + limit]
    return _json(
        {
            "total_count": len(pairs),
            "results": [shapes.dataset(e, r, include_links=include_links) for e, r in page],
        }
    )


@ods_view
def dataset_detail(request, actor, dataset_id: str):
    entry = dataset_entry(request, actor, dataset_id)
    return _json(
        shapes.dataset(
            entry, shapes.catalogue_row(entry), include_links=flag(request, "include_links", False)
        )
    )


@ods_view
def catalog_facets(request, actor):
    """Value counts of the catalogue fields over the matching datasets (ODS /catalog/facets)."""
    wanted = texts(request, "facet") or list(FACETS)
    for index, name in enumerate(wanted):
        if name not in FACETS:
            raise QueryError(
                f"Pas de facette « {name} » sur le catalogue : {', '.join(FACETS)}",
                f"No facet '{name}' on the catalogue: {', '.join(FACETS)}",
                clause="facet",
                position=1,
                index=index if len(wanted) > 1 else None,
            )
    _found, rows = _filtered(request, actor)
    refined = {(f, v) for f, v in catalog_query.parse_refines(texts(request, "refine"), "refine")}
    answer = []
    for name in wanted:
        counts = Counter(
            v for row in rows for v in dict.fromkeys(catalog_query._as_list(row[name]))
        )
        values = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        answer.append(
            {
                "name": name,
                "facets": [
                    {
                        "name": v,
                        "count": c,
                        "value": v,
                        "state": "refined" if (name, v) in refined else "displayed",
                    }
                    for v, c in values
                ],
            }
        )
    return _json({"links": [], "facets": answer})
