"""Zipped Shapefile (``.shp`` with its ``.shx``, ``.dbf`` and ``.prj``), through DuckDB
``spatial`` (:mod:`.spatial`). GDAL can crash on a malformed Shapefile: like every reader it
runs in the isolated reading process (:mod:`..isolation`)."""

from __future__ import annotations

from ..issues import IngestError, error
from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .spatial import read_spatial, zip_member


def sniff(found: Probe) -> bool:
    return any(n.endswith(".shp") for n in found.zip_lower)


def missing_parts(members: list[str]) -> list[str]:
    lower = [m.lower() for m in members]
    shp = sorted(m for m in lower if m.endswith(".shp"))
    if not shp:
        return [".shp"]
    stem = shp[0][:-4]
    return [ext for ext in (".shx", ".dbf") if stem + ext not in lower]


def read(ctx: ReadContext) -> ReadResult:
    missing = missing_parts(ctx.probe.zip_members or [])
    if missing:
        raise IngestError(
            [
                error(
                    "incomplete_shapefile",
                    f"Shapefile incomplet : il manque {', '.join(missing)} dans le ZIP.",
                    f"Incomplete shapefile: {', '.join(missing)} missing from the ZIP.",
                    file=ctx.label,
                    hint_fr="Un Shapefile se compose d'au moins .shp, .shx et .dbf (et .prj "
                    "pour la projection) : zippez-les ensemble.",
                    hint_en="A shapefile needs at least .shp, .shx and .dbf (and .prj): zip "
                    "them together.",
                )
            ]
        )
    return read_spatial(ctx, zip_member(ctx, ".shp"))


register(
    Reader(
        format="shapefile",
        name="Shapefile (ZIP)",
        extensions=(".zip", ".shp"),
        sniff=sniff,
        read=read,
        order=12,
    )
)
