"""Structures of a serving file for the columns with few distinct values (services, statuses,
categories, years): what filters on one of their values — a facet's value clicked, the most
common filter of an open-data portal — read instead of scanning every row.

- ``value_counts``: the number of rows of each value (``values_<n>``: the column under its own
  name and the count). A count filtered on one value is read, not counted.
- ``clustered``: a copy of the rows sorted on the one such column with the most values, then by
  record id (``sorted_c<n>_asc``, listed with the sorted copies). An equality on it reads one run
  of rows (the others are skipped by their min/max), in record-id order: the page and the count
  of ``service = "voirie" and montant > 40000`` read a tenth of the table.

Both take the builder's plan (``lake.engine.serving.Plan``) and use the staging's estimate of
each column's distinct values when the columns carry it. A version never changes: neither do
they. The SQL holds quoted column ids and numbers only.
"""

# ruff: noqa: S608 -- identifiers are quoted column ids of the version, values are numbers.

from __future__ import annotations

from territoire.core.duckdb import quote_identifier as quote

VALUES_MAX = 1000  # distinct values of a column whose counts are stored (and that may be clustered)
CATEGORY_TYPES = ("text", "integer", "boolean")


def _distinct(plan) -> dict[str, int]:
    """The estimated distinct values of the candidate columns: the staging's statistics, or one
    scan for the columns without them."""
    candidates = plan.ids_of(*CATEGORY_TYPES)
    known: dict[str, int] = {}
    for column in plan.columns:
        estimate = (column.get("stats") or {}).get("distinct")
        if str(column["id"]) in candidates and isinstance(estimate, int):
            known[str(column["id"])] = estimate
    unknown = [c for c in candidates if c not in known]
    if unknown:
        found = plan.con.execute(
            "SELECT "
            + ", ".join(f"approx_count_distinct({quote(c)})" for c in unknown)
            + " FROM records"
        ).fetchone()
        known.update({c: int(n or 0) for c, n in zip(unknown, found, strict=True)})
    # The estimate errs by a few per cent: the exact number is checked where it matters.
    return {c: known[c] for c in candidates if known.get(c) is not None}


def value_counts(plan) -> None:
    """``values_<n>`` for each column with at most ``VALUES_MAX`` distinct values."""
    taken = {str(c["id"]) for c in plan.columns}
    count_name = "_n"
    while count_name in taken:
        count_name = "_" + count_name
    counted = []
    for n, (column, estimate) in enumerate(_distinct(plan).items()):
        if estimate > VALUES_MAX * 1.2:
            continue
        table = f"values_{n}"
        plan.con.execute(
            f"CREATE TABLE {table} AS SELECT {quote(column)}, count(*) AS {quote(count_name)} "
            f"FROM records GROUP BY ALL ORDER BY {quote(column)}"
        )
        if plan.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > VALUES_MAX:
            plan.con.execute(f"DROP TABLE {table}")
            continue
        counted.append({"column": column, "table": table, "count": count_name})
    plan.manifest["values"] = counted


def clustered(plan) -> None:
    """``sorted_c<n>_asc``: the rows sorted on the category column with the most values (at least
    two, at most ``VALUES_MAX``), ties by record id, unless a sorted copy already has that
    order."""
    sorted_copies = plan.manifest.setdefault("sorted", [])
    done = {tuple(map(tuple, entry["keys"])) for entry in sorted_copies}
    chosen = [
        (estimate, column)
        for column, estimate in _distinct(plan).items()
        if 2 <= estimate <= VALUES_MAX and ((column, False),) not in done
    ]
    if not chosen:
        return
    _estimate, column = max(chosen)
    n = plan.ids_of(*CATEGORY_TYPES).index(column)
    table = f"sorted_c{n}_asc"
    plan.con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM records "
        f"ORDER BY {quote(column)} ASC NULLS LAST, {quote(plan.id_column)}"
    )
    sorted_copies.append({"table": table, "keys": [[column, False]]})
