"""Scalar functions: now, ifnull, lower, upper, length, abs, the parts of a date, date_format."""

from __future__ import annotations

from collections.abc import Callable

from ...columns import GEO, NUMERIC, TEMPORAL
from .. import ast
from ..dateformat import translate
from ..literals import LiteralError
from .registry import (
    SCALAR,
    Checker,
    Function,
    Writer,
    argument,
    register,
    string_literal,
    type_error,
)


def _check_now(v: Checker, node: ast.Call) -> ast.Node:
    node.type = "datetime"
    return node


def _check_ifnull(v: Checker, node: ast.Call) -> ast.Node:
    first = argument(v, node, None, "", "")
    if first.type in GEO:
        raise type_error(
            v,
            first,
            "ifnull",
            "une valeur qui ne soit pas une position",
            "a value that is not a location",
        )
    node.args[1] = v.coerce(v.expr(node.args[1]), first)
    node.type = first.type
    return node


def _check_text_function(v: Checker, node: ast.Call) -> ast.Node:
    argument(v, node, frozenset({"text"}), "un texte", "a text")
    node.type = "integer" if node.name == "length" else "text"
    return node


def _check_abs(v: Checker, node: ast.Call) -> ast.Node:
    node.type = argument(v, node, NUMERIC, "un nombre", "a number").type
    return node


def _check_date_part(v: Checker, node: ast.Call) -> ast.Node:
    argument(v, node, TEMPORAL, "un champ date", "a date field")
    node.type = "integer"
    return node


def _emit_plain(sql_name: str | None = None) -> Callable[[Writer, ast.Call], str]:
    """``name(argument)`` in SQL, under the function's own name or ``sql_name``."""
    return lambda em, node: f"{sql_name or node.name}({em.emit(node.args[0])})"


def _check_date_format(v: Checker, node: ast.Call) -> ast.Node:
    argument(v, node, TEMPORAL, "un champ date", "a date field")
    pattern_node = node.args[1]
    pattern = string_literal(v, pattern_node, node.name)
    try:
        translate(pattern)
    except LiteralError as exc:
        offset = getattr(exc, "offset", 0)
        raise v.error(pattern_node.pos + 1 + offset, exc.message_fr, exc.message_en) from None
    node.type = "text"
    return node


def _emit_date_format(em: Writer, node: ast.Call) -> str:
    value = em.emit(node.args[0])
    pieces = []
    for part in translate(node.args[1].value, em.lang):
        if part.kind == "strftime":
            pieces.append(f"strftime({value}, {em.param(part.value)})")
        elif part.kind == "week":
            week = f"CAST(week({value}) AS VARCHAR)"
            pieces.append(f"lpad({week}, 2, '0')" if part.value else week)
        elif part.kind == "weekyear2":
            pieces.append(f"right(CAST(isoyear({value}) AS VARCHAR), 2)")
        elif part.kind == "day_names":
            pieces.append(f"list_extract({em.param(list(part.value))}, isodow({value}))")
        else:
            pieces.append(f"list_extract({em.param(list(part.value))}, month({value}))")
    return pieces[0] if len(pieces) == 1 else "concat(" + ", ".join(pieces) + ")"


_DATE_PARTS = {"year": None, "month": None, "day": None, "hour": None, "minute": None,
               "second": None, "quarter": None, "dayofweek": "isodow"}  # fmt: skip

register(
    Function("now", SCALAR, (0,), _check_now, lambda em, node: em.param(em.now), volatile=True),
    Function(
        "ifnull",
        SCALAR,
        (2,),
        _check_ifnull,
        lambda em, node: f"coalesce({em.emit(node.args[0])}, {em.emit(node.args[1])})",
    ),
    Function("lower", SCALAR, (1,), _check_text_function, _emit_plain()),
    Function("upper", SCALAR, (1,), _check_text_function, _emit_plain()),
    Function("length", SCALAR, (1,), _check_text_function, _emit_plain()),
    Function("abs", SCALAR, (1,), _check_abs, _emit_plain()),
    *(
        Function(name, SCALAR, (1,), _check_date_part, _emit_plain(sql))
        for name, sql in _DATE_PARTS.items()
    ),
    Function("date_format", SCALAR, (2,), _check_date_format, _emit_date_format),
)
