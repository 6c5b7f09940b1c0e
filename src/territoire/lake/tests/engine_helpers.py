"""Helpers shared by the engine tests (no database needed)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from territoire.lake.engine import IngestError, IngestOptions, stage

# ../shared/data beside the checkout (CI lays it there too)
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data"
CITY = SHARED / "city"
SCHEMAS = SHARED / "schemas"


def run(path: Path, workdir: Path, **options):
    """Stage ``path`` and return (staged, {id: column}); the caller closes ``staged``."""
    staged = stage(Path(path), workdir=workdir, options=IngestOptions(**options))
    return staged, {c.id: c for c in staged.columns}


def types(staged) -> dict[str, str]:
    return {c.id: c.type for c in staged.columns}


def values(staged, column: str, *, where: str = "true") -> list:
    """Values of a Parquet column, as text (timestamps need no pytz this way)."""
    con = duckdb.connect()
    try:
        return [
            r[0]
            for r in con.execute(
                f'SELECT "{column}"::VARCHAR FROM read_parquet(?) WHERE {where}',
                [str(staged.parquet_path)],
            ).fetchall()
        ]
    finally:
        con.close()


def typed(staged, sql: str) -> list[tuple]:
    """Run ``sql`` with the table ``t`` bound to the staged Parquet."""
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{staged.parquet_path}')")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def fails(path: Path, workdir: Path, **options) -> IngestError:
    """Stage ``path``, expect IngestError, and check nothing was left in ``workdir``."""
    before = set(os.listdir(workdir)) if workdir.exists() else set()
    with pytest.raises(IngestError) as info:
        stage(Path(path), workdir=workdir, options=IngestOptions(**options))
    after = set(os.listdir(workdir)) if workdir.exists() else set()
    assert after == before, f"left behind: {after - before}"
    return info.value


def codes(issues) -> set[str]:
    return {i.code for i in issues}
