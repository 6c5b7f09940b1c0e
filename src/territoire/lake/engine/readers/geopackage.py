"""GeoPackage (a SQLite file, alone or in a ZIP archive), through DuckDB ``spatial``
(:mod:`.spatial`): the first layer, or the one named with the ``sheet`` option."""

from __future__ import annotations

from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .spatial import read_spatial, zip_member

SQLITE = b"SQLite format 3\x00"


def sniff(found: Probe) -> bool:
    if found.zip_members is not None:
        return any(n.endswith(".gpkg") for n in found.zip_lower)
    return found.head.startswith(SQLITE)  # confirmed by its layers when read


def read(ctx: ReadContext) -> ReadResult:
    source = zip_member(ctx, ".gpkg") if ctx.probe.zip_members is not None else str(ctx.source)
    return read_spatial(ctx, source, require_layer=True)


register(
    Reader(
        format="geopackage",
        name="GeoPackage",
        extensions=(".gpkg",),
        sniff=sniff,
        read=read,
        order=13,
    )
)
