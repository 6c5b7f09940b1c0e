"""Parquet, read by DuckDB; a GeoParquet geometry column loads the spatial extension."""
# ruff: noqa: S608 - the path is a literal escaped by _q().

from __future__ import annotations

from ..csvreader import _q
from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult, varchar_table


def sniff(found: Probe) -> bool | str:
    if not found.head.startswith(b"PAR1"):
        return False
    return True if found.tail == b"PAR1" else "truncated_parquet"


def read(ctx: ReadContext) -> ReadResult:
    source = f"read_parquet({_q(str(ctx.source))})"
    types = ctx.con.execute(f"SELECT column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall()
    if any(str(t[0]).upper().startswith("GEOMETRY") for t in types):
        ctx.load_spatial()
    ids, labels = varchar_table(ctx, f"SELECT * FROM {source}")
    return ReadResult(ids, labels)


register(
    Reader(
        format="parquet",
        name="Parquet",
        extensions=(".parquet", ".pq"),
        sniff=sniff,
        read=read,
        order=20,
    )
)
