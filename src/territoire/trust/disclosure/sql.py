"""The project's identifier quoting (``core.duckdb.quote_identifier``), named ``quote`` here."""

from __future__ import annotations

from territoire.core.duckdb import quote_identifier as quote

__all__ = ["quote"]
