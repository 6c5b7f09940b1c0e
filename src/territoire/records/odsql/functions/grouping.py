"""range(): buckets of numbers or of dates, in group_by."""

from __future__ import annotations

from ...columns import NUMERIC, TEMPORAL
from .. import ast
from ..literals import INTERVAL_UNITS
from .registry import GROUPING, Checker, Function, Writer, register, type_error


def _check_range(v: Checker, node: ast.Call) -> ast.Node:
    arg = node.args[0] = v.expr(node.args[0])
    width = node.args[1]
    if arg.type in NUMERIC:
        if not (isinstance(width, ast.Literal) and width.kind == "number" and width.value > 0):
            raise v.error(
                width,
                "range(champ, largeur) attend une largeur positive, par exemple range(population, 1000)",
                "range(field, width) needs a positive width, for example range(population, 1000)",
            )
        width.type = "integer" if isinstance(width.value, int) else "decimal"
        node.type = "integer" if arg.type == "integer" and width.type == "integer" else "decimal"
        return node
    if arg.type not in TEMPORAL:
        raise type_error(v, arg, "range", "un nombre ou une date", "a number or a date")
    if not isinstance(width, ast.Quantity):
        raise v.error(
            width,
            "Pour une date, écrivez range(champ, 1 day), range(champ, 1 month)…",
            "For a date, write range(field, 1 day), range(field, 1 month)…",
        )
    unit = INTERVAL_UNITS.get(width.unit) or INTERVAL_UNITS.get(
        width.unit.lower() if len(width.unit) > 2 else width.unit
    )
    if unit is None or width.value != int(width.value) or width.value < 1:
        raise v.error(
            width,
            "Intervalle illisible : écrivez par exemple 1 day, 6 hours, 1 month (unités ms, s, m, h, d, w, M, q, y)",
            "Unreadable interval: write for example 1 day, 6 hours, 1 month (units ms, s, m, h, d, w, M, q, y)",
        )
    count = int(width.value)
    if count > 1 and unit in ("week", "month", "quarter", "year"):
        raise v.error(
            width,
            f"Un intervalle de plusieurs {unit}s n'est pas pris en charge : utilisez 1 {unit}",
            f"An interval of several {unit}s is not supported: use 1 {unit}",
        )
    width.unit, width.value = unit, float(count)
    calendar_unit = unit in ("day", "week", "month", "quarter", "year")
    node.type = "date" if arg.type == "date" and calendar_unit else "datetime"
    return node


def _emit_range(em: Writer, node: ast.Call) -> str:
    arg, width = node.args
    value = em.emit(arg)
    if isinstance(width, ast.Literal):
        sql = f"(floor({value} / {em.param(width.value)}) * {em.param(width.value)})"
        return f"CAST({sql} AS BIGINT)" if node.type == "integer" else sql
    count, unit = int(width.value), width.unit
    if count == 1:
        sql = f"date_trunc('{unit}', {value})"
    else:
        function = {
            "millisecond": "to_milliseconds",
            "second": "to_seconds",
            "minute": "to_minutes",
            "hour": "to_hours",
            "day": "to_days",
        }[unit]
        sql = f"time_bucket({function}(CAST({em.param(count)} AS BIGINT)), {value})"
    return f"CAST({sql} AS DATE)" if node.type == "date" else sql


register(Function("range", GROUPING, (2,), _check_range, _emit_range))
