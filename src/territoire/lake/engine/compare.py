"""Differences between two versions of a dataset, computed by DuckDB over their Parquet files.

Schema changes are always reported: columns added, removed, retyped (same id, other type) and
relabelled (same id, other header label). Rows: without a key only the counts are compared;
with a key column (its id, present in both versions) rows are matched on it and the result
counts rows added, removed and changed, with the first examples of each (ordered by key).
Values are compared as text, so a column retyped from integer to text still matches ``12`` to
``12`` (integer and decimal columns compare as numbers: ``12`` equals ``12.0``). A key that is not unique is reported (``duplicate_keys``) and only the first row of
each key is compared.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

from pathlib import Path

import duckdb

from territoire.core.duckdb import load_extension

from .csvreader import _q, quote_ident
from .issues import IngestError, error

EXAMPLES = 5
MAX_VALUE_CHARS = 200


def _schema(old_columns: list[dict], new_columns: list[dict]) -> dict:
    old = {c["id"]: c for c in old_columns}
    new = {c["id"]: c for c in new_columns}

    def brief(c: dict) -> dict:
        return {"id": c["id"], "label": c.get("label", c["id"]), "type": c.get("type")}

    return {
        "added": [brief(new[i]) for i in new if i not in old],
        "removed": [brief(old[i]) for i in old if i not in new],
        "retyped": [
            {
                "id": i,
                "label": new[i].get("label", i),
                "old_type": old[i].get("type"),
                "new_type": new[i].get("type"),
            }
            for i in new
            if i in old and old[i].get("type") != new[i].get("type")
        ],
        "relabelled": [
            {"id": i, "old_label": old[i].get("label"), "new_label": new[i].get("label")}
            for i in new
            if i in old and old[i].get("label") != new[i].get("label")
        ],
    }


def _text(column: str) -> str:
    return f"left({quote_ident(column)}::VARCHAR, {MAX_VALUE_CHARS})"


def compare(
    old_path: Path,
    new_path: Path,
    *,
    old_columns: list[dict],
    new_columns: list[dict],
    key: str | None = None,
) -> dict:
    """Schema and row differences between two Parquet versions (see module doc)."""
    schema = _schema(old_columns, new_columns)
    old_ids = [c["id"] for c in old_columns]
    new_ids = [c["id"] for c in new_columns]
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false"})
    try:
        con.execute("SET TimeZone = 'Europe/Paris'")
        if any(c.get("type") == "geometry" for c in old_columns + new_columns):
            load_extension(con, "spatial")
        con.execute(f"CREATE VIEW o AS SELECT * FROM read_parquet({_q(str(old_path))})")
        con.execute(f"CREATE VIEW n AS SELECT * FROM read_parquet({_q(str(new_path))})")
        (old_rows,) = con.execute("SELECT count(*) FROM o").fetchone()
        (new_rows,) = con.execute("SELECT count(*) FROM n").fetchone()
        result = {
            "schema": schema,
            "schema_changed": any(schema[k] for k in ("added", "removed", "retyped")),
            "rows": {"old": old_rows, "new": new_rows, "delta": new_rows - old_rows},
            "key": key,
        }
        if key is None:
            return result
        if key not in old_ids or key not in new_ids:
            raise IngestError(
                [
                    error(
                        "unknown_key",
                        f"La colonne clé « {key} » n'existe pas dans les deux versions.",
                        f"Key column '{key}' is not in both versions.",
                        column=key,
                        hint_fr="Choisissez une colonne présente dans les deux versions.",
                        hint_en="Pick a column present in both versions.",
                    )
                ]
            )
        k = quote_ident(key)
        duplicates = {}
        for side in ("o", "n"):
            (dups,) = con.execute(
                f"SELECT count(*) - count(DISTINCT {k}::VARCHAR) FROM {side} WHERE {k} IS NOT NULL"
            ).fetchone()
            duplicates["old" if side == "o" else "new"] = dups
            con.execute(
                f"CREATE TEMP TABLE {side}k AS SELECT {k}::VARCHAR AS __key__, * FROM {side} "
                f"WHERE {k} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY {k}::VARCHAR) = 1"
            )
        common = [c for c in new_ids if c in old_ids and c != key]

        def rows(sql: str, columns: list[str]) -> list[dict]:
            return [dict(zip(columns, r, strict=True)) for r in con.execute(sql).fetchall()]

        new_cols = [key, *[c for c in new_ids if c != key]]
        old_cols = [key, *[c for c in old_ids if c != key]]
        select_new = ", ".join(_text(c) for c in new_cols)
        select_old = ", ".join(_text(c) for c in old_cols)
        (added,) = con.execute(
            "SELECT count(*) FROM nk WHERE __key__ NOT IN (SELECT __key__ FROM ok)"
        ).fetchone()
        (removed,) = con.execute(
            "SELECT count(*) FROM ok WHERE __key__ NOT IN (SELECT __key__ FROM nk)"
        ).fetchone()
        old_types = {c["id"]: c.get("type") for c in old_columns}
        new_types = {c["id"]: c.get("type") for c in new_columns}
        numeric = {"integer", "decimal"}

        def as_comparable(alias: str, column: str) -> str:
            # integer 12 and decimal 12.0 are the same value; other types compare as text
            cast = "DOUBLE" if {old_types[column], new_types[column]} <= numeric else "VARCHAR"
            return f"{alias}.{quote_ident(column)}::{cast}"

        differs = (
            " OR ".join(
                f"{as_comparable('o', c)} IS DISTINCT FROM {as_comparable('n', c)}" for c in common
            )
            or "false"
        )
        (changed,) = con.execute(
            f"SELECT count(*) FROM ok o JOIN nk n USING (__key__) WHERE {differs}"
        ).fetchone()

        def _same_number(before, after, column) -> bool:
            if not {old_types[column], new_types[column]} <= numeric:
                return False
            try:
                return float(before) == float(after)
            except (TypeError, ValueError):
                return False

        changed_examples = []
        if changed:
            pairs = ", ".join(
                f"left(o.{quote_ident(c)}::VARCHAR, {MAX_VALUE_CHARS}), "
                f"left(n.{quote_ident(c)}::VARCHAR, {MAX_VALUE_CHARS})"
                for c in common
            )
            for row in con.execute(
                f"SELECT __key__, {pairs} FROM ok o JOIN nk n USING (__key__) WHERE {differs} "
                f"ORDER BY __key__ LIMIT {EXAMPLES}"
            ).fetchall():
                changes = {}
                for index, column in enumerate(common):
                    before, after = row[1 + 2 * index], row[2 + 2 * index]
                    if before != after and not _same_number(before, after, column):
                        changes[column] = {"old": before, "new": after}
                changed_examples.append({"key": row[0], "changes": changes})
        result.update(
            {
                "added": {
                    "count": added,
                    "examples": rows(
                        f"SELECT {select_new} FROM nk WHERE __key__ NOT IN (SELECT __key__ FROM ok) "
                        f"ORDER BY __key__ LIMIT {EXAMPLES}",
                        new_cols,
                    ),
                },
                "removed": {
                    "count": removed,
                    "examples": rows(
                        f"SELECT {select_old} FROM ok WHERE __key__ NOT IN (SELECT __key__ FROM nk) "
                        f"ORDER BY __key__ LIMIT {EXAMPLES}",
                        old_cols,
                    ),
                },
                "changed": {"count": changed, "examples": changed_examples},
                "unchanged": (new_rows - added) - changed - duplicates["new"],
                "duplicate_keys": duplicates,
            }
        )
        return result
    finally:
        con.close()
