"""dBase tables (``.dbf`` alone: what MapInfo, ArcGIS and old accounting software export),
through DuckDB ``spatial`` (GDAL reads a ``.dbf`` without its ``.shp`` as a table, its code page
from the file's language driver byte). Recognised by its header: a dBase version byte, a
plausible date, and a header and records whose sizes add up to the file's."""

from __future__ import annotations

import os
import struct

from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .spatial import read_spatial

VERSIONS = {0x03, 0x30, 0x31, 0x32, 0x83, 0x8B, 0xF5}  # dBase III–IV, FoxPro, with or without memo


def sniff(found: Probe) -> bool:
    head = found.head
    if found.zip_members is not None or len(head) < 33 or head[0] not in VERSIONS:
        return False
    _year, month, day = head[1], head[2], head[3]
    count, header, record = struct.unpack("<IHH", head[4:12])
    if not (1 <= month <= 12 and 1 <= day <= 31) or header < 33 or record < 1:
        return False
    if header <= len(head) and head[header - 1] != 0x0D:  # the field list's terminator
        return False
    return found.size in (header + count * record, header + count * record + 1)  # 0x1A at end


def read(ctx: ReadContext) -> ReadResult:
    # GDAL chooses its driver by the name: the table is read under a ``.dbf`` name.
    named = ctx.scratch / "table.dbf"
    named.unlink(missing_ok=True)
    os.symlink(ctx.source.resolve(), named)
    return read_spatial(ctx, str(named))


register(
    Reader(
        format="dbase",
        name="dBase (DBF)",
        extensions=(".dbf",),
        sniff=sniff,
        read=read,
        order=14,
    )
)
