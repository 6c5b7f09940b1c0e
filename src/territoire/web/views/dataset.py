"""The dataset page: what the data is, the records (table, map, chart), downloads, API examples
and history. Non-public datasets are not found for outsiders; reading one is audited."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.catalog.vocabularies import LICENCE_URLS
from territoire.core import ratelimit
from territoire.core.errors import NotFound, PermissionRefused
from territoire.indicators import selectors as indicator_selectors
from territoire.lake import selectors as lake_selectors
from territoire.lake.models import DatasetVersion
from territoire.lake.services.files import lake_root
from territoire.records import exports as record_exports
from territoire.records import selectors as record_selectors
from territoire.records.engine import InsufficientMemory
from territoire.records.odsql import QueryError

from .. import examples, maps, preview
from .. import services as web_services
from ..boundaries import boundaries
from .common import service_url, territory_url

HISTORY_LENGTH = 20


def _dataset_or_404(request, slug: str):
    try:
        return catalog_selectors.dataset_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None


def _check_whole_files(request, dataset) -> None:
    """A reader under a scoped access grant gets the records (table, exports), never whole files."""
    try:
        catalog_selectors.dataset_check_whole_files(request.user, dataset)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.localized()) from None


def _audit_read(request, dataset) -> None:
    catalog_services.dataset_read_record(
        actor=request.user,
        dataset=dataset,
        channel="portail",
        ip_address=ratelimit.client_ip(request),
    )


def _history(dataset) -> list[dict]:
    versions = list(
        DatasetVersion.objects.filter(dataset=dataset)
        .only(
            "number",
            "created_at",
            "row_count",
            "conformity",
            "schema_ref",
            "source_name",
            "columns",
            "byte_size",
        )
        .order_by("-number")[: HISTORY_LENGTH + 1]
    )
    history = []
    for i, version in enumerate(versions[:HISTORY_LENGTH]):
        previous = versions[i + 1] if i + 1 < len(versions) else None
        entry = {"version": version, "changes": None, "row_delta": None}
        if previous is not None:
            entry["changes"] = preview.schema_changes(previous.columns, version.columns)
            entry["row_delta"] = version.row_count - previous.row_count
        history.append(entry)
    return history


def _downloads(dataset, version, table=None) -> list[dict]:
    """The files offered, each saying what it holds: with filters on the table, each format twice —
    the filtered rows (the table's `where` and sort) and the whole dataset — with their row counts."""
    items = []
    if version is not None:
        # GeoJSON needs a position: a point or geometry column, or a latitude/longitude pair.
        formats = record_exports.offered_by(
            record_exports.PORTAL, has_position=record_exports.has_position(version)
        )
        exports = f"/api/explore/v2.1/catalog/datasets/{dataset.slug}/exports"
        filtered = table is not None and table.where and not table.error and table.total is not None
        scopes = []
        if filtered and table.total:
            params = {"where": table.where}
            if table.order_by:
                params["order_by"] = table.order_by
            scopes.append(("filtered", "?" + urlencode(params), table.total))
        scopes.append(("all", "", version.row_count))
        for scope, query, rows in scopes:
            for fmt in formats:
                items.append(
                    {
                        "label": fmt.label,
                        "url": f"{exports}/{fmt.code}{query}",
                        "media_type": fmt.media_type,
                        "size": None,
                        "note": "export",
                        "scope": scope,
                        "rows": rows,
                    }
                )
        items.append(
            {
                "label": f"Parquet — version {version.number}",
                "url": f"/api/v1/datasets/{dataset.slug}/versions/{version.number}/parquet",
                "media_type": "application/vnd.apache.parquet",
                "size": version.byte_size,
                "note": "version",
            }
        )
        source = _source_path(version)
        if source is not None:
            items.append(
                {
                    "label": version.source_name or source.name,
                    "url": reverse("web:dataset-source", args=[dataset.slug]),
                    "media_type": mimetypes.guess_type(version.source_name or source.name)[0]
                    or "application/octet-stream",
                    "size": source.stat().st_size,
                    "note": "source",
                }
            )
    for distribution in dataset.distributions.all():
        if distribution.download_url:
            url = distribution.download_url
        elif distribution.file:
            if version is not None and distribution.checksum == version.source_checksum:
                continue  # the same file as the original above
            url = reverse("web:distribution-file", args=[dataset.slug, distribution.pk])
        else:
            continue
        items.append(
            {
                "label": distribution.title,
                "url": url,
                "media_type": distribution.media_type or distribution.format,
                "size": distribution.byte_size,
                "note": "distribution",
                "format": distribution.format,
            }
        )
    return items


def _source_path(version) -> Path | None:
    if not version or not version.source_path:
        return None
    path = lake_root() / version.source_path
    return path if path.is_file() else None


def _derivation_context(request, dataset, version) -> dict:
    """« Dérivé de … (anonymisé) »: the source, linked for those who may read it, the plan in
    words and the check, on a public derived dataset's page."""
    source, lineage = lake_selectors.version_derived_from(version)
    if not lineage or not dataset.is_public:
        return {}
    readable = (
        source is not None
        and catalog_selectors.dataset_list_for_actor(request.user).filter(pk=source.pk).exists()
    )
    english = (get_language() or "fr").startswith("en")
    check = lineage.get("check") or {}
    return {
        "derivation": {
            "title": (lineage.get("source") or {}).get("title"),
            "url": reverse("web:dataset", args=[source.slug]) if readable else None,
            "plan": lineage.get("plan_en" if english else "plan_fr") or [],
            "k": check.get("k"),
            "required_k": check.get("required_k"),
            "quasi_identifiers": check.get("quasi_identifiers") or [],
        }
    }


def dataset_detail(request, slug: str):
    try:
        dataset = _dataset_or_404(request, slug)
    except Http404:
        # A signed-in person who may not read it learns that it exists and may ask for it.
        requestable = catalog_selectors.dataset_list_requestable(request.user)
        if requestable.filter(slug=slug).exists():
            return redirect("web:access_request_new", slug=slug)
        raise
    _audit_read(request, dataset)
    if (
        request.method == "GET"
        and not request.GET
        and not web_services.is_probably_a_robot(request.META.get("HTTP_USER_AGENT", ""))
    ):
        web_services.dataset_view_count(dataset_id=dataset.pk)

    version = lake_selectors.dataset_current_version(dataset)
    territories = list(dataset.territories.all())
    context = {
        "dataset": dataset,
        "version": version,
        "territories": [(t, territory_url(t)) for t in territories],
        "themes": list(dataset.themes.all()),
        "service_url": service_url(dataset.publisher_service)
        if dataset.publisher_service_id
        else None,
        "licence_url": LICENCE_URLS.get(dataset.licence),
        "is_english": (get_language() or "fr").startswith("en"),
        "downloads": _downloads(dataset, version) if version is None else [],
        "history": _history(dataset) if version else [],
        "is_public": dataset.is_public,
        "indicators": indicator_selectors.indicators_using(request.user, dataset.slug),
    }
    if version is not None:
        context.update(_derivation_context(request, dataset, version))
        served = record_selectors.served_for_actor(request.user, dataset, version)
        table = preview.build_table(served, request.GET)
        context["table"] = table
        documented = record_selectors.fields_documented(dataset.pk, version.columns)
        context["columns"] = [
            {
                **c,
                "type_label": preview.TYPE_LABELS.get(c["type"], c["type"]),
                "display_label": doc.label,
                "description": doc.description,
                "unit": doc.unit,
            }
            for c, doc in zip(version.columns, documented, strict=True)
        ]
        context["downloads"] = _downloads(dataset, version, table)
        if served.restriction is not None:
            # A scoped access grant: its columns only, no statistics computed on every row, and
            # the exports (which apply the scope) rather than whole files.
            open_ids = {c.id for c in served.columns}
            context["columns"] = [
                {**c, "stats": {}} for c in context["columns"] if c["id"] in open_ids
            ]
            context["downloads"] = [
                {**d, "rows": d["rows"] if d["scope"] == "filtered" else None}
                for d in context["downloads"]
                if d.get("note") == "export"
            ]
            context["is_scoped"] = True
        context["filters_open"] = bool(table.active_filters) or any(f.error for f in table.filters)
        context.update(_map_context(served, table, territories))
        context.update(_chart_context(served, request.GET, table))
        context["examples"] = examples.api_examples(
            dataset, version, origin=examples.request_origin(request), where=table.where
        )
        context["carried"] = preview.table_params(request.GET, served.data_columns)
        context["chart_params"] = {
            key: request.GET[key]
            for key in ("graphe-groupe", "graphe-calcul", "graphe-mesure")
            if request.GET.get(key)
        }
    return render(request, "web/dataset_detail.html", context)


def _map_context(served, table, territories) -> dict:
    if not preview.has_map(served):
        return {}
    try:
        features = preview.map_features(served, table.condition)
    except (QueryError, InsufficientMemory):  # as the table and the chart: no map, the page
        return {}
    if features is None:
        return {}
    feature_map = maps.feature_map(
        features["points"],
        features["shapes"],
        boundaries(territories),
        tile_url=settings.TERRITOIRE_TILE_URL,
    )
    return {"feature_map": feature_map, "map_data": features}


def _chart_context(served, params, table) -> dict:
    groups, measures = preview.chart_choices(served.data_columns)
    if not groups:
        return {}
    chart = preview.build_chart(served, params, table.condition)

    def labelled(columns):
        return [
            {"id": c.id, "type": c.type, "display_label": preview.column_label(c)} for c in columns
        ]

    return {
        "chart": chart,
        "chart_groups": labelled(groups),
        "chart_measures": labelled(measures),
        "aggregates": [(k, str(v)) for k, v in preview.AGGREGATES.items()],
    }


def dataset_source_file(request, slug: str):
    """The original file of the served version, as the producer handed it in."""
    dataset = _dataset_or_404(request, slug)
    version = lake_selectors.dataset_current_version(dataset)
    path = _source_path(version)
    if path is None:
        raise Http404
    _check_whole_files(request, dataset)
    _audit_read(request, dataset)
    name = version.source_name or path.name
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


def distribution_file(request, slug: str, pk: int):
    """A file stored as a distribution of the dataset."""
    dataset = _dataset_or_404(request, slug)
    distribution = dataset.distributions.filter(pk=pk).first()
    if distribution is None or not distribution.file:
        raise Http404
    _check_whole_files(request, dataset)
    _audit_read(request, dataset)
    return FileResponse(
        distribution.file.open("rb"),
        as_attachment=True,
        filename=Path(distribution.file.name).name,
        content_type=distribution.media_type or "application/octet-stream",
    )
