"""An indicator's series computed from its definition: ODSQL trees built in code
(``records.odsql.build``), run through the records engine's one read path
(``records.selectors.version_page``: validated against the columns, bound parameters, the time
limit), then normalised. No SQL is written here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from territoire.core.errors import NotFound, ValidationFailed
from territoire.records.columns import NUMERIC, TEMPORAL, Column
from territoire.records.odsql import RecordQuery
from territoire.records.odsql import build as q
from territoire.records.selectors import Served, served_get, version_page
from territoire.territories.models import Territory

from ..definition import Definition, Filter, definition_parse
from ..vocabularies import NORMALISATIONS, OPERATORS
from .geography import area_km2
from .spatial import SPATIAL_MAX_POSITIONS, identifier_run, spatial_run

AGGREGATES = {"count": "count", "sum": "sum", "mean": "avg", "median": "median", "rate": "sum"}


@dataclass(frozen=True)
class Point:
    """One value of a series: a period and a territory, the value and what it came from."""

    period: str
    territory_code: str
    territory_name: str
    value: float | None
    raw_value: float | None
    population: int | None
    count: int | None = None  # rows behind the value (what disclosure control protects)
    joined_count: int | None = None  # rows of the joined source behind it (a join on a key)
    area_km2: float | None = None


def _refuse(where: str, fr: str, en: str) -> ValidationFailed:
    return ValidationFailed(
        f"Définition, champ « {where} » : {fr}", f"Definition, field '{where}': {en}", where=where
    )


def _column(served: Served, name: str, where: str) -> Column:
    for column in served.data_columns:
        if column.id == name:
            return column
    known = ", ".join(c.id for c in served.data_columns)
    raise _refuse(
        where,
        f"la colonne « {name} » n'existe pas dans « {served.slug} » (colonnes : {known}).",
        f"column '{name}' does not exist in '{served.slug}' (columns: {known}).",
    )


def _condition(served: Served, item: Filter, where: str):
    column = _column(served, item.column, f"{where}.column")
    field = q.field(column.id)
    op = OPERATORS[item.op]
    if op is None:
        return q.is_null(field, negated=item.op == "is_not_null")
    return q.compare(field, op, item.value)


def definition_check(
    served: Served, definition: Definition, joined: Served | None = None, *, prefix: str = ""
) -> None:
    """Every column the definition names exists in ``served`` (and the join's in ``joined``)
    with a type that fits, or ValidationFailed naming the field (French and English)."""
    if served.version is None:
        raise _refuse(
            f"{prefix}dataset",
            f"le jeu de données « {served.slug} » n'a pas encore de données.",
            f"dataset '{served.slug}' has no data yet.",
        )
    m = definition.measure
    for name, where in (
        (m.column, f"{prefix}measure.column"),
        (m.denominator_column, f"{prefix}measure.denominator_column"),
    ):
        if name:
            column = _column(served, name, where)
            if m.kind in ("sum", "mean", "median", "rate") and column.type not in NUMERIC:
                raise _refuse(
                    where,
                    f"la colonne « {name} » est de type {column.type} : il faut des nombres.",
                    f"column '{name}' is of type {column.type}: numbers are needed.",
                )
    for i, item in enumerate(definition.filters):
        _column(served, item.column, f"{prefix}filters[{i}].column")
    for i, item in enumerate(m.share_filters):
        _column(served, item.column, f"{prefix}measure.share_filters[{i}].column")
    if definition.period is not None:
        column = _column(served, definition.period.column, f"{prefix}period.column")
        usable = column.type in TEMPORAL or (
            column.type == "integer" and definition.period.truncate == "year"
        )
        if not usable:
            raise _refuse(
                f"{prefix}period.column",
                f"la colonne « {column.id} » est de type {column.type} : il faut des dates "
                "(ou des années en nombres entiers).",
                f"column '{column.id}' is of type {column.type}: dates (or years as integers) "
                "are needed.",
            )
    territory = definition.territory
    if territory.column:
        column = _column(served, territory.column, f"{prefix}territory.column")
        if column.type not in ("text", "integer"):
            raise _refuse(
                f"{prefix}territory.column",
                f"la colonne « {column.id} » est de type {column.type} : il faut des codes INSEE.",
                f"column '{column.id}' is of type {column.type}: INSEE codes are needed.",
            )
    if territory.is_spatial:
        _spatial_check(served, definition, prefix)
    if definition.join is not None and definition.join.on == "identifier":
        if m.kind == "median":
            raise _refuse("measure.kind", "la médiane n'est pas disponible avec une jointure sur "
                          "un identifiant.", "the median is not available with a join on an "
                          "identifier.")  # fmt: skip
        if joined is None:  # pragma: no cover - the callers always read the joined source
            raise _refuse(
                "join.dataset", "la source jointe manque.", "the joined source is missing."
            )
        definition_check(joined, join_side(definition), prefix="join.")
        left = _column(served, definition.join.key, "join.key")
        right = _column(joined, definition.join.joined_key, "join.joined_key")
        if left.type != right.type or left.type not in ("text", "integer"):
            raise _refuse(
                "join.joined_key",
                f"les identifiants ne sont pas du même type : « {left.id} » est de type "
                f"{left.type}, « {right.id} » de type {right.type} (il faut deux textes ou deux "
                "entiers).",
                f"the identifiers are not of the same type: '{left.id}' is {left.type}, "
                f"'{right.id}' is {right.type} (two texts or two integers are needed).",
            )
        return
    if definition.join is not None:
        if joined is None:  # pragma: no cover - the callers always read the joined source
            raise _refuse(
                "join.dataset", "la source jointe manque.", "the joined source is missing."
            )
        definition_check(joined, join_side(definition), prefix="join.")
        _join_types_check(definition)


def _spatial_check(served: Served, definition: Definition, prefix: str) -> None:
    territory = definition.territory
    if definition.measure.kind == "median":
        raise _refuse(
            f"{prefix}measure.kind",
            "la médiane n'est pas disponible avec une jointure spatiale (somme, moyenne, "
            "nombre, part ou taux le sont).",
            "the median is not available with a spatial join (sum, mean, count, share or rate "
            "are).",
        )
    if territory.point:
        column = _column(served, territory.point, f"{prefix}territory.point")
        if column.type != "geo_point":
            raise _refuse(
                f"{prefix}territory.point",
                f"la colonne « {column.id} » est de type {column.type} : il faut des points "
                "(geo_point).",
                f"column '{column.id}' is of type {column.type}: points (geo_point) are needed.",
            )
        return
    for key in ("longitude", "latitude"):
        name = getattr(territory, key)
        column = _column(served, name, f"{prefix}territory.{key}")
        if column.type not in NUMERIC:
            raise _refuse(
                f"{prefix}territory.{key}",
                f"la colonne « {name} » est de type {column.type} : il faut des nombres "
                "(degrés WGS 84).",
                f"column '{name}' is of type {column.type}: numbers (WGS 84 degrees) are needed.",
            )


def _join_types_check(definition: Definition) -> None:
    """Both sides must produce the same key: INSEE codes (a code column, a fixed code or a
    spatial join) on both, and the same period when the join is on the period too."""
    join = definition.join
    assert join is not None
    if join.on == "territory" and join.period is not None:
        raise _refuse(
            "join.period",
            "une jointure sur le territoire seul ne prend pas de période : la source jointe "
            "donne une valeur par territoire.",
            "a join on the territory alone takes no period: the joined source gives one value "
            "per territory.",
        )


def join_side(definition: Definition) -> Definition:
    """The joined source read as a definition of its own (same reference period)."""
    join = definition.join
    assert join is not None
    return Definition(
        dataset=join.dataset,
        measure=join.measure,
        territory=join.territory,
        filters=join.filters,
        period=join.period,
        reference_period=definition.reference_period,
    )


def _groups(served: Served, definition: Definition) -> list[tuple]:
    """(expression, alias) of every group key: the period's parts, then the territory."""
    keys: list[tuple] = []
    period = definition.period
    if period is not None:
        field = q.field(period.column)
        column = _column(served, period.column, "period.column")
        keys.append((field if column.type == "integer" else q.call("year", field), "p_year"))
        if period.truncate in ("quarter", "month"):
            keys.append((q.call(period.truncate, field), "p_part"))
        elif period.truncate == "day":
            keys.append((q.call("month", field), "p_part"))
            keys.append((q.call("day", field), "p_day"))
    territory = definition.territory
    if definition.join is not None and definition.join.on == "identifier":
        keys.append((q.field(definition.join.key), "p_key"))
    elif territory.column:
        keys.append((q.field(territory.column), "p_territory"))
    elif territory.point:
        keys.append((q.field(territory.point), "p_point"))
    elif territory.is_spatial:
        keys.append((q.field(territory.longitude), "p_lon"))
        keys.append((q.field(territory.latitude), "p_lat"))
    return keys


def _query(served: Served, definition: Definition, extra: tuple[Filter, ...] = ()) -> RecordQuery:
    m = definition.measure
    spatial = _placed(definition)
    if m.kind in ("count", "share"):
        measures = [(q.call("count", q.star()), "v")]
    elif spatial and m.kind == "mean":  # regrouped by territory after the join: sum / count
        measures = [
            (q.call("sum", q.field(m.column)), "v"),
            (q.call("count", q.field(m.column)), "d"),
        ]
    else:
        measures = [(q.call(AGGREGATES[m.kind], q.field(m.column)), "v")]
    if m.kind == "rate":
        measures.append((q.call("sum", q.field(m.denominator_column)), "d"))
    measures.append((q.call("count", q.star()), "n"))
    keys = _groups(served, definition)
    conditions = [_condition(served, f, "filters") for f in definition.filters]
    conditions += [_condition(served, f, "measure.share_filters") for f in extra]
    return RecordQuery(
        select=q.select(*[(q.field(alias), alias) for _, alias in keys], *measures)
        if keys
        else q.select(*measures),
        where=q.and_(*conditions) if conditions else None,
        group_by=[q.group(expr, alias) for expr, alias in keys] or None,
        limit=(
            SPATIAL_MAX_POSITIONS
            if definition.territory.is_spatial
            else settings.TERRITOIRE_INDICATOR_MAX_GROUPS
        )
        + 1,  # fmt: skip
    )


def _placed(definition: Definition) -> bool:
    """Whether the rows are placed in territories after the query (spatial or identifier join)."""
    join = definition.join
    return definition.territory.is_spatial or (join is not None and join.on == "identifier")


def _identifier_query(joined: Served, definition: Definition) -> RecordQuery:
    """The joined source's (identifier, INSEE code) pairs."""
    join = definition.join
    assert join is not None
    conditions = [_condition(joined, f, "join.filters") for f in join.filters]
    return RecordQuery(
        select=q.select(
            (q.field(join.joined_key), "p_key"),
            (q.field(join.territory.column), "p_territory"),
            (q.call("count", q.star()), "n"),
        ),  # fmt: skip
        where=q.and_(*conditions) if conditions else None,
        group_by=[
            q.group(q.field(join.joined_key), "p_key"),
            q.group(q.field(join.territory.column), "p_territory"),
        ],  # fmt: skip
        limit=SPATIAL_MAX_POSITIONS + 1,
    )


def _run(
    served: Served, query: RecordQuery, definition: Definition, joined: Served | None = None
) -> dict[tuple[str, str], tuple]:
    """{(period key, territory code): (value, denominator, rows)} of one grouped query."""
    if definition.territory.is_spatial:
        return spatial_run(served, query, definition, _period_key)
    if _placed(definition) and joined is not None:
        return identifier_run(served, query, joined, _identifier_query(joined, definition),
                              definition, _period_key)  # fmt: skip
    cap = settings.TERRITOIRE_INDICATOR_MAX_GROUPS
    page = version_page(served, query, default_limit=cap + 1, max_limit=cap + 1, with_count=False)
    if page["limits"]:
        raise ValidationFailed(
            "Le calcul de l'indicateur a dépassé le temps permis.",
            "Computing the indicator took longer than allowed.",
            where="definition",
        )
    if len(page["results"]) > cap:
        raise _refuse(
            "definition",
            f"le calcul donnerait plus de {cap} groupes (période × territoire) : "
            "choisissez une période plus longue ou une maille plus large.",
            f"the computation would give more than {cap} groups (period × territory): choose "
            "a longer period or a coarser granularity.",
        )
    found: dict[tuple[str, str], tuple] = {}
    for row in page["results"]:
        found[(_period(row), _territory(row))] = (row.get("v"), row.get("d"), row.get("n"))
    return found


def _period(row: dict) -> str:
    return _period_key(row.get("p_year"), row.get("p_part"), row.get("p_day"))


def _period_key(year, part, day=None) -> str:
    if year is None:
        return ""
    if part is None:
        return str(int(year))
    key = f"{int(year)}-{int(part):02d}"
    return key if day is None else f"{key}-{int(day):02d}"


def _territory(row: dict) -> str:
    value = row.get("p_territory")
    if value is None:
        return ""
    text = str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text  # 1234 → 01234


def _number(value) -> float | None:
    return None if value is None else float(value)


def _period_label(definition: Definition, key: str) -> str:
    if not key:
        return definition.reference_period
    if definition.period is not None and definition.period.truncate == "quarter" and "-" in key:
        year, part = key.split("-")
        return f"{year}-T{int(part)}"
    return key


def _side_values(
    served: Served, definition: Definition, joined: Served | None = None
) -> dict[tuple[str, str], tuple[float | None, int | None]]:
    """{(period label, territory code): (value, rows)} of one source (placed by ``joined``
    when the join is on an identifier)."""
    raw = _run(served, _query(served, definition), definition, joined)
    m = definition.measure
    values: dict[tuple[str, str], tuple[float | None, int | None]] = {}
    if m.kind == "share":
        part = _run(served, _query(served, definition, m.share_filters), definition, joined)
        for key, (total, _, n) in raw.items():
            hits = part.get(key, (0, None, 0))[0] or 0
            values[key] = (None if not total else 100.0 * float(hits) / float(total), n)
    elif m.kind == "rate":
        for key, (numerator, denominator, n) in raw.items():
            value = (
                None
                if not denominator or numerator is None
                else float(numerator) / float(denominator)
            )
            values[key] = (value, n)
    else:
        values = {key: (_number(v), n) for key, (v, _, n) in raw.items()}
    fixed = definition.territory.code
    return {
        (_period_label(definition, period), fixed or code): value
        for (period, code), value in values.items()
    }


def series_compute(
    served: Served, definition: Definition, joined: Served | None = None
) -> list[Point]:
    """The series of ``definition`` over ``served`` (and the joined source ``joined``), sorted
    by period then territory."""
    definition_check(served, definition, joined)
    if _placed(definition) and not definition.territory.is_spatial:
        return _normalise(definition, _side_values(served, definition, joined))
    values = _side_values(served, definition)
    if definition.join is not None and joined is not None:
        values = _combine(definition, values, _side_values(joined, join_side(definition)))
    return _normalise(definition, values)


def _combine(definition: Definition, left: dict, right: dict) -> dict:
    """Each key of this source with the joined source's value for the same key (the territory
    alone, or the period and the territory); a missing or zero divisor gives null."""
    join = definition.join
    assert join is not None
    by_territory = {code: value for (_, code), value in right.items()}
    combined = {}
    for (period, code), (value, rows) in left.items():
        other, other_rows = (
            by_territory.get(code, (None, None))
            if join.on == "territory"
            else right.get((period, code), (None, None))
        )
        if value is None or other is None:
            result = None
        elif join.combine == "ratio":
            result = value / other if other else None
        else:
            result = value - other
        combined[(period, code)] = (result, rows, other_rows)
    return combined


def _territories(codes: set[str]) -> dict[str, Territory]:
    kinds = ("commune", "epci", "quartier", "arrondissement_municipal", "departement", "region")
    found: dict[str, Territory] = {}
    for territory in Territory.objects.filter(code__in=codes, kind__in=kinds).order_by("id"):
        found.setdefault(territory.code, territory)
    return found


def _normalise(definition: Definition, rows: dict[tuple[str, str], tuple]) -> list[Point]:
    kind = definition.normalisation.kind
    territories = _territories({code for _, code in rows})
    per = NORMALISATIONS[kind][2]
    totals: dict[str, float] = defaultdict(float)
    for (period, _), (value, *_counts) in rows.items():
        totals[period] += value or 0.0
    base = definition.normalisation.base_period
    points = []
    for (period, code), entry in sorted(rows.items()):
        raw, count = entry[0], entry[1]
        joined_count = (
            entry[2] if len(entry) > 2 else None
        )  # a join on a key: the other side's rows
        territory = territories.get(code)
        population = territory.population if territory is not None else None
        area = area_km2(territory.geometry) if territory is not None else None
        value = raw
        if raw is not None and per is not None:
            value = raw * per / population if population else None  # no population: no value
        elif raw is not None and kind == "per_km2":
            value = raw / area if area else None  # no boundary: no value
        elif raw is not None and kind == "share_of_total":
            value = 100.0 * raw / totals[period] if totals[period] else None
        elif raw is not None and kind == "index_100":
            reference = rows.get((base, code), (None,))[0]
            value = 100.0 * raw / reference if reference else None
        points.append(
            Point(
                period=period,
                territory_code=code,
                territory_name=territory.name if territory is not None else "",
                value=value,
                raw_value=raw,
                population=population,
                count=count,
                joined_count=joined_count,
                area_km2=area,
            )
        )
    return points


def definition_preview(actor, data) -> tuple[Definition, bool, list[Point]]:
    """A definition (parsed JSON) run against its source as ``actor`` sees it, without saving
    anything: (definition, the source is public, the series). Refusals name the field."""
    definition = definition_parse(data)
    served = served_get(actor, definition.dataset)
    joined = None
    if definition.join is not None:
        try:
            joined = served_get(actor, definition.join.dataset)
        except NotFound as exc:
            exc.where = "join.dataset"
            raise
    public = served.is_public and (joined is None or joined.is_public)
    return definition, public, series_compute(served, definition, joined)
