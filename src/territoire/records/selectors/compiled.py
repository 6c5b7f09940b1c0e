"""A query compiled for the source a read chose, and the time limit reads are given."""

from __future__ import annotations

from django.conf import settings

from .. import engine
from ..columns import Column
from ..odsql import RecordQuery, compile_query
from . import sources
from .served import Served


class _Configured(float):
    """The default time limit of a read: ``TERRITOIRE_QUERY_SECONDS``, read when it runs."""


TIMEOUT_S = _Configured(-1)


def query_seconds(timeout_s: float | None) -> float | None:
    """The time limit a read is given: ``timeout_s``, or the configured one by default."""
    if isinstance(timeout_s, _Configured):
        return float(settings.TERRITOIRE_QUERY_SECONDS)
    return timeout_s


def compile_on(
    query: RecordQuery,
    served: Served,
    source: sources.Source,
    timezone: str,
    columns: tuple[Column, ...] | None = None,
    extra_fields: list[tuple[str, str]] | tuple = (),
):
    """The query compiled for a source (no row cap: the pages check their limit first), with
    the extensions it needs loaded on the source's connection."""
    compiled = compile_query(
        query,
        extra_fields=extra_fields,
        columns=served.columns if columns is None else columns,
        source_sql=source.sql,
        source_params=source.params,
        max_limit=None,
        default_limit=None,
        timezone=timezone,
        tiebreak_column=served.id_column,
    )
    engine.load_extensions(source.con, compiled.extensions)
    return compiled
