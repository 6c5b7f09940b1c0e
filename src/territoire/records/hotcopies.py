"""What the hot copies of a version are: the SQL that builds each kind of copy from the main
table, the word index, and which versions get a row copy. Only column ids of the version
(quoted) and numbers are written into this SQL: no user input. (See ``hot`` for when they are
built and how long they are kept.)"""

# ruff: noqa: S608 -- identifiers are quoted column ids of the version, values are numbers.

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

from .columns import Column, quote
from .odsql.sqlgen import normalized_sql

GEO_STRIPS = 64  # geo copies: strips of latitude, each sorted by longitude
# Storage types whose values come out of an Arrow table as DuckDB's own client gives them
# (time zones aside: see selectors.sources.row); a version with any other type gets no row copy.
ROW_COPY_TYPES = ("BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP WITH TIME ZONE", "VARCHAR")
ROW_COPY_PREFIXES = ("DECIMAL(", "STRUCT(lat DOUBLE, lon DOUBLE)")


class _Absent(importlib.abc.MetaPathFinder):
    """Answers "no such module" at once for modules known to be missing."""

    def __init__(self, names: frozenset[str]):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _skip_missing_pandas() -> None:
    """DuckDB's client tries ``import pandas`` on every execute with parameters; when pandas is
    not installed, each try searches sys.path again (0.2 ms a query, measured here). A finder
    in front of the others answers at once that it is missing (a restart sees it if installed)."""
    if importlib.util.find_spec("pandas") is None and not any(
        isinstance(f, _Absent) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _Absent(frozenset({"pandas"})))


_skip_missing_pandas()


def statements(
    table: str, id_column: str, columns: tuple[Column, ...], row_count: int, kind: tuple, name: str
) -> list[tuple[str, list]]:
    """The statements building the copy ``kind`` of the main ``table`` under the name ``name``:
    ``("sorted", (column, descending), …)``, ``("geo", column)`` or ``("words",)``."""
    source, target = quote(table), quote(name)
    identifier = quote(id_column)
    if kind[0] == "words":
        return word_index_statements(table, id_column, columns, row_count, name)
    if kind[0] == "sorted":
        # The same order as the compiled ORDER BY: DuckDB's default NULLS LAST in both
        # directions, ties by _id (the file order).
        keys = ", ".join(f"{quote(c)} {'DESC' if d else 'ASC'}" for c, d in kind[1:])
        return [
            (
                f"CREATE TABLE {target} AS SELECT * FROM {source} ORDER BY {keys}, {identifier} ASC",
                [],
            )
        ]
    column = quote(kind[1])
    # Strips of latitude (1/64 of the data's extent), sorted by longitude inside: a box is
    # a few runs of rows, and DuckDB skips the other segments by their min/max.
    lat = f"struct_extract({column}, 'lat')"
    lon = f"struct_extract({column}, 'lon')"
    extent = (
        f"(SELECT min({lat}) AS low, greatest(max({lat}) - min({lat}), 1e-9) AS span FROM {source})"
    )
    return [
        (
            f"CREATE TABLE {target} AS SELECT t.* FROM {source} t, {extent} e "
            f"ORDER BY floor(({lat} - e.low) / e.span * {GEO_STRIPS}) NULLS LAST, "
            f"{lon} NULLS LAST, t.{identifier}",
            [],
        )
    ]


# Words are what full-text search terms can be (letters, digits, - and _, see
# odsql.sqlgen.search_terms): a term found in a value is always inside one of these.
WORD_SPLIT = r"[^\p{L}\p{N}_-]+"


def text_columns(columns: tuple[Column, ...]) -> list[str]:
    return [c.id for c in columns if c.type == "text"]


def word_index_statements(
    table: str, id_column: str, columns: tuple[Column, ...], row_count: int, name: str
) -> list[tuple[str, list]]:
    """The word index of the text columns: ``<name>_vocab`` (tid, token, n) of every word in
    its search form (``sqlgen.normalized_sql``: lower case, no accents or ligatures), and
    ``<name>`` (tid, col, _id) postings sorted by word, column, row, without duplicates."""
    texts = text_columns(columns)
    source = quote(table)
    identifier = quote(id_column)
    id_type = "INTEGER" if row_count < 2**31 else "BIGINT"  # half the memory when it fits
    tok, vocab, post = quote(name + "_tok"), quote(name + "_vocab"), quote(name)
    parts = " UNION ALL ".join(
        f"SELECT {i} AS col, {identifier} AS id, "
        f"unnest(regexp_split_to_array({normalized_sql(quote(c))}, '{WORD_SPLIT}')) AS token "
        f"FROM {source}"
        for i, c in enumerate(texts)
    )
    return [
        (f"CREATE TABLE {tok} AS SELECT * FROM ({parts}) WHERE token <> ''", []),
        (
            f"CREATE TABLE {vocab} AS SELECT CAST(row_number() OVER (ORDER BY token) AS INTEGER) "
            f"AS tid, token, count(*) AS n FROM {tok} GROUP BY token",
            [],
        ),
        (
            f"CREATE TABLE {post} AS SELECT DISTINCT v.tid, CAST(t.col AS SMALLINT) AS col, "
            f"CAST(t.id AS {id_type}) AS {identifier} FROM {tok} t JOIN {vocab} v USING (token) "
            f"ORDER BY v.tid, col, {identifier}",
            [],
        ),
        (f"DROP TABLE {tok}", []),
    ]


def row_copy_possible(columns: tuple[Column, ...]) -> bool:
    """Whether the values of every column come out of an Arrow table as DuckDB gives them."""
    return all(
        c.storage_type in ROW_COPY_TYPES or c.storage_type.startswith(ROW_COPY_PREFIXES)
        for c in columns
    )
