"""JSON (an array of objects) and NDJSON (one object per line), read by DuckDB ``read_json``;
nested values are kept as JSON text."""
# ruff: noqa: S608 - the path is a literal escaped by _q().

from __future__ import annotations

import duckdb

from ..csvreader import _q
from ..issues import IngestError, error
from ..sniff import Probe, json_kind
from . import register
from .base import ReadContext, Reader, ReadResult, first_line, varchar_table


def _read(ctx: ReadContext, *, ndjson: bool) -> ReadResult:
    fmt = "newline_delimited" if ndjson else "array"
    sql = (
        f"SELECT * FROM read_json({_q(str(ctx.source))}, format = '{fmt}', records = true, "
        f"sample_size = -1, maximum_object_size = {32 << 20})"
    )
    try:
        ids, labels = varchar_table(ctx, sql)
    except duckdb.Error as exc:
        raise IngestError(
            [
                error(
                    "bad_json",
                    f"JSON illisible : {first_line(exc)}",
                    f"Unreadable JSON: {first_line(exc)}",
                    file=ctx.label,
                    hint_fr="Le fichier doit être un tableau d'objets [{…}, {…}] ou un objet par "
                    "ligne (NDJSON). Vérifiez qu'il est complet et valide.",
                    hint_en="The file must be an array of objects or one object per line "
                    "(NDJSON). Check it is complete and valid.",
                )
            ]
        ) from exc
    return ReadResult(ids, labels)


def _is(kind: str):
    def sniff(found: Probe) -> bool:
        return found.text[:1] in ("[", "{") and json_kind(found.text) == kind

    return sniff


register(
    Reader(
        format="json",
        name="JSON",
        extensions=(".json",),
        sniff=_is("json"),
        read=lambda ctx: _read(ctx, ndjson=False),
        order=31,
    )
)
register(
    Reader(
        format="ndjson",
        name="NDJSON",
        extensions=(".ndjson", ".jsonl"),
        sniff=_is("ndjson"),
        read=lambda ctx: _read(ctx, ndjson=True),
        order=31,
    )
)
