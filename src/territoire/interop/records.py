"""Records for the front-ends (OpenDataSoft, CKAN datastore): the version a dataset serves, read
through the same selectors as the native API (``territoire.records.selectors``), so that they
get its hot versions, copies and remembered counts; exports stream from the Parquet file through
the engine on a per-thread DuckDB connection.

The front-ends do not show the native record id (``_id``) unless a query selects it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
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

    return selectors.version_page(
        s.dataset,
        s.version,
        query,
        default_limit=default_limit,
        max_limit=max_limit,
        with_count=with_count,
        timezone=timezone or engine.DEFAULT_TIMEZONE,
    )


def default_facets(s: Served) -> list[str]:
    """The fields faceted when none is asked for (few distinct values: see the selectors)."""
    from territoire.records import selectors

    return selectors.default_facets(_target(s))


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
