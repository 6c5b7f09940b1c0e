"""DuckDB connections for ingestion (extensions: ``territoire.core.duckdb.load_extension``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Memory DuckDB may use while staging: the 5 GB-CSV budget is 1.5 GB peak RSS for the whole
# process, so DuckDB gets 768 MB and spills the rest to ``temp_directory`` (inside ``workdir``).
MEMORY_LIMIT = "768MB"


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
