"""The registry of ODSQL functions: one entry per function — its name, kind, arity, type rule and
SQL emission. The entries are written, with their rules, by kind: ``aggregates``, ``scalars``,
``predicates``, ``grouping``; adding a function is adding its entry there (and its test).
Nothing else in the query module knows function names.

- The **kind** says where a function may appear: aggregates in ``select`` and ``order_by``
  (and make the query an aggregation), predicates in ``where`` only, ``range()`` in
  ``group_by``; scalars anywhere.
- The **type rule** (``check``) receives the validator and the call, checks the arguments
  (typing them through the validator) and sets the result type. It may return another node
  (``search()`` becomes a full-text ``Search``).
- The **emission** (``emit``) receives the SQL emitter and the validated call and returns SQL;
  every value from the query is bound through ``em.param``.

The validator and the emitter are only used through their methods (``Checker`` and ``Writer``
below), so this module imports neither: they import it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .. import ast

AGGREGATE, SCALAR, PREDICATE, GROUPING = "aggregate", "scalar", "predicate", "grouping"


class Checker(Protocol):
    """What a type rule uses of the validator (``validate.Validator``)."""

    clause: str
    allow_aggregates: bool
    allow_range: bool
    in_aggregate: bool
    saw_aggregate: bool
    needs_spatial: bool

    def error(self, node_or_pos: Any, message_fr: str, message_en: str) -> Exception: ...
    def expr(self, node: ast.Node) -> ast.Node: ...
    def field(self, node: ast.Field) -> ast.Field: ...
    def predicate(self, node: ast.Node) -> ast.Node: ...
    def coerce(self, value: ast.Node, target: ast.Node) -> ast.Node: ...
    def describe(self, node: ast.Node, lang: str) -> str: ...


class Writer(Protocol):
    """What an emission uses of the SQL emitter (``sqlgen.Emitter``)."""

    lang: str
    now: Any

    def emit(self, node: ast.Node) -> str: ...
    def param(self, value: Any) -> str: ...
    def geometry(self, field: ast.Field) -> str: ...
    def envelope(self, lat1: float, lon1: float, lat2: float, lon2: float) -> str: ...


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # AGGREGATE | SCALAR | PREDICATE | GROUPING
    arity: tuple[int, ...] | None  # argument counts accepted (None: the type rule checks)
    check: Callable[[Checker, ast.Call], ast.Node]
    emit: Callable[[Writer, ast.Call], str] | None  # None: the rule turns the call into a node
    distinct: bool = False  # accepts count(distinct …)
    volatile: bool = False  # its value changes with time: results using it are not remembered
    position_filter: bool = (
        False  # keeps records by their position (a spatially ordered copy helps)
    )


REGISTRY: dict[str, Function] = {}


def register(*functions: Function) -> None:
    for function in functions:
        REGISTRY[function.name] = function


def get(name: str) -> Function | None:
    return REGISTRY.get(name)


def is_aggregate(node: ast.Node) -> bool:
    function = REGISTRY.get(node.name) if isinstance(node, ast.Call) else None
    return function is not None and function.kind == AGGREGATE


# ---------------------------------------------------------------- validation


def check_call(v: Checker, node: ast.Call) -> ast.Node:
    """Check a call against the registry: known name, placement of its kind, arity, type rule."""
    name = node.name
    function = REGISTRY.get(name)
    if function is None:
        names = sorted(REGISTRY)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        raise v.error(
            node,
            f"La fonction « {name} » n'existe pas."
            + (f" Vouliez-vous dire « {close[0]} » ?" if close else "")
            + f" Fonctions disponibles : {', '.join(names)}",
            f"Function '{name}' does not exist."
            + (f" Did you mean '{close[0]}'?" if close else "")
            + f" Available functions: {', '.join(names)}",
        )
    if node.distinct and not function.distinct:
        raise v.error(
            node,
            "distinct n'est permis que dans count(distinct champ)",
            "distinct is only allowed in count(distinct field)",
        )
    if function.kind == AGGREGATE:
        _aggregate_placement(v, node)
        v.saw_aggregate = v.in_aggregate = True
        try:
            _arity(v, node, function.arity)
            return function.check(v, node)
        finally:
            v.in_aggregate = False
    if function.kind == PREDICATE and v.clause != "where":
        raise v.error(
            node,
            f"La fonction de filtre {name}() ne s'utilise que dans where",
            f"Filter function {name}() can only be used in where",
        )
    if function.kind == GROUPING and not v.allow_range:
        raise v.error(
            node,
            f"{name}() ne s'utilise que dans group_by",
            f"{name}() can only be used in group_by",
        )
    _arity(v, node, function.arity)
    return function.check(v, node)


def _aggregate_placement(v: Checker, node: ast.Call) -> None:
    name = node.name
    if not v.allow_aggregates and v.clause == "order_by":
        raise v.error(
            node,
            f"Trier par {name}() demande une agrégation : ajoutez group_by ou {name}() dans select",
            f"Sorting by {name}() needs an aggregation: add group_by or {name}() to select",
        )
    if not v.allow_aggregates:
        raise v.error(
            node,
            f"La fonction d'agrégation {name}() n'est permise que dans select et order_by",
            f"Aggregate function {name}() is only allowed in select and order_by",
        )
    if v.in_aggregate:
        raise v.error(
            node,
            "Une agrégation ne peut pas en contenir une autre",
            "An aggregate cannot contain another aggregate",
        )


def _arity(v: Checker, node: ast.Call, counts: tuple[int, ...] | None) -> None:
    if counts is not None and len(node.args) not in counts:
        raise v.error(
            node,
            f"{node.name}() attend {' ou '.join(map(str, counts))} argument(s), pas {len(node.args)}",
            f"{node.name}() takes {' or '.join(map(str, counts))} argument(s), not {len(node.args)}",
        )


def type_error(v: Checker, node: ast.Node, function: str, wanted_fr: str, wanted_en: str):
    return v.error(
        node,
        f"{function}() attend {wanted_fr} ; {v.describe(node, 'fr')} ne convient pas",
        f"{function}() needs {wanted_en}; {v.describe(node, 'en')} does not fit",
    )


def string_literal(v: Checker, node: ast.Node, function: str) -> str:
    if not (isinstance(node, ast.Literal) and node.kind == "string"):
        raise v.error(
            node,
            f"{function}() attend ici une chaîne entre guillemets",
            f"{function}() needs a quoted string here",
        )
    return node.value


def argument(v: Checker, node: ast.Call, wanted: frozenset | None, fr: str, en: str) -> ast.Node:
    """The first argument, typed; a type error unless its type is in ``wanted``."""
    arg = node.args[0] = v.expr(node.args[0])
    if wanted is not None and arg.type not in wanted:
        raise type_error(v, arg, node.name, fr, en)
    return arg
