"""Records for the front-ends (OpenDataSoft, CKAN datastore): the version a dataset serves, read
through the same selectors as the native API (``territoire.records.selectors``), so that they
get its hot versions, copies and remembered counts; exports stream from the Parquet file through
the engine on a per-thread DuckDB connection.

The front-ends do not show the native record id (``_id``) unless a query selects it."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from territoire.catalog.models import Dataset

from . import common

_local = threading.local()


@dataclass
class Served:
    dataset: Dataset
    version: object  # lake.models.DatasetVersion
    path: Path
    columns: list[dict]

    @property
    def row_count(self) -> int:
        return int(self.version.row_count)


def served(dataset: Dataset, version=None) -> Served | None:
    """The served version of the dataset and its Parquet file, or None when it has no data yet."""
    version = version if version is not None else common.current_version(dataset)
    if version is None:
        return None
    columns = [
        {"id": c["id"], "label": c.get("label") or c["id"], "type": c["type"]}
        for c in version.columns
    ]
    return Served(dataset=dataset, version=version, path=version.absolute_path, columns=columns)


def connection(timezone: str | None = None):
    """One DuckDB connection per thread (web workers are threads or processes): cheap to reuse.

    Every use names its time zone (datetimes come out in it), so one request's ``timezone``
    parameter never leaks into the next request served by the thread.
    """
    from territoire.records import engine

    zone = timezone or engine.DEFAULT_TIMEZONE
    con = getattr(_local, "con", None)
    if con is None:
        con = engine.connect(timezone=zone)
        _local.con, _local.zone = con, zone
    elif _local.zone != zone:
        engine.set_timezone(con, zone)
        _local.zone = zone
    return con


def _target(s: Served):
    from territoire.records import selectors

    return selectors.served_for(s.dataset, s.version)


def _selects(select: str | None, name: str) -> bool:
    """True when a select clause names the field ``name`` (the record id is shown only then)."""
    return (
        bool(select)
        and re.search(rf"(?<![\w`]){re.escape(name)}(?![\w`])|`{re.escape(name)}`", select)
        is not None
    )


def run(
    s: Served,
    query,
    *,
    max_limit: int | None,
    default_limit: int | None,
    with_count: bool = True,
    timezone: str | None = None,
) -> dict:
    """One page and its total count: ``{"total_count", "results", "limits", "columns"}``."""
    from territoire.records import engine, selectors

    target = _target(s)
    if query.limit is None:
        query = replace(query, limit=default_limit)
    page = selectors.record_page(
        target,
        query,
        with_count=with_count,
        timezone=timezone or engine.DEFAULT_TIMEZONE,
        max_limit=max_limit,
    )
    results, columns = page["results"], page["columns"]
    hidden = target.id_column
    if not _selects(query.select, hidden):
        results = [{k: v for k, v in row.items() if k != hidden} for row in results]
        columns = [c for c in columns if c["name"] != hidden]
    return {
        "total_count": page["total_count"],
        "results": results,
        "limits": page["limits"],
        "columns": columns,
    }


def facets(s: Served, *, timezone: str | None = None, **kwargs) -> list[dict]:
    from territoire.records import engine, selectors

    return selectors.record_facets(
        _target(s), timezone=timezone or engine.DEFAULT_TIMEZONE, **kwargs
    )


def rows(s: Served, query, *, timezone: str | None = None):
    """Every matching row, streamed (a fresh cursor, so the page queries of the thread go on)."""
    from territoire.records import engine

    con = connection(timezone)
    return engine.export_stream(con, query, parquet_path=s.path, columns=s.columns)


def quote_string(value: str) -> str:
    """A value as an ODSQL string literal (parsed back by the query parser, then bound)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_field(name: str) -> str:
    return "`" + str(name).replace("`", "") + "`"


def output_columns(s: Served, query) -> list[dict]:
    """The result columns ({"name", "type"}) of a query; raises QueryError for a bad one."""
    from territoire.records.odsql import compile_query

    compiled = compile_query(
        query, columns=s.columns, source_params=[str(s.path)], max_limit=None, default_limit=None
    )
    return compiled.columns
