"""Small helpers to write SQL text from trusted pieces (schema values are always quoted here)."""

from __future__ import annotations

from territoire.core.duckdb import quote_identifier as quote

__all__ = ["in_list", "quote", "sql_string"]


def sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def in_list(expression: str, items: list[str]) -> str:
    """`expression IN (items)` without DuckDB's rewrite of constant IN-lists into joins: a schema
    with 30 fields each with 5 missing values otherwise plans 150 joins and runs for seconds."""
    if not items:
        return "FALSE"
    if len(items) <= 3:
        return "(" + " OR ".join(f"{expression} = {item}" for item in items) + ")"
    return f"list_contains([{', '.join(items)}], {expression})"
