"""GeoJSON (a FeatureCollection or a Feature), through DuckDB ``spatial`` (:mod:`.spatial`)."""

from __future__ import annotations

from ..sniff import Probe, json_kind
from . import register
from .base import ReadContext, Reader, ReadResult
from .spatial import read_spatial


def sniff(found: Probe) -> bool:
    return found.text[:1] in ("[", "{") and json_kind(found.text) == "geojson"


def read(ctx: ReadContext) -> ReadResult:
    return read_spatial(ctx, str(ctx.source))


register(
    Reader(
        format="geojson",
        name="GeoJSON",
        extensions=(".geojson",),
        sniff=sniff,
        read=read,
        order=30,
    )
)
