"""ODSQL, OpenDataSoft's query language, parsed, checked and compiled to DuckDB SQL.

    from territoire.records.odsql import RecordQuery, compile_query
    compiled = compile_query(RecordQuery(where='commune = "Paris"'), columns=columns,
                             source_params=[parquet_path])
    con.execute(compiled.sql, compiled.params)

See docs/odsql.md for the grammar and the differences with OpenDataSoft.
"""

from .compiler import CompiledQuery, RecordQuery, check_paging, compile_filter, compile_query
from .errors import QueryError
from .parser import parse
from .validate import TYPES, Schema

__all__ = [
    "TYPES",
    "CompiledQuery",
    "QueryError",
    "RecordQuery",
    "Schema",
    "check_paging",
    "compile_filter",
    "compile_query",
    "parse",
]
