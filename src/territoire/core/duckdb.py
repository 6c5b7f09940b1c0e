"""DuckDB helpers every layer shares, Django-free: the one quoting of identifiers (and of our own
strings as literals) and the one loader of extensions from their pinned PyPI wheels.

The platform never downloads anything at run time: ``spatial``, ``fts`` and ``excel`` come from the
``duckdb-extension-<name>`` wheels pinned to DuckDB's own version, installed from the
``.duckdb_extension`` file inside the wheel (``con.install_extension(path)``), then loaded.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb


def quote_identifier(name: str) -> str:
    """A column or table name as a double-quoted DuckDB identifier, embedded quotes doubled: the
    one way the project writes an identifier into SQL (user values are always bound parameters)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string of our own (a path of the lake, a manifest) as a single-quoted SQL literal, for
    the statements that take no parameters (ATTACH) and those written with literals when
    parameters made DuckDB's client import pandas (``records.engine`` now refuses that import
    to it). Never for user input: that is always bound."""
    return "'" + str(text).replace("'", "''") + "'"


class MissingExtension(RuntimeError):
    """The wheel of a DuckDB extension is not installed: an installation error, not the user's."""

    def __init__(self, name: str):
        self.name = name
        self.message_fr = (
            f"L'extension DuckDB « {name} » n'est pas installée : installez le paquet "
            f"duckdb-extension-{name}=={duckdb.__version__}."
        )
        self.message_en = (
            f"The DuckDB extension '{name}' is not installed: install "
            f"duckdb-extension-{name}=={duckdb.__version__}."
        )
        super().__init__(self.message_en)


def extension_path(name: str) -> Path | None:
    """Path of ``<name>.duckdb_extension`` shipped by the ``duckdb-extension-<name>`` wheel."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    candidates = sorted(root.glob(f"extensions/v{duckdb.__version__}/*/{name}.duckdb_extension"))
    candidates += sorted(root.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    candidates += sorted(root.glob(f"**/{name}.duckdb_extension"))
    return candidates[0] if candidates else None


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension from its wheel (once per connection); MissingExtension if absent."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    path = extension_path(name)
    if path is None:
        raise MissingExtension(name)
    con.install_extension(str(path))
    con.load_extension(name)
