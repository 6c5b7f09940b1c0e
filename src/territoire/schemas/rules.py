"""The checks of one field, as SQL conditions over the aliases of the validation query.

For field number i the query provides: r{i} the text as read (never NULL, '' for an empty cell),
m{i} "is a missing value", t{i} "is of the right type (or missing)", ok{i} "present and of the
type", and p{i} the typed value (NULL unless ok{i}) when a rule compares it (plan.uses_value).
Each rule is a condition that is TRUE on a failing cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from .fieldtypes import FieldSql, field_sql
from .patterns import python_to_re2
from .sqltext import in_list, quote, sql_string

ORDERED_TYPES = {"integer", "number", "date", "datetime", "time", "year", "yearmonth"}
BOUNDS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}


@dataclass
class Rule:
    kind: str  # frictionless error type
    rule: str  # required, pattern, enum, minimum…
    condition: str  # SQL, TRUE on a failing cell
    detail: object = None


@dataclass
class PythonPattern:
    """A pattern RE2 cannot run: its failing values are found in Python, once per distinct value."""

    index: int
    pattern: str
    table: str


@dataclass
class FieldPlan:
    index: int
    field: dict
    column_id: str
    label: str
    sql: FieldSql
    missing_values: list[str]
    rules: list[Rule] = field(default_factory=list)
    python_patterns: list[PythonPattern] = field(default_factory=list)
    is_unique: bool = False
    uses_value: bool = False


def build_plan(
    con: duckdb.DuckDBPyConnection, index: int, spec: dict, column_id: str, label: str
) -> FieldPlan:
    raw, value, ok = f"r{index}", f"p{index}", f"ok{index}"
    sql = field_sql(spec, raw)
    plan = FieldPlan(
        index=index,
        field=spec,
        column_id=column_id,
        label=label,
        sql=sql,
        missing_values=spec["missingValues"],
    )
    constraints = spec.get("constraints", {})
    plan.rules.append(Rule("type-error", "type", f"NOT t{index}"))
    if constraints.get("required"):
        plan.rules.append(Rule("constraint-error", "required", f"m{index}"))
    if constraints.get("unique"):
        plan.is_unique = True
    for name in ("minLength", "maxLength"):
        if constraints.get(name) is not None and sql.length:
            operator = "<" if name == "minLength" else ">"
            condition = f"{ok} AND {sql.length} {operator} {int(constraints[name])}"
            plan.rules.append(Rule("constraint-error", name, condition, constraints[name]))
    pattern = constraints.get("pattern")
    if pattern is not None and spec["type"] == "string":
        translated = python_to_re2(str(pattern))
        if translated is not None and _compiles(con, translated):
            condition = f"{ok} AND NOT regexp_full_match({raw}, {sql_string(translated)})"
            plan.rules.append(Rule("constraint-error", "pattern", condition, pattern))
        else:
            table = f"__territoire_pattern_{index}"
            plan.python_patterns.append(PythonPattern(index, str(pattern), table))
            condition = f"{ok} AND {raw} IN (SELECT v FROM {table})"  # noqa: S608
            plan.rules.append(Rule("constraint-error", "pattern", condition, pattern))
    enum = constraints.get("enum")
    if enum is not None:
        literals = [sql.literal(item) for item in enum]
        literals = [item for item in literals if item is not None]
        shown = [str(item) for item in enum]
        condition = f"{ok} AND NOT {in_list(value, literals)}"
        plan.rules.append(Rule("constraint-error", "enum", condition, shown))
        plan.uses_value = True
    if spec["type"] in ORDERED_TYPES:
        for name, operator in BOUNDS.items():
            if constraints.get(name) is None:
                continue
            literal = sql.literal(constraints[name])
            if literal is None:
                continue
            nan = f" OR isnan({value})" if spec["type"] == "number" else ""
            condition = f"{ok} AND ({value} {operator} {literal}{nan})"
            plan.rules.append(Rule("constraint-error", name, condition, constraints[name]))
            plan.uses_value = True
    if spec["type"] == "array" and isinstance(spec.get("arrayItem"), dict):
        plan.rules.extend(_array_item_rules(spec["arrayItem"], raw, ok))
    return plan


def _compiles(con: duckdb.DuckDBPyConnection, regex: str) -> bool:
    try:
        con.execute(f"SELECT regexp_full_match('', {sql_string(regex)})").fetchone()  # noqa: S608
    except duckdb.Error:
        return False
    return True


def find_python_pattern_failures(
    con: duckdb.DuckDBPyConnection, table_sql: str, plan: FieldPlan
) -> None:
    """Create the temp tables of values failing patterns RE2 cannot run (one pass per such field)."""
    for item in plan.python_patterns:
        column = quote(plan.column_id)
        text = f"coalesce(CAST({column} AS VARCHAR), '')"
        missing = in_list(text, [sql_string(v) for v in plan.missing_values])
        query = f"SELECT DISTINCT {text} AS v FROM {table_sql} WHERE NOT {missing}"  # noqa: S608
        rows = con.execute(query).fetchall()
        compiled = re.compile(item.pattern)
        failing = [(value,) for (value,) in rows if not compiled.fullmatch(value)]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {item.table} (v VARCHAR)")
        if failing:
            con.executemany(f"INSERT INTO {item.table} VALUES (?)", failing)  # noqa: S608


def _array_item_rules(item: dict, raw: str, ok: str) -> list[Rule]:
    """frictionless reads each array item with the arrayItem field: a failing item makes the cell a
    type error (bad item type) or one constraint error per constraint name."""
    item_type = item.get("type", "any")
    constraints = item.get("constraints") or {}
    missing = [str(v) for v in item.get("missingValues", [""])]
    text = "json_extract_string(x, '$')"
    is_missing = f"(json_type(x) = 'VARCHAR' AND {in_list(text, [sql_string(v) for v in missing])})"
    item_sql = field_sql(
        {"name": "item", "type": item_type, "format": item.get("format", "default"), **item}, text
    )
    if item_type in ("integer", "number"):
        kinds = ["'UBIGINT'", "'BIGINT'"] + (["'DOUBLE'"] if item_type == "number" else [])
        numeric = in_list("json_type(x)", kinds)
        type_ok = f"({numeric} OR (json_type(x) = 'VARCHAR' AND coalesce({item_sql.valid}, FALSE)))"
    elif item_type == "any":
        type_ok = "TRUE"
    elif item_type == "boolean":
        type_ok = f"(json_type(x) = 'BOOLEAN' OR (json_type(x) = 'VARCHAR' AND coalesce({item_sql.valid}, FALSE)))"
    else:
        type_ok = f"(json_type(x) = 'VARCHAR' AND coalesce({item_sql.valid}, FALSE))"
    items = f"json_extract({raw}, '$[*]')"

    def any_item(condition: str) -> str:
        return f"list_bool_or(list_transform({items}, lambda x: coalesce({condition}, FALSE)))"

    bad_type = f"(NOT {is_missing} AND json_type(x) <> 'NULL' AND NOT {type_ok})"
    ok_item = f"(NOT {is_missing} AND json_type(x) <> 'NULL' AND {type_ok})"
    no_type_error = f"NOT {any_item(bad_type)}"

    def guarded(condition: str) -> str:
        # CASE, not AND: the JSON functions raise on a cell that is not a JSON array
        return f"(CASE WHEN {ok} THEN {condition} ELSE FALSE END)"

    rules = [Rule("type-error", "item-type", guarded(any_item(bad_type)), item_type)]
    if constraints.get("required"):
        condition = any_item(f"({is_missing} OR json_type(x) = 'NULL')")
        rules.append(
            Rule(
                "constraint-error",
                "item-required",
                guarded(f"{no_type_error} AND {condition}"),
                True,
            )
        )
    if constraints.get("enum") is not None and item_type == "string":
        allowed = in_list(text, [sql_string(str(v)) for v in constraints["enum"]])
        condition = any_item(f"({ok_item} AND NOT {allowed})")
        rules.append(
            Rule(
                "constraint-error",
                "item-enum",
                guarded(f"{no_type_error} AND {condition}"),
                constraints["enum"],
            )
        )
    if constraints.get("pattern") is not None and item_type == "string":
        translated = python_to_re2(str(constraints["pattern"]))
        if translated is not None:
            condition = any_item(
                f"({ok_item} AND NOT regexp_full_match({text}, {sql_string(translated)}))"
            )
            rules.append(
                Rule(
                    "constraint-error",
                    "item-pattern",
                    guarded(f"{no_type_error} AND {condition}"),
                    constraints["pattern"],
                )
            )
    return rules
