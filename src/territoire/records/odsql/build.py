"""Queries built in code: ODSQL syntax trees made directly, for the code that filters, sorts or
pages records itself (the portal's table, CKAN's datastore, keyset cursors), instead of writing
ODSQL text to be parsed again.

    from territoire.records.odsql import RecordQuery, build as q
    RecordQuery(where=q.and_(q.eq(q.field("commune"), "Rennes"), q.search("école", q.field("nom"))),
                order_by=[q.order(q.field("places"), descending=True)])

The trees go through the same validation as parsed ones (every name checked against the
columns, values converted to the column's type, the same error messages) and the same SQL
emission (every value bound). ``text()`` writes a tree back as ODSQL, which also gives its
nodes the positions that error messages point at: an error on a built query reads exactly
as the error on its text would.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal

from . import ast
from .literals import parse_date

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")

# ---------------------------------------------------------------- values and fields


def field(name: str) -> ast.Field:
    """A field by its column id (or label), as a back-quoted name would give it."""
    return ast.Field(str(name))


def star() -> ast.Star:
    return ast.Star()


def number(text: str) -> ast.Literal:
    """A number literal from its decimal spelling (``"1063850.50"``, ``"-3"``): the spelling is
    kept, as the parser keeps it (a number compared with a text column is read as written)."""
    value = decimal.Decimal(text)
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    spelled = format(value, "f")
    is_integer = not any(c in spelled for c in ".eE")
    return ast.Literal(int(spelled) if is_integer else float(spelled), "number", spelled)


def date(text: str) -> ast.DateLiteral:
    """A date literal naming a period (``"2024"``, ``"2024-03"``, ``"2024-03-15T08:30"``);
    raises ``literals.LiteralError`` (French and English) for a date that does not exist."""
    start, end, precision = parse_date(text)
    return ast.DateLiteral(text, start, end, precision)


def value(python) -> ast.Node:
    """A literal for a Python value: text, number, boolean, None, date (or an ast node as is)."""
    if isinstance(python, ast.Node):
        return python
    if python is None:
        return ast.Literal(None, "null", "null")
    if isinstance(python, bool):
        return ast.Literal(python, "boolean", "true" if python else "false")
    if isinstance(python, int | float | decimal.Decimal):
        return number(repr(python) if isinstance(python, float) else str(python))
    if isinstance(python, dt.datetime):
        return date(python.isoformat())
    if isinstance(python, dt.date):
        return date(python.isoformat())
    return ast.Literal(str(python), "string", "")


# ---------------------------------------------------------------- conditions


def compare(left, op: str, right) -> ast.Compare:
    if op not in COMPARISONS:
        raise ValueError(f"unknown comparison {op!r}")
    return ast.Compare(op, value(left), value(right))


def eq(left, right) -> ast.Compare:
    return compare(left, "=", right)


def gt(left, right) -> ast.Compare:
    return compare(left, ">", right)


def ge(left, right) -> ast.Compare:
    return compare(left, ">=", right)


def lt(left, right) -> ast.Compare:
    return compare(left, "<", right)


def le(left, right) -> ast.Compare:
    return compare(left, "<=", right)


def is_null(expr, *, negated: bool = False) -> ast.IsNull:
    return ast.IsNull(value(expr), negated)


def is_bool(expr, truth: bool) -> ast.IsBool:
    return ast.IsBool(value(expr), bool(truth))


def search(text: str, *fields: ast.Field) -> ast.Node:
    """Full-text search of ``text`` in these fields, or in every text field when none is named
    (a bare string, as in ``where="école"``)."""
    if not fields:
        return ast.Literal(str(text), "string", "")
    return ast.Call("search", [*fields, ast.Literal(str(text), "string", "")])


def and_(*conditions: ast.Node) -> ast.Node:
    return _join("and", conditions)


def or_(*conditions: ast.Node) -> ast.Node:
    return _join("or", conditions)


def _join(op: str, conditions) -> ast.Node:
    items = [c for c in conditions if c is not None]
    if not items:
        raise ValueError(f"{op}_() needs at least one condition")
    return items[0] if len(items) == 1 else ast.BoolOp(op, items)


def not_(condition: ast.Node) -> ast.Not:
    return ast.Not(condition)


def call(name: str, *args) -> ast.Call:
    return ast.Call(name.lower(), [value(a) for a in args])


# ---------------------------------------------------------------- clauses


def select(*items) -> list[ast.SelectItem]:
    """A select clause: fields or expressions, each optionally ``(expression, alias)``."""
    return [
        ast.SelectItem(*(item if isinstance(item, tuple) else (item, None)), "") for item in items
    ]


def group(expr: ast.Node, alias: str | None = None) -> ast.GroupItem:
    return ast.GroupItem(expr, alias, "")


def order(expr: ast.Node, *, descending: bool = False) -> ast.OrderItem:
    return ast.OrderItem(expr, descending, "")


# ---------------------------------------------------------------- text


def text(clause) -> str:
    """The ODSQL text of a clause (a condition, or a list of select, group or order items),
    giving its nodes their positions in that text."""
    return _Writer().clause(clause)


def fresh(clause):
    """A copy of a built clause with its positions, for one validation (validation types and
    rewrites the nodes it checks)."""
    clause = copy.deepcopy(clause)
    text(clause)
    return clause


class _Writer:
    def __init__(self):
        self.parts: list[str] = []
        self.offset = 0

    def put(self, piece: str) -> None:
        self.parts.append(piece)
        self.offset += len(piece)

    def clause(self, clause) -> str:
        if isinstance(clause, list):
            for i, item in enumerate(clause):
                if i:
                    self.put(", ")
                self.item(item)
        else:
            self.node(clause)
        return "".join(self.parts)

    def item(self, item) -> None:
        item.pos = self.offset
        if isinstance(item, ast.SelectItem) and item.expr is None:
            item.text = "*"
            self.put("*")
            return
        start = self.offset
        self.node(item.expr)
        item.text = "".join(self.parts)[start:]
        if isinstance(item, ast.OrderItem):
            if item.descending:
                self.put(" desc")
        elif item.alias:
            self.put(" as " + _name(item.alias))

    def node(self, node: ast.Node, parent_op: str | None = None) -> None:
        node.pos = self.offset
        if isinstance(node, ast.Field):
            self.put(_name(node.name))
        elif isinstance(node, ast.Star):
            self.put("*")
        elif isinstance(node, ast.Literal):
            if node.kind == "string":
                node.text = quoted(node.value)
            self.put(node.text)
        elif isinstance(node, ast.DateLiteral):
            self.put(f"date'{node.text}'")
        elif isinstance(node, ast.Compare):
            self.node(node.left)
            self.put(f" {node.op} ")
            self.node(node.right)
        elif isinstance(node, ast.IsNull):
            self.node(node.expr)
            self.put(" is not null" if node.negated else " is null")
        elif isinstance(node, ast.IsBool):
            self.node(node.expr)
            self.put(" is true" if node.value else " is false")
        elif isinstance(node, ast.BoolOp):
            nested = parent_op is not None
            if nested:
                self.put("(")
                node.pos = self.offset
            for i, item in enumerate(node.items):
                if i:
                    self.put(f" {node.op} ")
                self.node(item, node.op)
            if nested:
                self.put(")")
        elif isinstance(node, ast.Not):
            self.put("not ")
            self.node(node.operand, "not")
        elif isinstance(node, ast.Call):
            self.put(node.name + "(")
            for i, arg in enumerate(node.args):
                if i:
                    self.put(", ")
                self.node(arg)
            self.put(")")
        else:  # pragma: no cover - only the nodes this module builds
            raise TypeError(f"cannot write {type(node).__name__} as ODSQL")


def _name(name: str) -> str:
    return "`" + name.replace("`", "") + "`"


def quoted(text: str) -> str:
    """A string as an ODSQL string literal (backslash escapes, as the parser reads them)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
