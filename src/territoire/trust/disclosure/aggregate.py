"""Build a :class:`CellTable` from microdata (DuckDB) or from an already aggregated table.

Microdata of individuals are counted per cell by one GROUP BY in DuckDB; the totals are sums,
added in NumPy. Business data need, for every cell *and every total*, the number of distinct
contributing units and the largest contributions, which are not additive: one query groups
the contributions per unit over every grouping set of the dimensions (the CUBE), ranks them
within each cell and keeps count, sum, largest and n largest.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from territoire.core.errors import ValidationFailed

from .config import BUSINESS, DisclosureConfig
from .sql import quote
from .table import CellTable, sort_labels, with_margins


def columns_of(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Column name → DuckDB type of a table or view."""
    rows = con.execute(f"DESCRIBE {quote(source)}").fetchall()  # noqa: S608 - quoted identifier
    return {row[0]: row[1] for row in rows}


def from_microdata(
    con: duckdb.DuckDBPyConnection, source: str, config: DisclosureConfig
) -> CellTable:
    """Aggregate the rows of ``source`` (a table or view of ``con``) into the protected table."""
    config.check_columns(columns_of(con, source), microdata=True)
    if config.kind == BUSINESS:
        return _business(con, source, config)
    dims = ", ".join(quote(d) for d in config.dimensions)
    count = f"sum({quote(config.count_column)})" if config.count_column else "count(*)"
    value = f"sum({quote(config.value_column)})" if config.value_column else "NULL"
    rows = con.execute(
        f"SELECT {dims}, CAST({count} AS DOUBLE), CAST({value} AS DOUBLE) "  # noqa: S608
        f"FROM {quote(source)} GROUP BY ALL"
    ).fetchall()
    return _interior(config, rows)


def from_aggregates(
    rows: pa.Table | pa.RecordBatchReader | Sequence[Mapping[str, Any]], config: DisclosureConfig
) -> CellTable:
    """An aggregated table (one row per interior cell) with its totals computed by summing."""
    if isinstance(rows, pa.RecordBatchReader):
        rows = rows.read_all()
    if isinstance(rows, pa.Table):
        names = rows.column_names
        records = rows.to_pylist()
    else:
        records = [dict(row) for row in rows]
        names = list(records[0]) if records else []
    config.check_columns(names or list(config.dimensions), microdata=False)
    measure = config.value_column
    tuples = [
        tuple(r[d] for d in config.dimensions)
        + (r[config.count_column], r[measure] if measure else None)
        for r in records
    ]
    keys = [t[: len(config.dimensions)] for t in tuples]
    if len(set(keys)) != len(keys):
        raise ValidationFailed(
            "Le tableau agrégé contient deux lignes pour la même case : une ligne par case est attendue.",
            "The aggregated table has two rows for the same cell: one row per cell is expected.",
            where="dimensions",
        )
    return _interior(config, tuples)


def _interior(config: DisclosureConfig, rows: Iterable[tuple]) -> CellTable:
    rows = list(rows)
    d = len(config.dimensions)
    labels = tuple(sort_labels(row[i] for row in rows) for i in range(d))
    positions = [{label: i for i, label in enumerate(dim)} for dim in labels]
    count = np.zeros(tuple(len(dim) for dim in labels))
    value = np.zeros_like(count)
    for row in rows:
        index = tuple(positions[i][row[i]] for i in range(d))
        count[index] = _number(row[d], "count")
        value[index] = _number(row[d + 1], "value") if config.value_column else count[index]
    if (count < 0).any():
        raise ValidationFailed(
            "Un effectif est négatif : un nombre d'individus ne peut pas l'être.",
            "A count is negative: a number of individuals cannot be.",
            where=config.count_column or "count",
        )
    measure = with_margins(value)
    return CellTable(
        dimensions=config.dimensions,
        labels=labels,
        measure=measure.ravel(),
        count=with_margins(count).ravel(),
        integral=bool(np.all(measure == np.round(measure))),
    )


def _number(value, what: str) -> float:
    if value is None:
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"La valeur {value!r} de la colonne {what} n'est pas un nombre.",
            f"Value {value!r} of the {what} column is not a number.",
            where=what,
        ) from None


def _business(con: duckdb.DuckDBPyConnection, source: str, config: DisclosureConfig) -> CellTable:
    dims = [quote(d) for d in config.dimensions]
    unit = quote(config.unit_column)
    sets = ", ".join(
        "(" + ", ".join([*subset, unit]) + ")"
        for size in range(len(dims), -1, -1)
        for subset in itertools.combinations(dims, size)
    )
    n = config.nk[0] if config.nk else 1
    dim_list = ", ".join(dims)
    count = f"sum({quote(config.count_column)})" if config.count_column else "count(*)"
    sql = (
        f"WITH contributions AS ("  # noqa: S608 - identifiers quoted, values bound
        f" SELECT {dim_list}, GROUPING({dim_list}) AS level, {count} AS rows,"
        f" sum({quote(config.value_column)}) AS contribution"
        f" FROM {quote(source)} GROUP BY GROUPING SETS ({sets})),"
        f" ranked AS (SELECT *, row_number() OVER (PARTITION BY level, {dim_list}"
        f" ORDER BY contribution DESC) AS rank FROM contributions)"
        f" SELECT {dim_list}, level, CAST(sum(rows) AS DOUBLE), CAST(sum(contribution) AS DOUBLE),"
        f" CAST(count(*) AS DOUBLE), CAST(max(contribution) AS DOUBLE),"
        f" CAST(sum(contribution) FILTER (WHERE rank <= ?) AS DOUBLE)"
        f" FROM ranked GROUP BY level, {dim_list}"
    )
    rows = con.execute(sql, [n]).fetchall()
    d = len(dims)
    interior = [row for row in rows if row[d] == 0]
    labels = tuple(sort_labels(row[i] for row in interior) for i in range(d))
    positions = [{label: i for i, label in enumerate(dim)} for dim in labels]
    shape = tuple(len(dim) + 1 for dim in labels)
    arrays = {name: np.zeros(shape) for name in ("count", "measure", "units", "top1", "topn")}
    for row in rows:
        level = row[d]
        index = tuple(
            len(labels[i]) if level >> (d - 1 - i) & 1 else positions[i][row[i]] for i in range(d)
        )
        for name, value in zip(arrays, row[d + 1 :], strict=True):
            arrays[name][index] = value or 0.0
    measure = arrays["measure"]
    return CellTable(
        dimensions=config.dimensions,
        labels=labels,
        measure=measure.ravel(),
        count=arrays["count"].ravel(),
        units=arrays["units"].ravel(),
        top1=arrays["top1"].ravel(),
        topn=arrays["topn"].ravel(),
        integral=bool(np.all(measure == np.round(measure))),
    )
