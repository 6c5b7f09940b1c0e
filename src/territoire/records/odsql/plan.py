"""Put the validated clauses together: outputs, grouping rules, ordering keys."""

from __future__ import annotations

from ..columns import GEO, NUMERIC
from . import ast, functions
from .validate import OrderKey, Output, Plan, Schema, Validator


def _is_grouping(node: ast.Node) -> bool:
    function = functions.get(node.name) if isinstance(node, ast.Call) else None
    return function is not None and function.kind == functions.GROUPING


def build_plan(
    schema: Schema,
    *,
    select: list[ast.SelectItem] | None,
    where: list[tuple[int | None, ast.Node]],
    group_by: list[ast.GroupItem] | None,
    order_by: list[ast.OrderItem] | None,
) -> Plan:
    v = Validator(schema)

    # where: columns only, no aggregates; several where parameters are ANDed.
    checked_where = []
    for index, node in where:
        v.clause, v.index = "where", index
        checked_where.append(v.predicate(node))
    v.index = None
    where_node = None
    if len(checked_where) == 1:
        where_node = checked_where[0]
    elif checked_where:
        where_node = ast.BoolOp("and", checked_where, type="boolean")

    # group_by
    groups: list[ast.GroupItem] = []
    v.clause, v.allow_range = "group_by", True
    for item in group_by or []:
        item.expr = v.expr(item.expr)
        if _is_grouping(item.expr):
            pass
        elif any(_is_grouping(n) for n in ast.walk(item.expr)):
            raise v.error(
                item.expr,
                "range() doit être seul dans son expression de group_by",
                "range() must stand alone in its group_by expression",
            )
        groups.append(item)
    # Further on, range() may only repeat a group_by expression (checked by _check_grouped).
    v.allow_range = any(_is_grouping(g.expr) for g in groups)
    v.group_aliases = {g.alias: g for g in groups if g.alias}

    # select
    v.clause, v.allow_aggregates = "select", True
    outputs: list[Output] = []
    if not select:
        if groups:
            outputs = [_group_output(g) for g in groups]
        else:
            outputs = [_column_output(schema, c.id) for c in schema.columns]
    else:
        for item in select:
            if item.expr is None:
                if groups:
                    raise v.error(
                        item,
                        "« * » ne se combine pas avec group_by : nommez les champs",
                        "'*' cannot be combined with group_by: name the fields",
                    )
                outputs.extend(_column_output(schema, c.id) for c in schema.columns)
                continue
            item.expr = v.expr(item.expr)
            if isinstance(item.expr, ast.Field) and item.expr.column and not item.alias:
                name = item.expr.column
            else:
                name = item.alias or item.text
            outputs.append(
                Output(name, item.expr, item.expr.type or "text", _range_width(item.expr, groups))
            )
            item_pos = item.pos
            if [o.name for o in outputs].count(name) > 1:
                raise v.error(
                    item_pos,
                    f"Deux colonnes du résultat s'appellent « {name} » : donnez un alias avec AS",
                    f"Two result columns are named '{name}': give one an alias with AS",
                )
    is_aggregate = bool(groups) or v.saw_aggregate
    if select and any(item.expr is None for item in select) and is_aggregate:
        raise v.error(
            next(i for i in select if i.expr is None),
            "« * » ne se combine pas avec une agrégation",
            "'*' cannot be combined with an aggregation",
        )
    if is_aggregate and select:
        for item in select:
            _check_grouped(v, item.expr, groups)

    # order_by
    v.clause = "order_by"
    v.allow_aggregates = is_aggregate
    orders: list[OrderKey] = []
    names = {o.name: i for i, o in enumerate(outputs)}
    for item in order_by or []:
        expr = item.expr
        if isinstance(expr, ast.Field) and expr.name in names:
            if outputs[names[expr.name]].type in GEO:
                raise v.error(
                    expr,
                    "On ne trie pas sur une position",
                    "Results cannot be sorted by a location",
                )
            orders.append(OrderKey(None, names[expr.name], item.descending))
            continue
        if item.text in names and not isinstance(expr, ast.Field):
            orders.append(OrderKey(None, names[item.text], item.descending))
            continue
        checked = v.expr(expr)
        if not any(isinstance(n, ast.Field | ast.Call) for n in ast.walk(checked)):
            raise v.error(
                checked,
                f"Trier sur une constante ({item.text}) n'a pas d'effet : triez sur un champ ou "
                "une expression qui en utilise un",
                f"Sorting by a constant ({item.text}) has no effect: sort by a field or an "
                "expression that uses one",
            )
        if checked.type in GEO:
            raise v.error(
                checked, "On ne trie pas sur une position", "Results cannot be sorted by a location"
            )
        if is_aggregate:
            _check_grouped(v, checked, groups)
        orders.append(OrderKey(checked, None, item.descending))

    search_fields = [c.id for c in schema.text_columns()]
    return Plan(outputs, where_node, groups, orders, is_aggregate, v.needs_spatial, search_fields)


def _column_output(schema: Schema, column_id: str) -> Output:
    column = schema.get(column_id)
    return Output(column.id, ast.Field(column.id, column=column.id, type=column.type), column.type)


def _group_output(group: ast.GroupItem) -> Output:
    expr = group.expr
    name = (
        expr.column
        if isinstance(expr, ast.Field) and not group.alias
        else (group.alias or group.text)
    )
    return Output(name, expr, expr.type or "text", _range_width(expr, [group]))


def _range_width(expr: ast.Node, groups: list[ast.GroupItem]) -> float | None:
    target = expr.alias_of if isinstance(expr, ast.Field) and expr.alias_of is not None else expr
    if _is_grouping(target) and target.args[0].type in NUMERIC:
        return target.args[1].value
    return None


def _check_grouped(v: Validator, node: ast.Node, groups: list[ast.GroupItem]) -> None:
    """In an aggregate query, every field outside an aggregate must be a group_by expression."""
    if node is None:
        return
    if functions.is_aggregate(node):
        return
    if isinstance(node, ast.Field) and node.alias_of is not None:
        return
    if any(ast.same(node, g.expr) for g in groups):
        return
    if isinstance(node, ast.Field):
        raise v.error(
            node,
            f"« {node.column} » doit figurer dans group_by ou dans une agrégation (count, sum, avg, min, max…)",
            f"'{node.column}' must appear in group_by or inside an aggregate (count, sum, avg, min, max…)",
        )
    for child in ast.children(node):
        _check_grouped(v, child, groups)
