"""The syntax tree of an ODSQL query, as the parser builds it and the validator annotates it.

Every node carries ``pos``, the 0-based offset of its first character in the clause text, so
that any later error can point at it. The validator fills ``type`` (one of the column types,
see ``validate.TYPES``) and, on fields, ``column`` (the dataset column id the name resolves to).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(eq=False)
class Node:
    pos: int = field(default=0, kw_only=True)
    type: str | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class Field(Node):
    """A field literal: a name as written (bare or between back-quotes)."""

    name: str
    column: str | None = field(default=None, repr=False)  # resolved column id
    alias_of: Node | None = field(default=None, repr=False)  # when the name is a group_by alias


@dataclass(eq=False)
class Star(Node):
    """`*` as a function argument: count(*), search(*, …)."""


@dataclass(eq=False)
class Literal(Node):
    """A number, a string, true/false or null. ``text`` keeps the source spelling (e.g. "034")."""

    value: object
    kind: str  # "number" | "string" | "boolean" | "null"
    text: str = ""


@dataclass(eq=False)
class DateLiteral(Node):
    """date'2024', date'2024-03', date'2024/03/15', date'2024-03-15T08:30:00+02:00'.

    ``start`` is the first instant of the period the literal names, ``end`` the first instant
    after it (date'2024' spans the whole year), ``precision`` is "year" … "second".
    ``start``/``end`` are naive unless the literal had a UTC offset.
    """

    text: str
    start: dt.datetime
    end: dt.datetime
    precision: str


@dataclass(eq=False)
class GeomLiteral(Node):
    """geom'POINT(lon lat)' or a GeoJSON point; only points are supported."""

    text: str
    lon: float
    lat: float


@dataclass(eq=False)
class Quantity(Node):
    """A number with a unit: 500m, 1.5km (distances), 1 day, 2 hours (intervals)."""

    value: float
    unit: str
    text: str = ""


@dataclass(eq=False)
class Unary(Node):
    op: str  # "-"
    operand: Node


@dataclass(eq=False)
class Binary(Node):
    """Arithmetic: + - * /."""

    op: str
    left: Node
    right: Node


@dataclass(eq=False)
class Compare(Node):
    """= != < <= > >=  (`:` and `<>` are normalised to `=` and `!=`)."""

    op: str
    left: Node
    right: Node


@dataclass(eq=False)
class InRange(Node):
    """f in [a..b], f: ]a..b[ ; a bracket turned outwards excludes its bound."""

    expr: Node
    low: Node
    high: Node
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(eq=False)
class InList(Node):
    expr: Node
    items: list[Node]
    negated: bool = False


@dataclass(eq=False)
class IsNull(Node):
    expr: Node
    negated: bool = False


@dataclass(eq=False)
class IsBool(Node):
    """f is true / f is false."""

    expr: Node
    value: bool


@dataclass(eq=False)
class Like(Node):
    """f like "words": every word appears in f (accent- and case-insensitive)."""

    expr: Node
    text: str


@dataclass(eq=False)
class BoolOp(Node):
    op: str  # "and" | "or"
    items: list[Node]


@dataclass(eq=False)
class Not(Node):
    operand: Node


@dataclass(eq=False)
class Search(Node):
    """Full-text search: a bare quoted string, search(f, "…") or search(*, "…").

    ``fields`` empty means every text column.
    """

    text: str
    fields: list[Field] = field(default_factory=list)


@dataclass(eq=False)
class Call(Node):
    """A function call; ``name`` is lower-cased. Arguments may include Star and Quantity."""

    name: str
    args: list[Node]
    distinct: bool = False


@dataclass(eq=False)
class SelectItem(Node):
    """One select expression. ``text`` is the expression as written: the output name when
    there is no alias (as OpenDataSoft does: `count(*)` comes back as "count(*)")."""

    expr: Node | None  # None for `*`
    alias: str | None
    text: str


@dataclass(eq=False)
class GroupItem(Node):
    expr: Node
    alias: str | None
    text: str


@dataclass(eq=False)
class OrderItem(Node):
    expr: Node
    descending: bool
    text: str


def children(node: Node) -> list[Node]:
    """Direct sub-nodes, for generic walks."""
    if isinstance(node, Unary | Not):
        return [node.operand]
    if isinstance(node, Binary | Compare):
        return [node.left, node.right]
    if isinstance(node, InRange):
        return [node.expr, node.low, node.high]
    if isinstance(node, InList):
        return [node.expr, *node.items]
    if isinstance(node, IsNull | IsBool | Like):
        return [node.expr]
    if isinstance(node, BoolOp):
        return list(node.items)
    if isinstance(node, Search):
        return list(node.fields)
    if isinstance(node, Call):
        return list(node.args)
    return []


def walk(node: Node):
    """Depth-first iteration over a node and all its descendants."""
    yield node
    for child in children(node):
        yield from walk(child)


def same(a: Node, b: Node) -> bool:
    """Structural equality after validation (fields compared by resolved column).

    Used to recognise a select or order_by expression as one of the group_by expressions.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, Field):
        return (a.column or a.name) == (b.column or b.name)
    if isinstance(a, Literal):
        return a.kind == b.kind and a.value == b.value
    if isinstance(a, DateLiteral | GeomLiteral):
        return a.text == b.text
    if isinstance(a, Quantity):
        return a.value == b.value and a.unit == b.unit
    if isinstance(a, Star):
        return True
    if isinstance(a, Unary | Binary | Compare) and a.op != b.op:
        return False
    if isinstance(a, Call) and (a.name != b.name or a.distinct != b.distinct):
        return False
    if isinstance(a, BoolOp) and a.op != b.op:
        return False
    if isinstance(a, Search | Like) and a.text != b.text:
        return False
    ca, cb = children(a), children(b)
    return len(ca) == len(cb) and all(same(x, y) for x, y in zip(ca, cb, strict=True))
