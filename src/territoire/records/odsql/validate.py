"""Check a parsed query against the dataset's columns and the function whitelist, and type it.

Every name must be a column id, a column label (mapped to its id) or, where it makes sense, an
alias the query itself defined. Every function must be in the registry (``functions.py``), with
arguments of the right types. Literals compared with a column are converted to the column's
type here, so the compiler only ever binds well-typed values.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..columns import GEO, NUMERIC, TEMPORAL, TYPES, Column, columns_of
from . import ast
from .errors import QueryError
from .functions import check_call
from .literals import LiteralError, integer_out_of_range, parse_date

__all__ = ["GEO", "NUMERIC", "TEMPORAL", "TYPES", "Column", "Schema", "Validator"]


class Schema:
    """The columns of one dataset version, found by id or by label (ids win)."""

    def __init__(self, columns: Iterable[Column | Mapping]):
        self.columns: list[Column] = list(columns_of(columns))
        self._by_name: dict[str, Column] = {}
        folded: dict[str, Column] = {}
        for column in self.columns:  # ids first, then labels, then case-insensitive forms
            self._by_name.setdefault(column.id, column)
        for column in self.columns:
            self._by_name.setdefault(column.label, column)
        for column in self.columns:
            folded.setdefault(column.id.casefold(), column)
            folded.setdefault(column.label.casefold(), column)
        self._folded = folded

    def find(self, name: str) -> Column | None:
        return self._by_name.get(name) or self._folded.get(name.casefold())

    def get(self, column_id: str) -> Column:
        return self._by_name[column_id]

    def text_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "text"]

    def suggestion(self, name: str, extra: tuple[str, ...] = ()) -> str | None:
        """The closest existing name, shown as its column id (with its label when it differs)."""
        names = [c.id for c in self.columns] + [c.label for c in self.columns] + list(extra)
        folded = {n.casefold(): n for n in reversed(names)}  # ids win over labels on equal folding
        close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
        if not close:
            return None
        found = folded[close[0]]
        column = self.find(found) if found not in extra else None
        if column is None:
            return found
        return column.id if column.label == column.id else f"{column.id} ({column.label})"


@dataclass
class Output:
    name: str
    expr: ast.Node
    type: str
    range_width: float | None = None


@dataclass
class OrderKey:
    expr: ast.Node | None
    output_index: int | None
    descending: bool


@dataclass
class Plan:
    outputs: list[Output]
    where: ast.Node | None
    groups: list[ast.GroupItem]
    orders: list[OrderKey]
    is_aggregate: bool
    needs_spatial: bool = False
    search_fields: list[str] = field(default_factory=list)


def type_label(t: str | None) -> str:
    return {"datelit": "date", "geomlit": "geometry", "quantity": "quantity", "null": "null"}.get(
        t or "", t or "?"
    )


class Validator:
    def __init__(self, schema: Schema):
        self.schema = schema
        self.clause = "where"
        self.index: int | None = None
        self.allow_aggregates = False
        self.allow_range = False
        self.in_aggregate = False
        self.group_aliases: dict[str, ast.GroupItem] = {}
        self.saw_aggregate = False
        self.needs_spatial = False

    # ------------------------------------------------------------ helpers
    def error(self, node_or_pos, message_fr: str, message_en: str) -> QueryError:
        pos = node_or_pos if isinstance(node_or_pos, int) else node_or_pos.pos
        return QueryError(
            message_fr, message_en, clause=self.clause, position=pos + 1, index=self.index
        )

    def describe(self, node: ast.Node, lang: str = "fr") -> str:
        """A node as error messages name it: « population » (integer), or its type."""
        if isinstance(node, ast.Field) and node.column:
            column = self.schema.get(node.column)
            return (
                f"« {column.id} » ({column.type})"
                if lang == "fr"
                else f"'{column.id}' ({column.type})"
            )
        return f"({type_label(node.type)})"

    # ------------------------------------------------------------ names
    def field(self, node: ast.Field) -> ast.Field:
        alias = self.group_aliases.get(node.name)
        if alias is not None:
            node.alias_of = alias.expr
            node.type = alias.expr.type
            return node
        column = self.schema.find(node.name)
        if column is None:
            hint = self.schema.suggestion(node.name, tuple(self.group_aliases))
            shown = ", ".join(c.id for c in self.schema.columns[:30])
            if len(self.schema.columns) > 30:
                shown += ", …"
            raise self.error(
                node,
                f"Le champ « {node.name} » n'existe pas dans ce jeu de données."
                + (f" Vouliez-vous dire « {hint} » ?" if hint else "")
                + f" Champs disponibles : {shown}",
                f"Field '{node.name}' does not exist in this dataset."
                + (f" Did you mean '{hint}'?" if hint else "")
                + f" Available fields: {shown}",
            )
        node.column = column.id
        node.type = column.type
        return node

    # ------------------------------------------------------------ expressions
    def expr(self, node: ast.Node) -> ast.Node:
        if isinstance(node, ast.Field):
            return self.field(node)
        if isinstance(node, ast.Literal):
            too_large = integer_out_of_range(node.value) if node.kind == "number" else None
            if too_large is not None:
                raise self.error(node, too_large.message_fr, too_large.message_en)
            node.type = {
                "number": "integer" if isinstance(node.value, int) else "decimal",
                "string": "text",
                "boolean": "boolean",
                "null": "null",
            }[node.kind]
            return node
        if isinstance(node, ast.DateLiteral):
            node.type = "datelit"
            return node
        if isinstance(node, ast.GeomLiteral):
            node.type = "geomlit"
            return node
        if isinstance(node, ast.Quantity):
            node.type = "quantity"
            return node
        if isinstance(node, ast.Star):
            raise self.error(
                node,
                "« * » n'est permis que dans count(*) et search(*, …)",
                "'*' is only allowed in count(*) and search(*, …)",
            )
        if isinstance(node, ast.Unary):
            node.operand = self.numeric(self.expr(node.operand), "-")
            node.type = node.operand.type
            return node
        if isinstance(node, ast.Binary):
            node.left = self.numeric(self.expr(node.left), node.op)
            node.right = self.numeric(self.expr(node.right), node.op)
            both_int = node.left.type == node.right.type == "integer"
            node.type = "integer" if both_int and node.op != "/" else "decimal"
            return node
        if isinstance(node, ast.Call):
            return check_call(self, node)
        return self.predicate(node)

    def numeric(self, node: ast.Node, op: str) -> ast.Node:
        if node.type not in NUMERIC:
            raise self.error(
                node,
                f"L'opération « {op} » demande des nombres ; {self.describe(node)} n'en est pas un",
                f"Operation '{op}' needs numbers; {self.describe(node, 'en')} is not one",
            )
        return node

    # ------------------------------------------------------------ conditions
    def predicate(self, node: ast.Node) -> ast.Node:
        node = self._predicate(node)
        node.type = "boolean"
        return node

    def _predicate(self, node: ast.Node) -> ast.Node:
        if isinstance(node, ast.BoolOp):
            node.items = [self.predicate(item) for item in node.items]
            return node
        if isinstance(node, ast.Not):
            node.operand = self.predicate(node.operand)
            return node
        if isinstance(node, ast.Literal) and node.kind == "string":
            return self.predicate(ast.Search(node.value, [], pos=node.pos))
        if isinstance(node, ast.Literal) and node.kind == "boolean":
            return node
        if isinstance(node, ast.Search):
            node.fields = [self.field(f) for f in node.fields]
            return node
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.InRange):
            node.expr = self.comparable(self.expr(node.expr), node)
            node.low = self.coerce(self.expr(node.low), node.expr)
            node.high = self.coerce(self.expr(node.high), node.expr)
            return node
        if isinstance(node, ast.InList):
            node.expr = self.comparable(self.expr(node.expr), node)
            node.items = [self.coerce(self.expr(item), node.expr) for item in node.items]
            return node
        if isinstance(node, ast.IsNull):
            node.expr = self.expr(node.expr)
            return node
        if isinstance(node, ast.IsBool):
            node.expr = self.expr(node.expr)
            self.boolean(node.expr)
            return node
        if isinstance(node, ast.Like):
            node.expr = self.expr(node.expr)
            if node.expr.type in GEO:
                raise self.error(
                    node.expr,
                    f"like ne s'applique pas à {self.describe(node.expr)}",
                    f"like does not apply to {self.describe(node.expr, 'en')}",
                )
            return node
        checked = self.expr(node)
        if checked.type != "boolean":
            self.boolean(checked)
        return checked

    def boolean(self, node: ast.Node) -> None:
        if node.type == "boolean":
            return
        if isinstance(node, ast.Field) and node.column:
            raise self.error(
                node,
                f'Le champ {self.describe(node)} n\'est pas un booléen : comparez-le, par exemple {node.column} = "valeur"',
                f'Field {self.describe(node, "en")} is not a boolean: compare it, for example {node.column} = "value"',
            )
        raise self.error(
            node,
            "Cette expression n'est pas une condition : comparez-la (=, <, >…) ou utilisez une fonction de filtre",
            "This expression is not a condition: compare it (=, <, >…) or use a filter function",
        )

    def comparable(self, node: ast.Node, where: ast.Node) -> ast.Node:
        if node.type in GEO:
            raise self.error(
                node,
                f"{self.describe(node)} est une position : filtrez-la avec within_distance(…) ou in_bbox(…)",
                f"{self.describe(node, 'en')} is a location: filter it with within_distance(…) or in_bbox(…)",
            )
        if node.type in ("datelit", "geomlit", "quantity", "null") or isinstance(node, ast.Literal):
            raise self.error(
                node,
                "Le membre de gauche doit être un champ ou une expression",
                "The left-hand side must be a field or an expression",
            )
        return node

    _FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}

    def compare(self, node: ast.Compare) -> ast.Node:
        left, right = self.expr(node.left), self.expr(node.right)
        if _is_literal(left) and not _is_literal(right):
            left, right = right, left
            node.op = self._FLIP[node.op]
        if right.type == "null":
            if node.op not in ("=", "!="):
                raise self.error(
                    right,
                    "null ne se compare qu'avec = ou !=",
                    "null can only be compared with = or !=",
                )
            return ast.IsNull(left, node.op == "!=", pos=node.pos, type="boolean")
        if _is_literal(left) and _is_literal(right):
            if left.type == right.type and isinstance(left, ast.Literal):
                node.left, node.right = left, right
                return node
            raise self.error(
                left,
                "Comparez un champ ou une expression, pas deux valeurs",
                "Compare a field or an expression, not two values",
            )
        node.left = self.comparable(left, node)
        node.right = self.coerce(right, node.left)
        return node

    def coerce(self, value: ast.Node, target: ast.Node) -> ast.Node:
        """Convert a literal to the type of the expression it is compared with."""
        ttype = target.type
        if not _is_literal(value):
            if value.type in GEO:
                self.comparable(value, value)
            compatible = (
                value.type == ttype
                or (value.type in NUMERIC and ttype in NUMERIC)
                or (value.type in TEMPORAL and ttype in TEMPORAL)
            )
            if not compatible:
                raise self.error(
                    value,
                    f"{self.describe(target)} ne se compare pas à {self.describe(value)}",
                    f"{self.describe(target, 'en')} cannot be compared with {self.describe(value, 'en')}",
                )
            return value
        try:
            return _convert_literal(value, ttype)
        except LiteralError as exc:
            raise self.error(
                value,
                f"{self.describe(target)} : {exc.message_fr}",
                f"{self.describe(target, 'en')}: {exc.message_en}",
            ) from None


def _is_literal(node: ast.Node) -> bool:
    return isinstance(node, ast.Literal | ast.DateLiteral | ast.GeomLiteral | ast.Quantity)


def _convert_literal(value: ast.Node, ttype: str) -> ast.Node:
    text = getattr(value, "text", "")
    if ttype in NUMERIC:
        if isinstance(value, ast.Literal) and value.kind == "number":
            return value
        if isinstance(value, ast.Literal) and value.kind == "string":
            try:
                number = (
                    float(value.value.replace(",", "."))
                    if not value.value.strip().lstrip("-").isdigit()
                    else int(value.value)
                )
            except ValueError:
                raise LiteralError(
                    f"« {value.value} » n'est pas un nombre", f"'{value.value}' is not a number"
                ) from None
            too_large = integer_out_of_range(number)
            if too_large is not None:
                raise too_large
            return ast.Literal(
                number,
                "number",
                text,
                pos=value.pos,
                type="integer" if isinstance(number, int) else "decimal",
            )
    elif ttype == "text":
        if isinstance(value, ast.Literal) and value.kind in ("string", "number", "boolean"):
            as_text = value.value if value.kind == "string" else value.text
            return ast.Literal(as_text, "string", text, pos=value.pos, type="text")
    elif ttype in TEMPORAL:
        if isinstance(value, ast.DateLiteral):
            return value
        if isinstance(value, ast.Literal) and value.kind in ("string", "number"):
            body = value.value if value.kind == "string" else value.text
            start, end, precision = parse_date(str(body))
            return ast.DateLiteral(str(body), start, end, precision, pos=value.pos, type="datelit")
    elif ttype == "boolean":
        if isinstance(value, ast.Literal):
            truth = (
                {"true": True, "false": False, "1": True, "0": False}.get(str(value.value).lower())
                if value.kind != "boolean"
                else value.value
            )
            if truth is not None:
                return ast.Literal(truth, "boolean", text, pos=value.pos, type="boolean")
    raise LiteralError(
        f"la valeur {text or type_label(value.type)} ne convient pas à un champ de type {ttype}",
        f"value {text or type_label(value.type)} does not fit a field of type {ttype}",
    )
