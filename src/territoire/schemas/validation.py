"""Validate a table already loaded in DuckDB against a Table Schema, in SQL.

The ingestion engine leaves every source column as VARCHAR plus the source row number; this
module pairs columns with fields (headers.py), turns each field's type and constraints into SQL
conditions (fieldtypes.py, rules.py) and counts every failing cell in one aggregate query, with
the first examples of each kind of error. Error kinds and row numbers are frictionless' own, so a
report can be compared with `frictionless validate` (tests/test_examples.py, docs/schemas.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from territoire.core.errors import ValidationFailed

from . import messages
from .descriptor import NormalizedSchema, SchemaWarning, normalize_schema
from .headers import HeaderIssue, match_headers
from .rules import FieldPlan, build_plan, find_python_pattern_failures
from .sqltext import in_list, quote, sql_string


@dataclass
class ErrorGroup:
    """Errors of one kind (and rule) in one column: counted, worded, with the first examples."""

    kind: str
    rule: str
    column: str | None
    label: str | None
    count: int
    message_fr: str
    message_en: str
    what_to_do_fr: str
    what_to_do_en: str
    examples: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "column": self.column,
            "label": self.label,
            "count": self.count,
            "message_fr": self.message_fr,
            "message_en": self.message_en,
            "what_to_do_fr": self.what_to_do_fr,
            "what_to_do_en": self.what_to_do_en,
            "examples": self.examples,
        }


@dataclass
class ValidationReport:
    valid: bool
    error_count: int
    errors_by_kind: list[ErrorGroup]
    row_count: int
    schema_name: str | None = None
    schema_title: str | None = None
    schema_version: str | None = None
    file_name: str | None = None
    warnings: list[SchemaWarning] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)  # field -> column id / label, as paired

    def counts(self) -> dict[tuple[str, str | None], int]:
        """{(kind, column): count}, the shape compared with frictionless in the tests."""
        result: dict[tuple[str, str | None], int] = {}
        for group in self.errors_by_kind:
            key = (group.kind, group.column)
            result[key] = result.get(key, 0) + group.count
        return result

    @property
    def summary_fr(self) -> str:
        schema = self.schema_title or self.schema_name or "le schéma"
        if self.valid:
            return f"Conforme au schéma « {schema} » ({self.row_count} lignes vérifiées)."
        word = "erreur" if self.error_count == 1 else "erreurs"
        return f"Non conforme au schéma « {schema} » : {self.error_count} {word} sur {self.row_count} lignes."

    @property
    def summary_en(self) -> str:
        schema = self.schema_title or self.schema_name or "the schema"
        if self.valid:
            return f"Conforms to the schema '{schema}' ({self.row_count} rows checked)."
        return f"Does not conform to the schema '{schema}': {self.error_count} errors in {self.row_count} rows."

    def as_dict(self) -> dict:
        return {
            "valid": self.valid,
            "error_count": self.error_count,
            "row_count": self.row_count,
            "summary_fr": self.summary_fr,
            "summary_en": self.summary_en,
            "schema": {
                "name": self.schema_name,
                "title": self.schema_title,
                "version": self.schema_version,
            },
            "file_name": self.file_name,
            "errors_by_kind": [group.as_dict() for group in self.errors_by_kind],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "columns": self.columns,
        }


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: dict,
    columns: list[dict],
    *,
    line_column: str = "__line__",
    file_name: str | None = None,
    max_examples: int = 5,
    cells_column: str | None = None,
) -> ValidationReport:
    """Check every row of `table` against the Table Schema `schema`.

    `columns` lists the file's columns in file order: {"id": column name in the table, "label":
    the original header, "type": inferred type (unused here)}. `line_column` holds the row number
    frictionless would report (header = 1). When `cells_column` names a column holding each row's
    number of cells, rows with too few or too many cells are reported too.
    """
    normalized = normalize_schema(schema)
    existing = _table_columns(con, table)
    needed = [c["id"] for c in columns] + [line_column] + ([cells_column] if cells_column else [])
    absent = [name for name in needed if name not in existing]
    if absent:
        raise ValidationFailed(
            f"La table {table} n'a pas les colonnes {', '.join(absent)}.",
            f"Table {table} lacks the columns {', '.join(absent)}.",
            where=table,
        )
    header = match_headers(
        normalized.fields,
        columns,
        fields_match=normalized.fields_match,
        primary_key=normalized.primary_key,
    )
    plans = [
        build_plan(con, i, p.field, p.column_id, p.label) for i, p in enumerate(header.pairings)
    ]
    table_sql = quote(table)
    try:
        for plan in plans:
            find_python_pattern_failures(con, table_sql, plan)
        query = _Query(normalized, plans, columns, line_column, cells_column, max_examples)
        query.types = existing
        row = con.execute(query.sql(table_sql)).fetchone()
        row_count = con.execute(f"SELECT count(*) FROM {table_sql}").fetchone()[0]  # noqa: S608
        cell_groups = query.groups(row) + query.duplicate_groups(con, table_sql)
        positions = {p.field["name"]: p.field_position for p in header.pairings}
        order = {"blank-row": 0, "primary-key": 2, "missing-cell": 3, "extra-cell": 3}
        # blank rows, then each column's errors in schema order, then keys and cell counts
        cell_groups.sort(key=lambda g: (order.get(g.kind, 1), positions.get(g.column or "", 0)))
        groups = _header_groups(header.issues, normalized) + cell_groups
    finally:
        for plan in plans:
            for item in plan.python_patterns:
                con.execute(f"DROP TABLE IF EXISTS {item.table}")
    error_count = sum(group.count for group in groups)
    return ValidationReport(
        valid=error_count == 0,
        error_count=error_count,
        errors_by_kind=groups,
        row_count=int(row_count),
        schema_name=normalized.name,
        schema_title=normalized.title,
        schema_version=normalized.version,
        file_name=file_name,
        warnings=normalized.warnings,
        columns=[
            {
                "field": p.field["name"],
                "column": p.column_id,
                "label": p.label,
                "position": p.position,
            }
            for p in header.pairings
        ],
    )


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """{column: DuckDB type} of the table or view."""
    try:
        rows = con.execute(f"DESCRIBE {quote(table)}").fetchall()
    except duckdb.Error as error:
        raise ValidationFailed(
            f"Table {table} introuvable.", f"Table {table} not found.", where=table
        ) from error
    return {row[0]: str(row[1]) for row in rows}


def _text(column_id: str, types: dict[str, str]) -> str:
    """The column as text, '' for NULL; no CAST on a VARCHAR column (it is not free)."""
    column = quote(column_id)
    if types.get(column_id) != "VARCHAR":
        column = f"CAST({column} AS VARCHAR)"
    return f"coalesce({column}, '')"


def _header_groups(issues: list[HeaderIssue], schema: NormalizedSchema) -> list[ErrorGroup]:
    label = f"« {schema.title or schema.name} »" if (schema.title or schema.name) else ""
    groups = []
    for issue in issues:
        fr, en, todo_fr, todo_en = messages.header_message(issue, label)
        example = [{"position": issue.position, "value": issue.label}] if issue.position else []
        groups.append(
            ErrorGroup(
                issue.kind,
                issue.rule,
                issue.column,
                issue.label,
                1,
                fr,
                en,
                todo_fr,
                todo_en,
                example,
            )
        )
    return groups


def _source_columns(plans: list[FieldPlan], line_column: str, types: dict[str, str]) -> list[str]:
    columns = [f"{quote(line_column)} AS __line"]
    for plan in plans:
        columns.append(f"{_text(plan.column_id, types)} AS r{plan.index}")
    return columns


def _flag_columns(plans: list[FieldPlan], *, values: bool) -> list[str]:
    """m{i} (missing), t{i} (of the type or missing), ok{i}, and p{i} where needed."""
    columns = []
    for plan in plans:
        i = plan.index
        missing = in_list(f"r{i}", [sql_string(v) for v in plan.missing_values])
        columns.append(f"{missing} AS m{i}")
        columns.append(
            f"(CASE WHEN {missing} THEN TRUE ELSE coalesce({plan.sql.valid}, FALSE) END) AS t{i}"
        )
    typed = [f"(NOT m{p.index} AND t{p.index}) AS ok{p.index}" for p in plans]
    if values:
        typed += [
            f"(CASE WHEN NOT m{p.index} AND t{p.index} THEN {p.sql.value} END) AS p{p.index}"
            for p in plans
            if p.uses_value
        ]
    return columns, typed


class _Query:
    """One aggregate query: a count and the first examples for every (rule, column). Duplicates
    (unique, primaryKey) are found by a GROUP BY … HAVING count(*) > 1 per key, and only the
    duplicated values are ranked: no sort of the whole table."""

    def __init__(
        self,
        schema: NormalizedSchema,
        plans: list[FieldPlan],
        columns: list[dict],
        line_column: str,
        cells_column: str | None,
        max_examples: int,
    ):
        self.schema = schema
        self.plans = plans
        self.columns = columns
        self.line_column = line_column
        self.cells_column = cells_column
        self.types: dict[str, str] = {}
        self.max_examples = max(int(max_examples), 0)
        self.outputs: list[tuple] = []
        self.conditions: list[str] = []
        paired = {p.column_id for p in plans}
        self.others = [c for c in columns if c["id"] not in paired]
        for plan in self._key_plans():
            plan.uses_value = True
        for plan in plans:
            if plan.is_unique:
                plan.uses_value = True

    def sql(self, table_sql: str) -> str:
        src = _source_columns(self.plans, self.line_column, self.types)
        for number, column in enumerate(self.others):
            src.append(f"{_text(column['id'], self.types)} AS x{number}")
        if self.cells_column:
            src.append(f"{quote(self.cells_column)} AS __cells")
        flags, typed = _flag_columns(self.plans, values=True)
        schema_missing = [sql_string(v) for v in self.schema.missing_values]
        blank = [f"m{p.index}" for p in self.plans] + [
            in_list(f"x{n}", schema_missing) for n in range(len(self.others))
        ]
        flags.append(f"({' AND '.join(blank) or 'FALSE'}) AS __blank")
        aggregates = self._aggregates()
        conditions = ", ".join(
            f"({condition}) AS e{number}" for number, condition in enumerate(self.conditions)
        )
        any_error = " OR ".join(f"e{number}" for number in range(len(self.conditions))) or "FALSE"
        # Each condition is computed once per row; only failing rows reach the aggregates.
        return (
            f"WITH src AS (SELECT {', '.join(src)} FROM {table_sql}), "  # noqa: S608
            f"checked AS (SELECT *, {', '.join(flags)} FROM src), "
            f"typed AS (SELECT *{''.join(', ' + c for c in typed)} FROM checked), "
            f"flagged AS (SELECT *, {conditions} FROM typed), "
            f"failing AS (SELECT * FROM flagged WHERE {any_error}) "
            f"SELECT 0, {', '.join(aggregates)} FROM failing"
        )

    def duplicate_sql(self, table_sql: str, plans: list[FieldPlan]) -> str:
        """Rows repeating a key (one field for unique, the fields of the primary key) seen before."""
        src = _source_columns(plans, self.line_column, self.types)
        flags, typed = _flag_columns(plans, values=True)
        keys = ", ".join(f"p{p.index}" for p in plans)
        present = " OR ".join(f"(NOT m{p.index} AND t{p.index})" for p in plans)
        value = " || ', ' || ".join(f"r{p.index}" for p in plans)
        # One window over the rows holding a key (a GROUP BY … HAVING count(*) > 1 then a join
        # measured slower on a million distinct keys).
        return (
            f"WITH src AS (SELECT {', '.join(src)} FROM {table_sql}), "  # noqa: S608
            f"checked AS (SELECT *, {', '.join(flags)} FROM src), "
            f"keyed AS (SELECT *{''.join(', ' + c for c in typed)} FROM checked WHERE {present}), "
            f"ranked AS (SELECT __line, {value} AS __value, row_number() OVER (PARTITION BY {keys} ORDER BY __line) AS __rank FROM keyed) "
            f"SELECT count(*), min_by({{'line': __line, 'value': __value}}, __line, {max(self.max_examples, 1)}) "
            f"FROM ranked WHERE __rank > 1"
        )

    def duplicate_groups(self, con: duckdb.DuckDBPyConnection, table_sql: str) -> list[ErrorGroup]:
        groups = []
        for plan in self.plans:
            if plan.is_unique:
                count, examples = con.execute(self.duplicate_sql(table_sql, [plan])).fetchone()
                if count:
                    examples = [dict(e) for e in examples or []][: self.max_examples]
                    fr, en, todo_fr, todo_en = messages.cell_message(
                        "unique", plan.field, plan.label, count, examples, None
                    )
                    groups.append(
                        ErrorGroup(
                            "unique-error",
                            "unique",
                            plan.field["name"],
                            plan.label,
                            count,
                            fr,
                            en,
                            todo_fr,
                            todo_en,
                            examples,
                        )
                    )
        key_plans = self._key_plans()
        if key_plans:
            count, examples = con.execute(self.duplicate_sql(table_sql, key_plans)).fetchone()
            if count:
                examples = [dict(e) for e in examples or []][: self.max_examples]
                names = [p.field["name"] for p in key_plans]
                fr, en, todo_fr, todo_en = messages.row_message(
                    "primary-key", count, examples, names
                )
                groups.append(
                    ErrorGroup(
                        "primary-key",
                        "primary-key",
                        None,
                        None,
                        count,
                        fr,
                        en,
                        todo_fr,
                        todo_en,
                        examples,
                    )
                )
        return groups

    def _key_plans(self) -> list[FieldPlan]:
        by_name = {p.field["name"]: p for p in self.plans}
        if not self.schema.primary_key or not all(
            name in by_name for name in self.schema.primary_key
        ):
            return []
        return [by_name[name] for name in self.schema.primary_key]

    def _add(self, condition: str, value: str, output: tuple, count: str = "count(*)") -> list[str]:
        self.outputs.append(output)
        number = len(self.conditions)
        self.conditions.append(condition)
        example = f"{{'line': __line, 'value': {value}}}"
        return [
            f"{count} FILTER (WHERE e{number})",
            f"min_by({example}, __line, {max(self.max_examples, 1)}) FILTER (WHERE e{number})",
        ]

    def _aggregates(self) -> list[str]:
        aggregates = self._add("__blank", "NULL", ("row", "blank-row", "blank-row", None))
        for plan in self.plans:
            for rule in plan.rules:
                condition = f"NOT __blank AND ({rule.condition})"
                aggregates += self._add(
                    condition, f"r{plan.index}", ("cell", rule.kind, rule.rule, plan, rule.detail)
                )
        key_plans = self._key_plans()
        if key_plans:
            names = [p.field["name"] for p in key_plans]
            value = " || ', ' || ".join(f"r{p.index}" for p in key_plans)
            all_null = " AND ".join(f"NOT ok{p.index}" for p in key_plans)
            aggregates += self._add(
                all_null, value, ("row", "primary-key", "primary-key-null", names)
            )
        if self.cells_column:
            positions = {p.column_id: p for p in self.plans}
            for position, column in enumerate(self.columns, start=1):
                plan = positions.get(column["id"])
                label = plan.field["name"] if plan else column.get("label")
                aggregates += self._add(
                    f"NOT __blank AND __cells < {position}",
                    "''",
                    ("row", "missing-cell", "missing-cell", label),
                )
            extra = f"__cells - {len(self.columns)}"
            aggregates += self._add(
                f"NOT __blank AND {extra} > 0",
                "''",
                ("row", "extra-cell", "extra-cell", ""),
                count=f"sum({extra})",
            )
        return aggregates

    def groups(self, row: tuple) -> list[ErrorGroup]:
        groups = []
        for number, output in enumerate(self.outputs):
            count = int(row[1 + 2 * number] or 0)
            if not count:
                continue
            examples = [dict(e) for e in (row[2 + 2 * number] or [])][: self.max_examples]
            if output[0] == "cell":
                _, kind, rule, plan, detail = output
                fr, en, todo_fr, todo_en = messages.cell_message(
                    rule, plan.field, plan.label, count, examples, detail
                )
                groups.append(
                    ErrorGroup(
                        kind,
                        rule,
                        plan.field["name"],
                        plan.label,
                        count,
                        fr,
                        en,
                        todo_fr,
                        todo_en,
                        examples,
                    )
                )
                continue
            _, kind, rule, detail = output
            fr, en, todo_fr, todo_en = messages.row_message(
                rule, count, examples, detail if kind == "primary-key" else None
            )
            column = detail if kind == "missing-cell" else ("" if kind == "extra-cell" else None)
            groups.append(
                ErrorGroup(kind, rule, column, None, count, fr, en, todo_fr, todo_en, examples)
            )
        return groups
