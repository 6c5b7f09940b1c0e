"""Typed Parquet out of ``raw_data``, then per-column statistics read back from it.

Parquet is written by DuckDB's ``COPY … (FORMAT parquet)`` with zstd compression and row groups
of 122,880 rows: that is DuckDB's own row-group size, so a file written here maps one-to-one to
the unit DuckDB scans in parallel and prunes with min/max statistics; a 1 M-row dataset gets
nine row groups, enough for every core of a small server to share a scan, while each group is
large enough for dictionary and zstd compression to work well. (The query side may retune.)

The file is written under a temporary name in the work directory and fsynced; the caller renames
it into the lake. Column labels and types are stored in the Parquet key-value metadata
(``territoire:columns``) so that the file describes itself.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from .csvreader import _q, quote_ident

ROW_GROUP_SIZE = 122_880
MAX_STAT_CHARS = 200
# Up to this many rows the distinct counts are exact (count(DISTINCT …)); above, HyperLogLog
# estimates, marked ``distinct_is_estimate`` and never more than the column's non-null values
# (an estimate of 296 for 252 rows helps nobody; the 1 M-row benchmark keeps the estimates).
EXACT_DISTINCT_ROWS = 100_000
GROUP = 25  # columns per statistics query


def write_parquet(
    con: duckdb.DuckDBPyConnection, select_sql: str, path: Path, metadata: dict
) -> None:
    kv = json.dumps(metadata, ensure_ascii=False)
    con.execute(
        f"COPY ({select_sql}) TO {_q(str(path))} (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}, KV_METADATA {{'territoire:columns': {_q(kv)}}})"
    )
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _text(expr: str, type_name: str) -> str:
    if type_name == "geometry":
        return f"ST_AsText({expr})"
    if type_name == "geo_point":
        return f"({expr}).lat::VARCHAR || ',' || ({expr}).lon::VARCHAR"
    if type_name == "boolean":
        return f"CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' END"
    return f"{expr}::VARCHAR"


def column_stats(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns: list[tuple[str, str]],
    *,
    rows: int | None = None,
) -> tuple[int, dict[str, dict]]:
    """Row count and {id: stats} computed in DuckDB over the written file: one scan for the
    counts and the distinct counts (exact up to EXACT_DISTINCT_ROWS rows, else HyperLogLog),
    one small query per column for examples."""
    total, stats = 0, {}
    for k in range(0, len(columns), GROUP):  # DuckDB plans wide queries slowly: in groups
        total, part = _group_stats(con, path, columns[k : k + GROUP], rows=rows)
        stats.update(part)
    if not columns:
        (total,) = con.execute(f"SELECT count(*) FROM read_parquet({_q(str(path))})").fetchone()
    return total, stats


def _group_stats(con, path: Path, columns: list[tuple[str, str]], *, rows: int | None):
    source = f"read_parquet({_q(str(path))})"
    exact = rows is not None and rows <= EXACT_DISTINCT_ROWS
    count_distinct = "count(DISTINCT {})" if exact else "approx_count_distinct({})"
    parts = ["count(*)"]
    for ident, type_name in columns:
        c = quote_ident(ident)
        distinct_of = _text(c, type_name) if type_name in ("geo_point", "geometry") else c
        parts.append(f"count(*) - count({c})")
        parts.append(count_distinct.format(distinct_of))
        if type_name in ("geo_point", "geometry"):
            parts += ["NULL", "NULL"]
        elif type_name == "text":
            parts += [f"left(min({c}), {MAX_STAT_CHARS})", f"left(max({c}), {MAX_STAT_CHARS})"]
        else:
            parts += [_text(f"min({c})", type_name), _text(f"max({c})", type_name)]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    total = row[0]
    stats = {}
    for k, (ident, type_name) in enumerate(columns):
        nulls, distinct, low, high = row[1 + 4 * k : 5 + 4 * k]
        c = quote_ident(ident)
        examples = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT left({_text(c, type_name)}, {MAX_STAT_CHARS}) AS v FROM "
                f"(SELECT {c} FROM {source} WHERE {c} IS NOT NULL LIMIT 1000) LIMIT 5"
            ).fetchall()
        ]
        stats[ident] = {
            "nulls": int(nulls),
            "distinct": min(int(distinct or 0), int(total - nulls)),
            "distinct_is_estimate": not exact,
            "min": low,
            "max": high,
            "examples": examples,
        }
    return total, stats
