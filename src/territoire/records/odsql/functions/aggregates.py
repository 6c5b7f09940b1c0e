"""Aggregate functions: count, sum, avg, median, min, max, percentile (in select and order_by;
they make the query an aggregation)."""

from __future__ import annotations

from ...columns import GEO, NUMERIC
from .. import ast
from .registry import AGGREGATE, Checker, Function, Writer, argument, register, type_error


def _check_count(v: Checker, node: ast.Call) -> ast.Node:
    if isinstance(node.args[0], ast.Star):
        if node.distinct:
            raise v.error(
                node,
                "count(distinct *) n'existe pas : nommez un champ",
                "count(distinct *) does not exist: name a field",
            )
    else:
        node.args[0] = v.expr(node.args[0])
    node.type = "integer"
    return node


def _emit_count(em: Writer, node: ast.Call) -> str:
    arg = node.args[0]
    if isinstance(arg, ast.Star):
        return "count(*)"
    return f"count({'DISTINCT ' if node.distinct else ''}{em.emit(arg)})"


def _check_min_max(v: Checker, node: ast.Call) -> ast.Node:
    arg = node.args[0] = v.expr(node.args[0])
    if arg.type in GEO or arg.type in ("null", "datelit", "geomlit", "quantity"):
        raise type_error(
            v, arg, node.name, "un nombre, une date ou un texte", "a number, a date or a text"
        )
    node.type = arg.type
    return node


def _check_numeric_aggregate(v: Checker, node: ast.Call) -> ast.Node:
    arg = argument(v, node, NUMERIC, "un nombre", "a number")
    node.type = arg.type if node.name == "sum" else "decimal"
    return node


def _emit_aggregate(em: Writer, node: ast.Call) -> str:
    return f"{node.name}({em.emit(node.args[0])})"


def _check_percentile(v: Checker, node: ast.Call) -> ast.Node:
    argument(v, node, NUMERIC, "un nombre", "a number")
    p = node.args[1]
    if not (isinstance(p, ast.Literal) and p.kind == "number" and 0 <= p.value <= 100):
        raise v.error(
            p,
            "Le percentile est un nombre entre 0 et 100",
            "The percentile is a number between 0 and 100",
        )
    p.type = "decimal"
    node.type = "decimal"
    return node


def _emit_percentile(em: Writer, node: ast.Call) -> str:
    return f"quantile_cont({em.emit(node.args[0])}, {em.param(node.args[1].value / 100.0)})"


register(
    Function("count", AGGREGATE, (1,), _check_count, _emit_count, distinct=True),
    Function("sum", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("avg", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("median", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("min", AGGREGATE, (1,), _check_min_max, _emit_aggregate),
    Function("max", AGGREGATE, (1,), _check_min_max, _emit_aggregate),
    Function("percentile", AGGREGATE, (2,), _check_percentile, _emit_percentile),
)
