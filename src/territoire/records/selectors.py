"""Reads of records for the native API: the version a reader may see, pages with cursors, one
record, facets and export rows — on the hot copy of the version when it is loaded (see
``hot``), on its Parquet file otherwise, always through ``odsql.compile_query``.

Record ids: every record of a version has ``_id``, the 1-based ordinal of its row in the
version's Parquet file (``_record_id`` when the data has its own ``_id`` column). A version
never changes, so (version, ``_id``) names one record forever; ``_id`` is a field like the
others (``where=_id > 100``, ``order_by=_id desc``).
"""

# ruff: noqa: S608 -- the only SQL text here is a quoted table name or the fixed Parquet source.

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

import duckdb
from django.conf import settings

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import NotFound
from territoire.core.prepared import PreparedQuery, json_value

from . import cursors, engine, hot
from .odsql import QueryError, RecordQuery, Schema, compile_query, parse
from .odsql import ast as odsql_ast
from .odsql.errors import computation_error
from .odsql.plan import build_plan
from .odsql.sqlgen import quote, search_terms
from .odsql.values import row_converter
from .watchdog import watchdog

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 2**62  # DuckDB's LIMIT and OFFSET are 64-bit
TIMEOUT_S = 10.0
GEO_COPY_MAX_ROWS = 50_000  # a box with more matches pages faster by a scan in file order
GEO_FUNCTIONS = ("in_bbox", "within_distance", "distance")


@dataclass
class Version:
    """What reading a version needs (a DatasetVersion without its large report)."""

    pk: int
    number: int
    path: str
    row_count: int
    columns: list[dict]
    parquet_checksum: str

    @property
    def absolute_path(self):
        return settings.TERRITOIRE_HOME / "lake" / self.path


VERSION_FIELDS = ("id", "number", "path", "row_count", "columns", "parquet_checksum")


@dataclass
class Served:
    """A dataset as one reader sees it, and the version read."""

    dataset_id: int
    slug: str
    is_public: bool
    version: Version | None  # None when the dataset has no data yet
    id_column: str = "_id"
    columns: list[dict] = field(default_factory=list)  # query columns: the id, then the data

    @property
    def data_columns(self) -> list[dict]:
        return self.columns[1:]

    @cached_property
    def dataset(self) -> Dataset:
        """The catalogue object (one more query: only the audit of non-public reads needs it)."""
        return Dataset.objects.get(pk=self.dataset_id)


def served_get(actor, slug: str, *, version: int | None = None) -> Served:
    """The dataset ``slug`` if ``actor`` may see it (NotFound otherwise: the same answer as for
    a dataset that does not exist) and the version to read: ``version``, else the served one.

    One query for the dataset and its served version, through the catalogue's access check
    (``dataset_list_for_actor``); plain values, not model instances: this runs on every read.
    """
    scope = catalog_selectors.shared_scope(actor)
    if scope is not None:
        found = _SERVED_QUERIES[scope].rows(slug)
    else:
        found = list(_served_queryset(catalog_selectors.dataset_list_for_actor(actor), slug))
    if not found:
        raise NotFound(
            f"Jeu de données « {slug} » introuvable.", f"Dataset '{slug}' not found.", where="slug"
        )
    dataset_id, access_level, is_published, *current = found[0]
    if current[0] is not None:
        current[4] = json_value(current[4])  # columns: raw JSON text from a prepared query
    is_public = bool(is_published) and access_level == AccessLevel.PUBLIC
    if version is not None:
        from territoire.lake.models import DatasetVersion

        chosen = (
            DatasetVersion.objects.filter(dataset_id=dataset_id, number=version)
            .values_list(*VERSION_FIELDS)
            .first()
        )
        if chosen is None:
            raise NotFound(
                f"Le jeu de données « {slug} » n'a pas de version {version}.",
                f"Dataset '{slug}' has no version {version}.",
                where="version",
            )
    else:
        chosen = current if current[0] is not None else None
    served = served_for(None, Version(*chosen) if chosen else None)
    served.dataset_id, served.slug, served.is_public = dataset_id, slug, is_public
    return served


def _served_queryset(datasets, slug: str):
    return (
        datasets.filter(slug=slug)
        .select_related(None)
        .order_by()
        .values_list(
            "id",
            "access_level",
            "is_published",
            *(f"lake__current_version__{name}" for name in VERSION_FIELDS),
        )[:1]
    )


# The dataset lookup of every read, compiled once per shared access scope (anonymous readers,
# data officers): building the queryset cost as much as the rest of a record lookup.
_SERVED_QUERIES = {
    scope: PreparedQuery(
        lambda slug, scope=scope: _served_queryset(
            catalog_selectors.dataset_list_for_scope(scope), slug
        )
    )
    for scope in (catalog_selectors.SCOPE_PUBLIC, catalog_selectors.SCOPE_ALL)
}


def served_for(dataset: Dataset | None, version) -> Served:
    """A Served for a dataset and a version (a DatasetVersion or a Version), for code that
    already holds them (the benchmark, other front-ends)."""
    served = Served(
        dataset_id=dataset.pk if dataset else 0,
        slug=dataset.slug if dataset else "",
        is_public=dataset.is_public if dataset else True,
        version=None,
    )
    if dataset is not None:
        served.dataset = dataset  # cached_property: no query
    if version is None:
        return served
    if not isinstance(version, Version):
        version = Version(*(getattr(version, "pk" if f == "id" else f) for f in VERSION_FIELDS))
    data = [
        {
            "id": c["id"],
            "label": c.get("label") or c["id"],
            "type": c["type"],
            "storage_type": c.get("storage_type") or "",
        }
        for c in version.columns
    ]
    ids = {c["id"] for c in data}
    id_column = "_id"
    while id_column in ids:
        id_column = "_record" + id_column if id_column == "_id" else "_" + id_column
    served.version = version
    served.id_column = id_column
    served.columns = [
        {"id": id_column, "label": id_column, "type": "integer", "storage_type": "BIGINT"}
    ] + data
    return served


# ---------------------------------------------------------------- sources


@dataclass
class Source:
    """Where a query reads: a hot table (or copy), or the version's Parquet file."""

    con: duckdb.DuckDBPyConnection
    sql: str
    params: list
    hot: hot.HotVersion | None = None
    in_order: tuple | None = None  # rows are stored in this order: (("col", desc), …)


def _parquet_source(served: Served) -> tuple[str, list]:
    if any(c["id"] == "file_row_number" for c in served.data_columns):
        sql = f"(SELECT row_number() OVER () AS {quote(served.id_column)}, * FROM read_parquet(?))"
    else:
        sql = (
            f"(SELECT file_row_number + 1 AS {quote(served.id_column)}, * EXCLUDE (file_row_number) "
            "FROM read_parquet(?, file_row_number = true))"
        )
    return sql, [str(served.version.absolute_path)]


@contextmanager
def _main_source(served: Served, timezone: str, *, fresh: bool = False) -> Iterator[Source]:
    store = hot.store()
    with store.use(served.version, served.data_columns, served.id_column) as hv:
        if hv is not None:
            con = store.fresh_cursor(timezone) if fresh else store.cursor(timezone)
            try:
                yield Source(
                    con, quote(hv.main.table), [], hv, in_order=((served.id_column, False),)
                )
            finally:
                if fresh:
                    con.close()
            return
        con = engine.connect(timezone=timezone) if fresh else _parquet_connection(timezone)
        sql, params = _parquet_source(served)
        try:
            yield Source(con, sql, params, None, in_order=((served.id_column, False),))
        finally:
            if fresh:
                con.close()


_parquet_local = threading.local()


def _parquet_connection(timezone: str) -> duckdb.DuckDBPyConnection:
    con = getattr(_parquet_local, "con", None)
    if con is None:
        con = engine.connect(timezone=timezone)
        _parquet_local.con, _parquet_local.zone = con, timezone
    elif _parquet_local.zone != timezone:
        engine.set_timezone(con, timezone)
        _parquet_local.zone = timezone
    return con


def _parquet_twin(served: Served, main: Source, timezone: str) -> Source:
    """The Parquet file, for aggregations: DuckDB can group its dictionary-encoded text columns
    as dictionaries (measured once faster than the hot table: a filtered group-by 26 ms against
    44, two facets 35 against 50; equal in the benchmark of bench/RESULTS.md, "Records API").
    Counts and facets computed there are still remembered with the hot version."""
    sql, params = _parquet_source(served)
    return Source(_parquet_connection(timezone), sql, params, main.hot)


def _copy_source(source: Source, kind: tuple) -> Source | None:
    if source.hot is None:
        return None
    structure = hot.store().request_copy(source.hot, kind)
    if structure is None:
        return None
    in_order = tuple(kind[1:]) if kind[0] == "sorted" else None
    return Source(source.con, quote(structure.table), [], source.hot, in_order=in_order)


# ---------------------------------------------------------------- analysis


@dataclass
class Analysis:
    is_aggregate: bool
    keys: list[tuple[str, bool]] | None  # the order as plain columns (None: not only columns)
    key_types: list[str]
    geo_column: str | None  # a geo_point column a top-level in_bbox/within_distance filters on
    uses_now: bool
    filtered: bool  # where, refine or exclude given
    searches: list[tuple[list[str], str]] = field(default_factory=list)  # (text fields, text)
    only_searches: bool = False  # the whole filter is those full-text searches
    equal_column: str | None = None  # a column a top-level condition wants equal to one value


def _wheres(where) -> list[str]:
    if where is None:
        return []
    texts = [where] if isinstance(where, str) else list(where)
    return [t for t in texts if t is not None and t.strip()]


def analyze(query: RecordQuery, columns: list[dict]) -> Analysis:
    """What the query is, to choose where it runs (raises QueryError for a bad query)."""
    schema = Schema(columns)
    wheres = _wheres(query.where)
    several = len(wheres) > 1
    plan = build_plan(
        schema,
        select=parse("select", query.select) if _given(query.select) else None,
        where=[
            (i if several else None, parse("where", t, index=i if several else None))
            for i, t in enumerate(wheres)
        ],
        group_by=parse("group_by", query.group_by) if _given(query.group_by) else None,
        order_by=parse("order_by", query.order_by) if _given(query.order_by) else None,
    )
    keys: list[tuple[str, bool]] | None = []
    types = []
    for key in plan.orders:
        expr = plan.outputs[key.output_index].expr if key.output_index is not None else key.expr
        if isinstance(expr, odsql_ast.Field) and expr.alias_of is None and expr.column:
            keys.append((expr.column, key.descending))
            types.append(schema.get(expr.column).type)
        else:
            keys = None
            break
    geo_column = None
    uses_now = False
    if plan.where is not None:
        for node in odsql_ast.walk(plan.where):
            if isinstance(node, odsql_ast.Call) and node.name == "now":
                uses_now = True
        conjuncts = list(_conjuncts(plan.where))
        searches, only_searches = _searches(conjuncts, schema, plan.search_fields)
        equal_column = _equal_column(conjuncts, schema)
        for node in conjuncts:
            if (
                isinstance(node, odsql_ast.Call)
                and node.name in GEO_FUNCTIONS
                and isinstance(node.args[0], odsql_ast.Field)
                and node.args[0].type == "geo_point"
            ):
                geo_column = node.args[0].column
                break
    else:
        searches, only_searches, equal_column = [], False, None
    return Analysis(
        is_aggregate=plan.is_aggregate,
        keys=keys,
        key_types=types if keys is not None else [],
        geo_column=geo_column,
        uses_now=uses_now,
        filtered=bool(wheres or query.refine or query.exclude),
        searches=searches,
        only_searches=only_searches and not (query.refine or query.exclude),
        equal_column=equal_column,
    )


def _conjuncts(node):
    if isinstance(node, odsql_ast.BoolOp) and node.op == "and":
        for item in node.items:
            yield from _conjuncts(item)
    else:
        yield node


CLUSTER_TYPES = frozenset({"text", "integer", "boolean", "date", "decimal"})


def _equal_column(conjuncts, schema) -> str | None:
    """A column that a top-level condition wants equal to one literal value. On a copy sorted
    by it, the matching rows are one run (the others are skipped by their min/max) and come
    in file order (they share the value: ties are in _id order)."""
    for node in conjuncts:
        if (
            isinstance(node, odsql_ast.Compare)
            and node.op == "="
            and isinstance(node.left, odsql_ast.Field)
            and node.left.column
            and node.left.alias_of is None
            and isinstance(node.right, odsql_ast.Literal)
            and schema.get(node.left.column).type in CLUSTER_TYPES
        ):
            return node.left.column
    return None


def _searches(conjuncts, schema, search_fields) -> tuple[list[tuple[list[str], str]], bool]:
    """The full-text searches among the top-level conditions, and whether that is all there is."""
    found, only = [], True
    for node in conjuncts:
        fields = None
        if isinstance(node, odsql_ast.Search):
            if not node.fields:
                fields = list(search_fields)
            elif all(isinstance(f, odsql_ast.Field) and f.column for f in node.fields):
                fields = [f.column for f in node.fields]
        elif (
            isinstance(node, odsql_ast.Like)
            and isinstance(node.expr, odsql_ast.Field)
            and node.expr.column
        ):
            fields = [node.expr.column]
        if fields is not None and all(schema.get(f).type == "text" for f in fields):
            found.append((fields, node.text))
        else:
            only = False
    return found, only and bool(found)


def _given(text: str | None) -> bool:
    return text is not None and text.strip() != ""


def check_paging(limit: int | None, offset: int, max_limit: int | None) -> tuple[int, int]:
    if limit is None:
        limit = DEFAULT_LIMIT
    if limit < 0:
        raise QueryError(
            f"limit ne peut pas être négatif (reçu {limit})",
            f"limit cannot be negative (got {limit})",
            clause="limit",
        )
    if max_limit is not None and limit > max_limit:
        raise QueryError(
            f"limit={limit} dépasse le maximum de {max_limit} lignes par page. Pour tout obtenir, "
            "suivez les curseurs (next_cursor) ou utilisez les exports, qui n'ont pas de plafond",
            f"limit={limit} exceeds the maximum of {max_limit} rows per page. To get everything, "
            "follow the cursors (next_cursor) or use the exports, which have no cap",
            clause="limit",
        )
    if offset < 0:
        raise QueryError(
            "offset ne peut pas être négatif", "offset cannot be negative", clause="offset"
        )
    if offset > MAX_OFFSET or limit > MAX_OFFSET:
        raise QueryError(
            f"offset et limit sont au plus {MAX_OFFSET} : pour aller loin, suivez les curseurs",
            f"offset and limit are at most {MAX_OFFSET}: to go far, follow the cursors",
            clause="offset" if offset > MAX_OFFSET else "limit",
        )
    return limit, offset


# ---------------------------------------------------------------- execution


def _execute(con, sql: str, params: list, timeout_s: float | None):
    """Rows, or None when the time limit interrupted the statement."""
    with watchdog.deadline(con, timeout_s) as d:
        try:
            return con.execute(sql, params).fetchall()
        except engine.DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        except duckdb.InterruptException:
            if not d.expired:
                raise
            return None


def _compile(query: RecordQuery, served: Served, source: Source, timezone: str):
    compiled = compile_query(
        query,
        columns=served.columns,
        source_sql=source.sql,
        source_params=source.params,
        max_limit=None,
        default_limit=None,
        timezone=timezone,
        tiebreak_column=served.id_column,
    )
    for extension in compiled.extensions:
        engine.ensure_extension(source.con, extension)
    return compiled


def _count_key(query: RecordQuery, analysis: Analysis, timezone: str):
    if analysis.uses_now:
        return None
    return (
        "count",
        analysis.is_aggregate,
        query.group_by or "",
        query.select if analysis.is_aggregate else "",
        tuple(_wheres(query.where)),
        tuple(query.refine),
        tuple(query.exclude),
        query.lang,
        timezone,
    )


def _count(
    served: Served,
    query: RecordQuery,
    analysis: Analysis,
    source: Source,
    timezone: str,
    timeout_s: float | None,
) -> int | None:
    """The number of records (or groups) of the query: known, cached, or counted."""
    if not analysis.is_aggregate and not analysis.filtered:
        return int(served.version.row_count)
    key = _count_key(query, analysis, timezone)
    if source.hot is not None and key is not None:
        cached = source.hot.recall(key)
        if cached is not None:
            return cached
    compiled = _compile(replace(query, limit=None, offset=0), served, source, timezone)
    rows = _execute(source.con, compiled.count_sql, compiled.count_params, timeout_s)
    if rows is None:
        return None
    total = int(rows[0][0])
    if source.hot is not None and key is not None:
        source.hot.remember(key, total)
    return total


_counter = ThreadPoolExecutor(max_workers=4, thread_name_prefix="records-count")


def _count_meanwhile(served, base, analysis, source, timezone, timeout_s, wanted):
    """Start the count on another connection while the page runs (they take about as long
    each; on the hot copy they run side by side), or None when it is known or not wanted.
    Not for aggregates: their groups usually fit in the page, which then gives the count, and
    a count of groups beside it would only double the work (measured: 42 ms against 23)."""
    if not wanted or source.hot is None or analysis.is_aggregate or not analysis.filtered:
        return None
    key = _count_key(base, analysis, timezone)
    if key is not None and source.hot.recall(key) is not None:
        return None
    return _counter.submit(
        _count_elsewhere,
        served,
        base,
        analysis,
        source.sql,
        source.params,
        source.hot,
        timezone,
        timeout_s,
    )


def _count_elsewhere(served, base, analysis, sql, params, hv, timezone, timeout_s):
    con = hot.store().cursor(timezone)  # this worker thread's own connection
    return _count(served, base, analysis, Source(con, sql, params, hv), timezone, timeout_s)


def _hidden_prefix(columns: list[dict]) -> str:
    prefix = "_cursor_"
    while any(c["id"].startswith(prefix) for c in columns):
        prefix = "_" + prefix
    return prefix


@dataclass
class Candidates:
    """The rows a full-text search may match, from the word index (SQL of their _ids)."""

    sql: str
    in_order: bool = False  # one run of the (sorted) postings: ids come in order, no duplicates


FTS_TOKEN_LIMIT = 2000  # words containing the term; more: the term is too common to help
FTS_SHARE_LIMIT = 0.2  # candidates above this share of the rows: a scan is as fast


def _search_candidates(served: Served, main: Source, analysis: Analysis) -> Candidates | None:
    """Candidates of the query's full-text searches, or None when the word index is not
    ready (it is then being built) or would not narrow the scan enough."""
    if main.hot is None or not analysis.searches:
        return None
    index = hot.store().request_copy(main.hot, ("words",))
    if index is None:
        return None
    columns = hot.text_columns(main.hot)
    vocab = quote(index.table + "_vocab")
    post = quote(index.table)
    identifier = quote(served.id_column)
    terms = []
    estimate = None
    for fields, text in analysis.searches:
        positions = sorted(columns.index(f) for f in fields if f in columns)
        for word in search_terms(text):
            known = main.hot.recall(("words", word))
            if known is None:
                known = main.con.execute(
                    f"SELECT list(tid ORDER BY tid), coalesce(sum(n), 0) FROM {vocab} "
                    "WHERE contains(token, ?)",
                    [word],
                ).fetchone()
                main.hot.remember(("words", word), known)
            tids, count = known
            tids = tids or []
            if len(tids) > FTS_TOKEN_LIMIT:
                return None
            estimate = count if estimate is None else min(estimate, count)
            if not tids or not positions:
                return Candidates(f"SELECT {identifier} FROM {post} WHERE false", in_order=True)
            # tids and positions are integers read from our own tables: written as literals
            # so that the scan of the (sorted) postings skips by min/max.
            terms.append(
                (
                    f"SELECT {identifier} FROM {post} WHERE tid IN ({', '.join(map(str, tids))})"
                    f" AND col IN ({', '.join(map(str, positions))})",
                    len(tids) == 1 and len(positions) == 1,
                )
            )
    if not terms or estimate > FTS_SHARE_LIMIT * int(served.version.row_count):
        return None
    if len(terms) == 1:
        sql, single = terms[0]
        if single:
            return Candidates(sql, in_order=True)
        return Candidates(f"SELECT DISTINCT {identifier} FROM ({sql})")
    return Candidates(" INTERSECT ".join(sql for sql, _ in terms))


def _candidate_source(served: Served, main: Source, found: Candidates) -> Source:
    """The main table restricted to the rows the word index names (the where still applies)."""
    return Source(
        main.con,
        f"(SELECT * FROM {main.sql} WHERE {quote(served.id_column)} IN ({found.sql}))",
        [],
        main.hot,
    )


FTS_FAST_LIMIT = 1000  # pages of a pure full-text search read by id up to this size


def _search_page(
    served, main, found, page_query, query, cursor, limit, offset, timezone, timeout_s
):
    """A page of a query that is only full-text searches, in file order, from the word index:
    the page's ids from the postings, its rows by id (the where still checks them), the count
    from the postings. Returns (compiled, rows), has_more, total — or (None, None, None) when
    the index and the where disagree on a row (the general path then answers)."""
    identifier = quote(served.id_column)
    after = cursor.after_id if cursor is not None and cursor.after is not None else 0
    # Integers written as literals: DuckDB then pushes the bound into the scan, and a query
    # without OFFSET streams (an OFFSET, even 0, makes it read whole row groups first).
    order = "" if found.in_order else f"ORDER BY {identifier} "
    skip = f" OFFSET {int(offset)}" if offset else ""
    ids = _execute(
        main.con,
        f"SELECT {identifier} FROM ({found.sql}) WHERE {identifier} > {int(after or 0)} "
        f"{order}LIMIT {int(limit) + 1}{skip}",
        [],
        timeout_s,
    )
    if ids is None:
        return None, None, None
    page_ids = [int(r[0]) for r in ids[:limit]]
    where = _wheres(query.where)
    # The page's rows by id (integers of our own, as literals: an index lookup each); the
    # where still checks them.
    rows_by_id = Source(
        main.con,
        f"(SELECT * FROM {main.sql} WHERE {identifier} IN ({', '.join(map(str, page_ids)) or 'NULL'}))",
        [],
        main.hot,
    )
    fetch = replace(
        page_query,
        where=where,
        limit=None,
        offset=0,
        order_by=cursors.field_name(served.id_column),
    )
    compiled = _compile(fetch, served, rows_by_id, timezone)
    rows = _execute(main.con, compiled.sql, compiled.params, timeout_s)
    if rows is None or len(rows) != len(page_ids):
        return None, None, None
    key = ("search-count", tuple(where), query.lang, timezone)
    total = main.hot.recall(key)
    if total is None:
        counted = _execute(main.con, f"SELECT count(*) FROM ({found.sql})", [], timeout_s)
        if counted is not None:
            total = int(counted[0][0])
            main.hot.remember(key, total)
    return (compiled, rows), len(ids) > limit, total


def record_page(
    served: Served,
    query: RecordQuery,
    *,
    cursor: cursors.Cursor | None = None,
    with_count: bool = True,
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
    max_limit: int | None = MAX_LIMIT,
) -> dict:
    """One page of records (or groups), its total count and the cursor of the next page.

    Returns ``{"total_count", "results", "limits", "columns", "next_cursor"}``; a limit that is
    hit is listed in ``limits`` (``total_count`` is then None). Raises QueryError.
    """
    limit, offset = check_paging(query.limit, query.offset or 0, max_limit)
    if served.version is None:
        return {"total_count": 0, "results": [], "limits": [], "columns": [], "next_cursor": None}
    base = replace(query, limit=None, offset=0)
    analysis = analyze(base, served.columns)
    keyset = not analysis.is_aggregate and analysis.keys is not None
    keys = list(analysis.keys or [])
    types = list(analysis.key_types)
    if keyset and any(t not in cursors.KEYSET_TYPES for t in types):
        keyset = False

    seen = offset
    wheres = _wheres(query.where)
    if cursor is not None:
        seen = cursor.seen
        if cursor.after is not None:
            if not keyset or len(cursor.after) != len(keys):
                raise cursors.invalid()  # pragma: no cover - a signed cursor always fits
            wheres = wheres + [
                cursors.after_condition(keys, cursor.after, served.id_column, cursor.after_id)
            ]
            offset = 0
        else:
            offset = cursor.offset
    if offset and keyset and not keys and not analysis.filtered:
        # Every row, in file order: the row at offset k has _id k + 1 (ids are dense), so an
        # offset is a keyset condition, which skips what comes before instead of reading it.
        wheres = wheres + [f"{cursors.field_name(served.id_column)} > {int(offset)}"]
        offset = 0

    select = query.select
    hidden = 0
    if keyset:
        prefix = _hidden_prefix(served.columns)
        extra = [
            f"{cursors.field_name(column)} as {prefix}{i}" for i, (column, _) in enumerate(keys)
        ]
        extra.append(f"{cursors.field_name(served.id_column)} as {prefix}id")
        select = ", ".join([select if _given(select) else "*", *extra])
        hidden = len(extra)

    started = time.monotonic()
    limits: list[dict] = []
    with _main_source(served, timezone) as main:
        source = main
        page_query = replace(
            query, select=select, where=wheres or None, limit=limit + 1, offset=offset
        )
        total = None
        counted = False
        if analysis.geo_column and main.hot is not None:
            geo = _copy_source(main, ("geo", analysis.geo_column))
            if geo is not None:
                total = _count(served, base, analysis, geo, timezone, timeout_s)
                counted = True
                if total is not None and total <= GEO_COPY_MAX_ROWS:
                    source = geo
                    if not _given(query.order_by) and not analysis.is_aggregate:
                        # The copy is in strips: sort the (few) matches back into file order.
                        page_query = replace(
                            page_query, order_by=cursors.field_name(served.id_column)
                        )
        found = None
        if source is main and analysis.searches:
            found = _search_candidates(served, main, analysis)
        fast = (
            found is not None
            and analysis.only_searches
            and keyset
            and (not keys or tuple(keys) == main.in_order)
            and limit <= FTS_FAST_LIMIT
        )
        rows = None
        pending = None
        if fast:
            rows, ids_more, total_known = _search_page(
                served, main, found, page_query, query, cursor, limit, offset, timezone, timeout_s
            )
            if rows is not None:
                compiled = rows[0]
                rows, has_more_ids = rows[1], ids_more
                if total_known is not None:
                    total, counted = total_known, True
        if rows is None:
            if found is not None:
                # Read only the rows the word index names; the where still applies in full.
                source = _candidate_source(served, main, found)
                if not _given(query.order_by) and not analysis.is_aggregate:
                    page_query = replace(page_query, order_by=cursors.field_name(served.id_column))
            if source is main and keyset and keys:
                if tuple(keys) == main.in_order:
                    page_query = replace(page_query, order_by=None)
                else:
                    copy = _copy_source(main, ("sorted", *keys))
                    if copy is not None:
                        source = copy
                        page_query = replace(page_query, order_by=None)
            if source is main and analysis.equal_column:
                source = _copy_source(main, ("sorted", (analysis.equal_column, False))) or main
            if source is main and analysis.is_aggregate and main.hot is not None:
                source = _parquet_twin(served, main, timezone)
            compiled = _compile(page_query, served, source, timezone)
            pending = _count_meanwhile(
                served, base, analysis, source, timezone, timeout_s, with_count and not counted
            )
            try:
                rows = _execute(source.con, compiled.sql, compiled.params, timeout_s)
            except BaseException:
                if pending is not None:
                    pending.cancel() or pending.exception()  # never leave it running
                raise
            has_more_ids = None
        if rows is None:
            if pending is not None:
                pending.cancel() or pending.exception()
            return {
                "total_count": None,
                "results": [],
                "limits": [engine.time_limit(timeout_s, "results")],
                "columns": compiled.columns[: len(compiled.columns) - hidden],
                "next_cursor": None,
            }
        has_more = limit > 0 and (len(rows) > limit if has_more_ids is None else has_more_ids)
        rows = rows[:limit]
        visible = compiled.columns[: len(compiled.columns) - hidden]
        convert = row_converter(visible, timezone)
        width = len(visible)
        results = [convert(row[:width]) for row in rows]

        if not has_more and (rows or seen == 0):
            total = seen + len(rows)
        elif with_count and not counted and pending is not None:
            total = pending.result()
        elif with_count and not counted:
            remaining = (
                None if timeout_s is None else max(timeout_s - (time.monotonic() - started), 0.001)
            )
            total = _count(served, base, analysis, source, timezone, remaining)
        if pending is not None and not pending.done():
            pending.cancel() or pending.exception()  # the page held the end: not needed
        if with_count and total is None:
            limits.append(engine.time_limit(timeout_s, "total_count"))

    next_cursor = None
    if has_more:
        state = {
            "select": query.select,
            "where": _wheres(query.where),
            "group_by": query.group_by,
            "order_by": query.order_by,
            "refine": list(query.refine),
            "exclude": list(query.exclude),
            "lang": query.lang,
        }
        following = cursors.Cursor(
            version=served.version.number, query=state, seen=seen + len(rows)
        )
        literals = None
        if keyset:
            last = rows[-1]
            literals = [
                cursors.literal(value, t)
                for value, t in zip(last[width : width + len(keys)], types, strict=True)
            ]
            if any(v is False for v in literals):
                literals = None
            else:
                following.after, following.after_id = literals, int(last[-1])
        if literals is None:
            following.offset = seen + len(rows)
        next_cursor = following.encode()
    return {
        "total_count": total if with_count else None,
        "results": results,
        "limits": limits,
        "columns": visible,
        "next_cursor": next_cursor,
    }


def record_get(
    served: Served,
    record_id: int,
    *,
    select: str | None = None,
    timezone: str = engine.DEFAULT_TIMEZONE,
) -> dict:
    """One record by its ``_id``; NotFound when the version has no such row."""
    missing = NotFound(
        f"Pas d'enregistrement {record_id} dans ce jeu de données.",
        f"No record {record_id} in this dataset.",
        where="record_id",
    )
    if served.version is None or record_id < 1 or record_id > int(served.version.row_count):
        raise missing
    with _main_source(served, timezone) as source:
        compiled, params = _lookup_plan(served, source, select, timezone, int(record_id))
        row = _from_row_copy(source, select, int(record_id), timezone)
        if row is not None:
            return row_converter(compiled.columns, timezone)(row)
        rows = _execute(source.con, compiled.sql, params, TIMEOUT_S)
    if rows is None:
        raise QueryError(
            "La limite de temps a été atteinte : réessayez dans un instant",
            "The time limit was reached: try again in a moment",
            clause="query",
        )
    if not rows:
        raise missing
    return row_converter(compiled.columns, timezone)(rows[0])


def _from_row_copy(source: Source, select, record_id: int, timezone: str) -> tuple | None:
    """The whole record from the hot version's row copy (see ``hot``), as DuckDB would return
    it, or None (a ``select``, no copy ready, an id out of range: the SQL lookup then runs)."""
    if select or source.hot is None:
        return None
    table = hot.store().rows(source.hot)
    if table is None or not 1 <= record_id <= table.num_rows:
        return None
    values = table.slice(record_id - 1, 1).to_pylist()[0]
    row = tuple(values.values())
    if row[0] != record_id:  # the copy is in _id order with no gap; anything else: use SQL
        return None
    if any(isinstance(v, datetime) and v.tzinfo is not None for v in row):
        zone = ZoneInfo(timezone)  # Arrow keeps the UTC instant; DuckDB answers in the zone
        row = tuple(
            v.astimezone(zone) if isinstance(v, datetime) and v.tzinfo is not None else v
            for v in row
        )
    return row


_LOOKUP_SENTINEL = 918_273_645_546_372_819  # stands for the record id in a cached plan
_lookup_plans: dict[tuple, object] = {}
_LOOKUP_PLANS_MAX = 256


def _lookup_plan(served: Served, source: Source, select, timezone: str, record_id: int):
    """The compiled lookup of one record and its parameters. The plan is compiled once per
    (version, source, select, time zone) with a sentinel id, then reused with the real id bound
    in its place: parsing and compiling the ODSQL cost more than DuckDB's indexed lookup."""

    def lookup(value: int):
        where = f"{cursors.field_name(served.id_column)} = {value}"
        return _compile(RecordQuery(select=select, where=where, limit=1), served, source, timezone)

    key = (served.version.pk, served.id_column, source.sql, tuple(source.params), select, timezone)
    compiled = _lookup_plans.get(key)
    if compiled is None:
        compiled = lookup(_LOOKUP_SENTINEL)
        if compiled.params.count(_LOOKUP_SENTINEL) != 1:  # the select used the same number
            compiled = lookup(record_id)
            return compiled, compiled.params
        if len(_lookup_plans) >= _LOOKUP_PLANS_MAX:
            _lookup_plans.clear()
        _lookup_plans[key] = compiled
    else:
        for extension in compiled.extensions:
            engine.ensure_extension(source.con, extension)
    params = [record_id if p == _LOOKUP_SENTINEL else p for p in compiled.params]
    return compiled, params


def _selects(select: str | None, name: str) -> bool:
    """True when a select clause names the field ``name``."""
    pattern = rf"(?<![\w`]){re.escape(name)}(?![\w`])|`{re.escape(name)}`"
    return bool(select) and re.search(pattern, select) is not None


def version_page(
    dataset: Dataset | None,
    version,
    query: RecordQuery,
    *,
    default_limit: int | None,
    max_limit: int | None = MAX_LIMIT,
    with_count: bool = True,
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
) -> dict:
    """A page of a version for the other front-ends (OpenDataSoft, CKAN, the portal's table),
    through :func:`record_page` (hot versions, copies, remembered counts):
    ``{"total_count", "results", "limits", "columns"}``, without the record id (``_id``)
    unless the query selects it."""
    served = served_for(dataset, version)
    if query.limit is None:
        query = replace(query, limit=default_limit)
    page = record_page(
        served,
        query,
        with_count=with_count,
        timezone=timezone,
        timeout_s=timeout_s,
        max_limit=max_limit,
    )
    results, columns = page["results"], page["columns"]
    if not _selects(query.select, served.id_column):
        results = [{k: v for k, v in row.items() if k != served.id_column} for row in results]
        columns = [c for c in columns if c["name"] != served.id_column]
    return {
        "total_count": page["total_count"],
        "results": results,
        "limits": page["limits"],
        "columns": columns,
    }


def record_facets(
    served: Served,
    *,
    facet_fields: list[str],
    where: list[str] | None = None,
    refine: list[str] | None = None,
    exclude: list[str] | None = None,
    limit_per_facet: int = 50,
    lang: str = "fr",
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
) -> list[dict]:
    if served.version is None:
        return []
    analysis = analyze(
        RecordQuery(where=where or None, refine=refine or [], exclude=exclude or []),
        served.columns,
    )
    key = None
    if not analysis.uses_now:
        key = (
            "facets",
            tuple(facet_fields),
            tuple(where or ()),
            tuple(refine or ()),
            tuple(exclude or ()),
            limit_per_facet,
            lang,
            timezone,
        )
    with _main_source(served, timezone) as main:
        if main.hot is not None and key is not None:
            remembered = main.hot.recall(key)
            if remembered is not None:
                return copy.deepcopy(remembered)
        source = main
        if analysis.geo_column and main.hot is not None:
            source = _copy_source(main, ("geo", analysis.geo_column)) or main
        elif analysis.equal_column and main.hot is not None:
            source = _copy_source(main, ("sorted", (analysis.equal_column, False))) or main
        elif analysis.searches and main.hot is not None:
            found = _search_candidates(served, main, analysis)
            if found is not None:
                source = _candidate_source(served, main, found)
        if source is main and main.hot is not None:
            source = _parquet_twin(served, main, timezone)
        result = engine.facets(
            source.con,
            parquet_path=served.version.absolute_path,
            columns=served.columns,
            facet_fields=facet_fields,
            where=where or None,
            refine=refine or [],
            exclude=exclude or [],
            limit_per_facet=limit_per_facet,
            timeout_s=timeout_s,
            lang=lang,
            source_sql=source.sql,
            source_params=source.params,
        )
        timed_out = any(lim["name"] == "time_limit" for f in result for lim in f["limits"])
        if main.hot is not None and key is not None and not timed_out:
            main.hot.remember(key, copy.deepcopy(result))
        return result


def default_facets(served: Served, *, max_distinct: int = 100) -> list[str]:
    """Text, boolean and date columns with few distinct values (from the version's statistics)."""
    if served.version is None:
        return []
    names = []
    for column in served.version.columns:
        distinct = (column.get("stats") or {}).get("distinct")
        if (
            column["type"] in ("text", "boolean", "date", "datetime")
            and distinct is not None
            and distinct <= max_distinct
        ):
            names.append(column["id"])
    return names


# ---------------------------------------------------------------- exports


def export_query(served: Served, query: RecordQuery) -> RecordQuery:
    """Exports hold the data's own columns unless asked otherwise (``select=*`` adds ``_id``)."""
    if _given(query.select) or _given(query.group_by):
        return query
    select = ", ".join(cursors.field_name(c["id"]) for c in served.data_columns)
    return replace(query, select=select)


def output_columns(served: Served, query: RecordQuery, timezone: str) -> list[dict]:
    """The result columns ({"name", "type"}) of a query, without running it (QueryError if bad)."""
    sql, params = _parquet_source(served)
    return compile_query(
        query,
        columns=served.columns,
        source_sql=sql,
        source_params=params,
        max_limit=None,
        default_limit=None,
        timezone=timezone,
        tiebreak_column=served.id_column,
    ).columns


@contextmanager
def export_cursor(served: Served, query: RecordQuery, timezone: str):
    """(connection, compiled query) of a whole export, in the stable order of pages; the hot
    copy stays loaded until the block ends. Raises QueryError before anything is sent."""
    if query.limit is not None and query.limit < 0:
        query = replace(query, limit=None)
    check_paging(query.limit or 0, query.offset or 0, None)
    analysis = analyze(replace(query, limit=None, offset=0), served.columns)
    with _main_source(served, timezone, fresh=True) as main:
        source = main
        run = query
        if not analysis.is_aggregate and analysis.keys:
            if tuple(analysis.keys) == main.in_order:
                run = replace(query, order_by=None)
            else:
                copy = _copy_source(main, ("sorted", *analysis.keys))
                if copy is not None:
                    source, run = copy, replace(query, order_by=None)
        compiled = _compile(run, served, source, timezone)
        yield source.con, compiled


def export_rows(served: Served, query: RecordQuery, timezone: str, batch_size: int = 10_000):
    """Every row of the export as a JSON-ready dict, streamed (a generator: the query runs on
    the first ``next``; compile errors are raised by ``export_cursor`` first)."""
    with export_cursor(served, query, timezone) as (con, compiled):
        convert = row_converter(compiled.columns, timezone)
        try:
            result = con.execute(compiled.sql, compiled.params)
        except engine.DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        while True:
            batch = result.fetchmany(batch_size)
            if not batch:
                break
            for row in batch:
                yield convert(row)
