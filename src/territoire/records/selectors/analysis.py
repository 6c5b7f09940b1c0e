"""What a query is, read from its validated plan, so that ``sources`` can choose where it runs:
its order keys, a position filter, full-text searches, an equality, whether it aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..columns import Column
from ..odsql import RecordQuery, Schema, ast, functions
from ..odsql.compiler import parsed_clauses, where_clauses

# Types whose equal values a sorted copy gathers into one run.
CLUSTER_TYPES = frozenset({"text", "integer", "boolean", "date", "decimal"})


@dataclass
class Analysis:
    is_aggregate: bool
    keys: list[tuple[str, bool]] | None  # the order as plain columns (None: not only columns)
    key_types: list[str]
    geo_column: str | None  # a geo_point column a top-level position filter applies to
    volatile: bool  # uses a function whose value changes with time (now()): nothing remembered
    filtered: bool  # where, refine or exclude given
    searches: list[tuple[list[str], str]] = field(default_factory=list)  # (text fields, text)
    only_searches: bool = False  # the whole filter is those full-text searches
    equal_column: str | None = None  # a column a top-level condition wants equal to one value
    equal_only: bool = False  # that equality is the whole filter (no other condition)


def analyze(query: RecordQuery, columns: tuple[Column, ...]) -> Analysis:
    """What the query is, to choose where it runs (raises QueryError for a bad query)."""
    schema = Schema(columns)
    plan = parsed_clauses(query).plan(schema)
    found: list[tuple[str, bool]] = []
    types = []
    for key in plan.orders:
        expr = plan.outputs[key.output_index].expr if key.output_index is not None else key.expr
        if isinstance(expr, ast.Field) and expr.alias_of is None and expr.column:
            found.append((expr.column, key.descending))
            types.append(schema.get(expr.column).type)
        else:
            found = []
            break
    # None: an order that is not plain fields (no keyset paging, no sorted copy)
    keys: list[tuple[str, bool]] | None = found if len(found) == len(plan.orders) else None
    geo_column = None
    volatile = False
    searches: list[tuple[list[str], str]] = []
    only_searches, equal_column = False, None
    if plan.where is not None:
        volatile = any(
            isinstance(node, ast.Call) and _function(node.name).volatile
            for node in ast.walk(plan.where)
        )
        conjuncts = list(_conjuncts(plan.where))
        searches, only_searches = _searches(conjuncts, schema, plan.search_fields)
        equal_column = _equal_column(conjuncts, schema)
        for node in conjuncts:
            if (
                isinstance(node, ast.Call)
                and _function(node.name).position_filter
                and isinstance(node.args[0], ast.Field)
                and node.args[0].type == "geo_point"
            ):
                geo_column = node.args[0].column
                break
    return Analysis(
        is_aggregate=plan.is_aggregate,
        keys=keys,
        key_types=types if keys is not None else [],
        geo_column=geo_column,
        volatile=volatile,
        filtered=bool(where_clauses(query.where) or query.refine or query.exclude),
        searches=searches,
        only_searches=only_searches and not (query.refine or query.exclude),
        equal_column=equal_column,
        equal_only=bool(
            equal_column
            and plan.where is not None
            and len(list(_conjuncts(plan.where))) == 1
            and not (query.refine or query.exclude)
        ),
    )


def _conjuncts(node):
    if isinstance(node, ast.BoolOp) and node.op == "and":
        for item in node.items:
            yield from _conjuncts(item)
    else:
        yield node


def _equal_column(conjuncts, schema) -> str | None:
    """A column that a top-level condition wants equal to one literal value. On a copy sorted
    by it, the matching rows are one run (the others are skipped by their min/max) and come
    in file order (they share the value: ties are in _id order)."""
    for node in conjuncts:
        if (
            isinstance(node, ast.Compare)
            and node.op == "="
            and isinstance(node.left, ast.Field)
            and node.left.column
            and node.left.alias_of is None
            and isinstance(node.right, ast.Literal)
            and schema.get(node.left.column).type in CLUSTER_TYPES
        ):
            return node.left.column
    return None


def _searches(conjuncts, schema, search_fields) -> tuple[list[tuple[list[str], str]], bool]:
    """The full-text searches among the top-level conditions, and whether that is all there is."""
    found, only = [], True
    for node in conjuncts:
        fields = None
        if isinstance(node, ast.Search):
            if not node.fields:
                fields = list(search_fields)
            elif all(isinstance(f, ast.Field) and f.column for f in node.fields):
                fields = [f.column for f in node.fields]
        elif isinstance(node, ast.Like) and isinstance(node.expr, ast.Field) and node.expr.column:
            fields = [node.expr.column]
        if fields is not None and all(schema.get(f).type == "text" for f in fields):
            found.append((fields, node.text))
        else:
            only = False
    return found, only and bool(found)


def _function(name: str) -> functions.Function:
    """A function of a validated query (the validator has refused unknown names)."""
    found = functions.get(name)
    if found is None:  # pragma: no cover - validation runs first
        raise ValueError(f"unknown ODSQL function {name!r}")
    return found
