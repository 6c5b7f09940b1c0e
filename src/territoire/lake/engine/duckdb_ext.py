"""DuckDB connections for ingestion, and extensions loaded from their PyPI wheels.

The platform never downloads anything at run time: ``spatial`` and ``excel`` come from the
``duckdb-extension-<name>`` wheels pinned to DuckDB's own version, and are installed from the
``.duckdb_extension`` file inside the wheel (``con.install_extension(path)``), then loaded.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from .issues import IngestError, error

# Memory DuckDB may use while staging: the 5 GB-CSV budget is 1.5 GB peak RSS for the whole
# process, so DuckDB gets 768 MB and spills the rest to ``temp_directory`` (inside ``workdir``).
MEMORY_LIMIT = "768MB"


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
    """Load a DuckDB extension from its wheel; IngestError if the wheel is missing."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    path = extension_path(name)
    if path is None:
        raise IngestError(
            [
                error(
                    "missing_extension",
                    f"L'extension DuckDB « {name} » n'est pas installée.",
                    f"The DuckDB extension '{name}' is not installed.",
                    hint_fr=f"Installez le paquet duckdb-extension-{name}=={duckdb.__version__}.",
                    hint_en=f"Install duckdb-extension-{name}=={duckdb.__version__}.",
                )
            ]
        )
    con.install_extension(str(path))
    con.load_extension(name)


def connect(temp_dir: Path, *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to ``temp_dir`` and never autoloads from the network."""
    config = {
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(temp_dir),
        "preserve_insertion_order": "true",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
    if threads:
        config["threads"] = str(threads)
    con = duckdb.connect(":memory:", config=config)
    # Naive local times in French files are Paris time.
    con.execute("SET TimeZone = 'Europe/Paris'")
    con.execute("SET enable_progress_bar = false")
    return con
