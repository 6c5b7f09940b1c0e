"""where / refine / exclude / order_by on the catalogue's metadata, OpenDataSoft style.

The clauses are parsed and checked by the records query module (territoire.records.odsql: the
same grammar, the same error messages), then evaluated here over the catalogue entries in
Python, because catalogue fields such as ``theme`` and ``keyword`` hold several values: a
condition on them is true when it holds for one of the values, as on OpenDataSoft.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from territoire.records.odsql import QueryError, Schema, parse
from territoire.records.odsql import ast as q
from territoire.records.odsql.validate import Validator

from ..catalogue import WORD, Entry, fold

PARIS = ZoneInfo("Europe/Paris")

# Catalogue fields: name -> (type, several values?)
FIELDS = {
    "dataset_id": ("text", False),
    "dataset_uid": ("text", False),
    "title": ("text", False),
    "description": ("text", False),
    "theme": ("text", True),
    "keyword": ("text", True),
    "publisher": ("text", False),
    "license": ("text", False),
    "language": ("text", False),
    "territory": ("text", True),
    "features": ("text", True),
    "visibility": ("text", False),
    "modified": ("datetime", False),
    "data_processed": ("datetime", False),
    "metadata_processed": ("datetime", False),
    "records_count": ("integer", False),
    "has_records": ("boolean", False),
}
SCHEMA = Schema([{"id": name, "label": name, "type": t} for name, (t, _) in FIELDS.items()])
TEXT_FIELDS = [name for name, (t, _) in FIELDS.items() if t == "text"]


def unsupported(node: q.Node, clause: str, what: str) -> QueryError:
    return QueryError(
        f"{what} n'est pas pris en charge sur le catalogue (seulement sur les enregistrements)",
        f"{what} is not supported on the catalogue (only on records)",
        clause=clause,
        position=node.pos + 1,
    )


def parse_where(texts: list[str]) -> list[q.Node]:
    nodes = []
    for index, text in enumerate(texts):
        v = Validator(SCHEMA)
        v.clause, v.index = "where", (index if len(texts) > 1 else None)
        nodes.append(v.predicate(parse("where", text, index=v.index)))
    return nodes


def parse_order(text: str) -> list[tuple[str, bool]]:
    keys = []
    v = Validator(SCHEMA)
    v.clause = "order_by"
    for item in parse("order_by", text):
        expr = item.expr
        if not isinstance(expr, q.Field):
            raise unsupported(expr, "order_by", "Un tri sur une expression")
        v.field(expr)
        if FIELDS[expr.column][1]:
            raise QueryError(
                f"On ne trie pas sur « {expr.column} », qui a plusieurs valeurs",
                f"Cannot sort by '{expr.column}', which holds several values",
                clause="order_by",
                position=expr.pos + 1,
            )
        keys.append((expr.column, item.descending))
    return keys


class Evaluator:
    def __init__(self, row: dict):
        self.row = row

    def value(self, node: q.Node):
        if isinstance(node, q.Field):
            return self.row.get(node.column)
        if isinstance(node, q.Literal):
            return node.value
        if isinstance(node, q.Unary):
            operand = self.value(node.operand)
            return None if operand is None else -operand
        if isinstance(node, q.Binary):
            left, right = self.value(node.left), self.value(node.right)
            if left is None or right is None:
                return None
            if node.op == "/":
                return None if right == 0 else left / right
            return {"+": left + right, "-": left - right, "*": left * right}[node.op]
        if isinstance(node, q.Call) and node.name in (
            "lower",
            "upper",
            "length",
            "year",
            "month",
            "day",
        ):
            arg = self.value(node.args[0])
            return _apply(node.name, arg)
        raise unsupported(
            node, "where", f"{type(node).__name__.lower()} {getattr(node, 'name', '')}".strip()
        )

    def test(self, node: q.Node) -> bool:
        if isinstance(node, q.BoolOp):
            results = (self.test(item) for item in node.items)
            return all(results) if node.op == "and" else any(results)
        if isinstance(node, q.Not):
            return not self.test(node.operand)
        if isinstance(node, q.Literal) and node.kind == "boolean":
            return bool(node.value)
        if isinstance(node, q.Search):
            names = [f.column for f in node.fields] or TEXT_FIELDS
            return _words_in(node.text, " ".join(_texts(self.row, names)))
        if isinstance(node, q.Like):
            return _words_in(node.text, " ".join(_as_list(self.value(node.expr))))
        if isinstance(node, q.IsNull):
            value = self.value(node.expr)
            empty = value is None or value == [] or value == ""
            return empty != node.negated
        if isinstance(node, q.IsBool):
            return self.value(node.expr) is node.value
        if isinstance(node, q.Compare):
            return self.compare(node)
        if isinstance(node, q.InRange):
            return any(self._in_range(v, node) for v in _each(self.value(node.expr)))
        if isinstance(node, q.InList):
            found = any(
                _equal(v, item) for v in _each(self.value(node.expr)) for item in node.items
            )
            return found != node.negated
        if isinstance(node, q.Call) and node.name == "startswith":
            prefix = fold(node.args[1].value)
            return any(fold(str(v)).startswith(prefix) for v in _each(self.value(node.args[0])))
        if isinstance(node, q.Field) and node.type == "boolean":
            return self.value(node) is True
        raise unsupported(node, "where", getattr(node, "name", type(node).__name__))

    def compare(self, node: q.Compare) -> bool:
        values = list(_each(self.value(node.left)))
        right = node.right
        if node.op == "!=":
            return not any(_compare("=", v, right, self) for v in values)
        return any(_compare(node.op, v, right, self) for v in values)

    def _in_range(self, value, node: q.InRange) -> bool:
        if value is None:
            return False
        low_ok = _compare(">=" if node.low_inclusive else ">", value, node.low, self)
        high_ok = _compare("<=" if node.high_inclusive else "<", value, node.high, self)
        return low_ok and high_ok


def _apply(name: str, value):
    if value is None:
        return None
    if name == "lower":
        return str(value).lower()
    if name == "upper":
        return str(value).upper()
    if name == "length":
        return len(str(value))
    local = value.astimezone(PARIS) if isinstance(value, dt.datetime) else value
    return getattr(local, name)


def _as_list(value) -> list[str]:
    return (
        [str(v) for v in value]
        if isinstance(value, list)
        else ([] if value is None else [str(value)])
    )


def _each(value):
    if isinstance(value, list):
        yield from value
    elif value is not None:
        yield value


def _texts(row: dict, names: list[str]) -> list[str]:
    return [t for name in names for t in _as_list(row.get(name))]


def _words_in(text: str, haystack: str) -> bool:
    words = set(WORD.findall(fold(haystack)))
    return all(any(w.startswith(n) for w in words) for n in WORD.findall(fold(text)))


def _local(bound: dt.datetime) -> dt.datetime:
    """Naive date literals are local time (Europe/Paris), to compare with aware values."""
    return bound if bound.tzinfo is not None else bound.replace(tzinfo=PARIS)


def _equal(value, literal: q.Node) -> bool:
    if isinstance(literal, q.DateLiteral):
        return _local(literal.start) <= value < _local(literal.end)
    return value == literal.value


def _compare(op: str, value, literal: q.Node, evaluator: Evaluator) -> bool:
    if value is None:
        return False
    if isinstance(literal, q.DateLiteral):
        start, end = _local(literal.start), _local(literal.end)
        return {
            "=": start <= value < end,
            "<": value < start,
            "<=": value < end,
            ">": value >= end,
            ">=": value >= start,
        }[op]
    other = evaluator.value(literal)
    if other is None:
        return False
    try:
        return {
            "=": value == other,
            "<": value < other,
            "<=": value <= other,
            ">": value > other,
            ">=": value >= other,
        }[op]
    except TypeError:
        return False


def matches(nodes: list[q.Node], row: dict) -> bool:
    evaluator = Evaluator(row)
    return all(evaluator.test(node) for node in nodes)


def parse_refines(values: list[str], clause: str) -> list[tuple[str, str]]:
    pairs = []
    for index, text in enumerate(values):
        name, sep, raw = text.partition(":")
        column = SCHEMA.find(name.strip().strip("`")) if sep else None
        if column is None:
            hint = SCHEMA.suggestion(name.strip()) if sep else None
            raise QueryError(
                f"« {text} » : écrivez {clause}=champ:valeur avec un champ du catalogue"
                + (f" (vouliez-vous dire « {hint} » ?)" if hint else "")
                + f". Champs : {', '.join(FIELDS)}",
                f"'{text}': write {clause}=field:value with a catalogue field"
                + (f" (did you mean '{hint}'?)" if hint else "")
                + f". Fields: {', '.join(FIELDS)}",
                clause=clause,
                position=1,
                index=index if len(values) > 1 else None,
            )
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            raw = raw[1:-1]
        pairs.append((column.id, raw))
    return pairs


def refine_value(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(PARIS).strftime("%Y/%m/%d")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def refined(row: dict, field: str, raw: str) -> bool:
    """Exact value; a date field takes a period: 2024, 2024/03, 2024/03/15 (or with dashes)."""
    values = list(_each(row.get(field)))
    if FIELDS[field][0] == "datetime":
        wanted = raw.replace("-", "/")
        return any(refine_value(v).startswith(wanted) for v in values)
    return any(refine_value(v) == raw for v in values)


def filter_entries(
    entries: list[Entry], rows: list[dict], *, where: list[q.Node], refine, exclude
) -> list[int]:
    """Indexes of the entries that pass every clause (refines on one field are ORed)."""
    by_field: dict[str, list[str]] = {}
    for field, raw in refine:
        by_field.setdefault(field, []).append(raw)
    kept = []
    for index, row in enumerate(rows):
        if not all(any(refined(row, f, raw) for raw in raws) for f, raws in by_field.items()):
            continue
        if any(refined(row, f, raw) for f, raw in exclude):
            continue
        if not matches(where, row):
            continue
        kept.append(index)
    return kept
