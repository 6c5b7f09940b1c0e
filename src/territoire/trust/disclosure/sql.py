"""The project's identifier quoting, imported in one place for the whole package.

The quoting helper currently lives in the ingestion engine (``lake.engine.csvreader``); helper
work under way consolidates it (``records.columns.quote``). When it moves, only this import
changes.
"""

from __future__ import annotations

from territoire.lake.engine.csvreader import quote_ident as quote

__all__ = ["quote"]
