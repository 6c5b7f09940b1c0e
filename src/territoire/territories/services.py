"""Load and change territories. Loading is one transaction: a bad file leaves the database as it was."""

# ruff: noqa: S608 — the raw SQL below names only tables and columns from model metadata, quoted by
# the backend; every value is a bound parameter.

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction

from territoire.core.errors import NotFound, ValidationFailed
from territoire.trust.services import audit_record

from . import reference
from .models import EpciMembership, Territory, TerritoryKind

COMMUNE_KINDS = {
    "commune-actuelle": TerritoryKind.COMMUNE,
    "commune-deleguee": TerritoryKind.COMMUNE_DELEGUEE,
    "commune-associee": TerritoryKind.COMMUNE_ASSOCIEE,
    "arrondissement-municipal": TerritoryKind.ARRONDISSEMENT,
}
BATCH = 2000


@dataclass
class LoadReport:
    """What a load did, and what it could not match (never a crash)."""

    regions: int = 0
    departements: int = 0
    epcis: int = 0
    communes: int = 0
    other_communes: int = 0
    memberships: int = 0
    boundaries_direct: int = 0
    boundaries_merged: int = 0
    unmatched_boundary_codes: list[str] = field(default_factory=list)
    communes_without_boundary: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _upsert(rows: list[dict], fields: list[str]) -> None:
    """Insert or update territories by (kind, code) in a few statements.

    The ORM's bulk_create splits rows into batches of SQLite's parameter limit (hundreds of
    round trips for France); one prepared INSERT … ON CONFLICT run with executemany is several
    times faster and is the same SQL on SQLite and PostgreSQL. Values are bound, never pasted.
    """
    if not rows:
        return
    table = Territory._meta.db_table
    columns = [
        "kind",
        "code",
        "name",
        "siren",
        "epci_type",
        "population",
        "parent_id",
        "departement_code",
        "region_code",
        "postal_codes",
    ]
    updated = [("parent_id" if f == "parent" else f) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}, {quote('geometry_source')}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}, '') "
        f"ON CONFLICT ({quote('kind')}, {quote('code')}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in updated)
    )
    values = [
        (
            r["kind"],
            r["code"],
            r["name"],
            r.get("siren", ""),
            r.get("epci_type", ""),
            r.get("population"),
            r.get("parent_id"),
            r.get("departement_code", ""),
            r.get("region_code", ""),
            json.dumps(r.get("postal_codes", [])),
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH * 5):
            cursor.executemany(sql, values[start : start + BATCH * 5])


def _set_geometries(rows: list[tuple[int, dict, str]]) -> None:
    """Set (id, geometry, source) in one prepared UPDATE run with executemany."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = f"UPDATE {quote(Territory._meta.db_table)} SET {quote('geometry')} = %s, {quote('geometry_source')} = %s WHERE {quote('id')} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(json.dumps(g, separators=(",", ":")), src, pk) for pk, g, src in rows]
        )


def _ids(kind: str, codes: set[str] | None = None) -> dict[str, int]:
    qs = Territory.objects.filter(kind=kind)
    if codes is not None:
        if not codes:
            return {}
        qs = qs.filter(code__in=codes) if len(codes) < 900 else qs
    return dict(qs.values_list("code", "id"))


def territories_load(*, epci_siren: str | None = None, data_dir: Path | None = None) -> LoadReport:
    """Load régions, départements, EPCI and communes from the shipped COG 2026 files.

    With `epci_siren`, only that EPCI, its member communes (and their communes déléguées) and
    their départements and régions; without, all of France. Idempotent: a second load updates.
    """
    started = time.perf_counter()
    base = data_dir or reference.DATA_DIR
    regions = reference.read_json(base / "regions.json", expect=list, required_keys=("code", "nom"))
    departements = reference.read_json(
        base / "departements.json", expect=list, required_keys=("code", "nom", "region")
    )
    communes = reference.read_json(
        base / "communes.json.gz", expect=list, required_keys=("code", "nom", "type", "departement")
    )
    epcis = reference.read_json(
        base / "epci.json.gz", expect=list, required_keys=("code", "nom", "membres")
    )

    all_communes = communes
    if epci_siren:
        selected = [e for e in epcis if e["code"] == epci_siren]
        if not selected:
            raise NotFound(
                f"Aucun EPCI de SIREN {epci_siren} dans le COG 2026 : vérifiez le numéro (9 chiffres, ex. 243400017).",
                f"No EPCI with SIREN {epci_siren} in COG 2026: check the number (9 digits, e.g. 243400017).",
                where="--epci",
            )
        epcis = selected
        member_codes = {m["code"] for e in epcis for m in e["membres"]}
        communes = [
            c
            for c in communes
            if (c["type"] == "commune-actuelle" and c["code"] in member_codes)
            or (c.get("chefLieu") in member_codes or c.get("commune") in member_codes)
        ]
        dep_codes = {c["departement"] for c in communes}
        departements = [d for d in departements if d["code"] in dep_codes]
        reg_codes = {d["region"] for d in departements}
        regions = [r for r in regions if r["code"] in reg_codes]

    report = LoadReport()
    with transaction.atomic():
        _upsert(
            [
                dict(
                    kind=TerritoryKind.REGION, code=r["code"], name=r["nom"], region_code=r["code"]
                )
                for r in regions
            ],
            ["name", "region_code"],
        )
        report.regions = len(regions)
        region_ids = _ids(TerritoryKind.REGION)
        _upsert(
            [
                dict(
                    kind=TerritoryKind.DEPARTEMENT,
                    code=d["code"],
                    name=d["nom"],
                    region_code=d["region"],
                    departement_code=d["code"],
                    parent_id=region_ids.get(d["region"]),
                )
                for d in departements
            ],
            ["name", "region_code", "departement_code", "parent"],
        )
        report.departements = len(departements)
        dep_ids = _ids(TerritoryKind.DEPARTEMENT)

        actual = [c for c in communes if c["type"] == "commune-actuelle"]
        _upsert([_commune_row(c, dep_ids.get(c["departement"])) for c in actual], _COMMUNE_FIELDS)
        report.communes = len(actual)
        commune_ids = _ids(TerritoryKind.COMMUNE)
        others = [c for c in communes if c["type"] != "commune-actuelle"]
        _upsert(
            [
                _commune_row(c, commune_ids.get(c.get("chefLieu") or c.get("commune") or ""))
                for c in others
            ],
            _COMMUNE_FIELDS,
        )
        report.other_communes = len(others)

        _upsert(
            [
                dict(
                    kind=TerritoryKind.EPCI,
                    code=e["code"],
                    siren=e["code"],
                    name=e["nom"],
                    epci_type=e.get("type", ""),
                    population=e.get("populationMunicipale"),
                )
                for e in epcis
            ],
            ["name", "siren", "epci_type", "population"],
        )
        report.epcis = len(epcis)
        epci_ids = _ids(TerritoryKind.EPCI)
        EpciMembership.objects.filter(epci_id__in=[epci_ids[e["code"]] for e in epcis]).delete()
        links = [
            (epci_ids[e["code"]], commune_ids[m["code"]])
            for e in epcis
            for m in e["membres"]
            if m["code"] in commune_ids
        ]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(EpciMembership._meta.db_table)} ({quote('epci_id')}, {quote('commune_id')}) VALUES (%s, %s)",
                links,
            )
        report.memberships = len(links)

        _load_boundaries(report, base, actual, departements, regions, all_communes)
        _epci_aggregates([e["code"] for e in epcis])
    report.seconds = round(time.perf_counter() - started, 2)
    return report


_COMMUNE_FIELDS = [
    "name",
    "siren",
    "population",
    "parent",
    "departement_code",
    "region_code",
    "postal_codes",
]


def _commune_row(c: dict, parent_id: int | None) -> dict:
    return dict(
        kind=COMMUNE_KINDS.get(c["type"], TerritoryKind.COMMUNE),
        code=c["code"],
        name=c["nom"],
        siren=c.get("siren", ""),
        population=c.get("population"),
        parent_id=parent_id,
        departement_code=c["departement"],
        region_code=c.get("region", ""),
        postal_codes=c.get("codesPostaux", []),
    )


def _multipolygon(geometries: list[dict]) -> dict:
    """Gather polygons into one MultiPolygon (display geometry; no topological union is needed)."""
    polygons: list = []
    for geometry in geometries:
        if geometry["type"] == "Polygon":
            polygons.append(geometry["coordinates"])
        elif geometry["type"] == "MultiPolygon":
            polygons.extend(geometry["coordinates"])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _load_boundaries(
    report: LoadReport,
    base: Path,
    communes: list[dict],
    departements: list[dict],
    regions: list[dict],
    all_communes: list[dict],
) -> None:
    """Attach 2018 boundaries to 2026 communes: by code, else through the commune's former codes
    (communes nouvelles merge their former communes' shapes). Unmatched codes are reported."""
    geo_dir = base / "geojson"
    wanted_deps = {c["departement"] for c in communes}
    files = sorted(
        {
            reference.COMMUNE_BOUNDARY_FILES[d]
            for d in wanted_deps
            if d in reference.COMMUNE_BOUNDARY_FILES
        }
    )
    by_code: dict[str, dict] = {}
    source_of: dict[str, str] = {}
    for name in files:
        for feature in reference.read_features(geo_dir / name):
            code = str(feature["properties"]["code"])
            by_code[code] = feature["geometry"]
            source_of[code] = name.removesuffix(".gz")
    covered = [c for c in communes if c["departement"] in reference.COMMUNE_BOUNDARY_FILES]
    used: set[str] = set()
    updates: list[tuple[int, dict, str]] = []
    ids = _ids(TerritoryKind.COMMUNE)
    for c in covered:
        if c["code"] in by_code:
            geometry, codes = by_code[c["code"]], [c["code"]]
            parts = [
                by_code[old]
                for old in c.get("anciensCodes", [])
                if old in by_code and old != c["code"]
            ]
            if parts:
                geometry = _multipolygon([geometry, *parts])
                codes += [old for old in c.get("anciensCodes", []) if old in by_code]
                report.boundaries_merged += 1
            else:
                report.boundaries_direct += 1
        else:
            codes = [old for old in c.get("anciensCodes", []) if old in by_code]
            if not codes:
                report.communes_without_boundary.append(c["code"])
                continue
            geometry = _multipolygon([by_code[old] for old in codes])
            report.boundaries_merged += 1
        used.update(codes)
        updates.append(
            (ids[c["code"]], geometry, f"IGN Admin Express 2018 ({source_of[codes[0]]})")
        )
    _set_geometries(updates)
    # 2018 codes that no 2026 commune (current or former code) accounts for, in the files read.
    known = {c["code"] for c in all_communes} | {
        old for c in all_communes for old in c.get("anciensCodes", [])
    }
    report.unmatched_boundary_codes = sorted(code for code in by_code if code not in known)

    for kind, name, items in (
        (TerritoryKind.DEPARTEMENT, "departements-version-simplifiee.geojson.gz", departements),
        (TerritoryKind.REGION, "regions-version-simplifiee.geojson.gz", regions),
    ):
        shapes = {
            str(f["properties"]["code"]): f["geometry"]
            for f in reference.read_features(geo_dir / name)
        }
        kind_ids = _ids(kind)
        _set_geometries(
            [
                (
                    kind_ids[item["code"]],
                    shapes[item["code"]],
                    f"IGN Admin Express 2018 ({name.removesuffix('.gz')})",
                )
                for item in items
                if item["code"] in shapes and item["code"] in kind_ids
            ]
        )


def _epci_aggregates(epci_codes: list[str]) -> None:
    """An EPCI's population is the sum of its communes' (same INSEE millésime as the communes: the
    DGCL file's own figure is an older millésime and would disagree with the communes listed), and
    its shape is its member communes' shapes, when all of them have one."""
    epci_ids = _ids(TerritoryKind.EPCI)
    wanted = {epci_ids[code] for code in epci_codes}
    members: dict[int, list[int]] = {}
    links = EpciMembership.objects.values_list("epci_id", "commune_id")
    if len(wanted) < 900:  # SQLite's parameter limit; for all of France read every link
        links = links.filter(epci_id__in=wanted)
    for epci_id, commune_id in links:
        members.setdefault(epci_id, []).append(commune_id)
    populations = dict(
        Territory.objects.filter(kind=TerritoryKind.COMMUNE).values_list("id", "population")
    )
    with_shapes = set(
        Territory.objects.filter(kind=TerritoryKind.COMMUNE, geometry__isnull=False).values_list(
            "id", flat=True
        )
    )
    population_rows = []
    shaped_epcis = []
    for epci_id, commune_ids in members.items():
        if epci_id not in wanted:
            continue
        known = [v for c in commune_ids if (v := populations.get(c)) is not None]
        if len(known) == len(commune_ids):
            population_rows.append((sum(known), epci_id))
        if all(c in with_shapes for c in commune_ids):
            shaped_epcis.append(epci_id)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Territory._meta.db_table)} SET {quote('population')} = %s WHERE {quote('id')} = %s",
            population_rows,
        )
    geometries: dict[int, dict] = {}
    if shaped_epcis:  # every member of a shaped EPCI has a geometry
        rows = Territory.objects.filter(epci_memberships__epci_id__in=shaped_epcis).values_list(
            "id", "geometry"
        )
        geometries = {pk: geometry for pk, geometry in rows if geometry is not None}
    _set_geometries(
        [
            (
                epci_id,
                _multipolygon([geometries[c] for c in members[epci_id]]),
                "Réunion des contours des communes membres",
            )
            for epci_id in shaped_epcis
        ]
    )


def quartier_create(
    *, commune: Territory, code: str, name: str, geometry: dict | None = None, actor=None
) -> Territory:
    """Create a quartier under a commune (codes are local to the territory, e.g. IRIS codes)."""
    if commune.kind != TerritoryKind.COMMUNE:
        raise ValidationFailed(
            f"Un quartier se rattache à une commune, pas à « {commune} » ({commune.get_kind_display()}).",
            f"A quartier belongs to a commune, not to '{commune}' ({commune.kind}).",
            where="commune",
        )
    with transaction.atomic():
        quartier = Territory.objects.create(
            kind=TerritoryKind.QUARTIER,
            code=code,
            name=name,
            parent=commune,
            departement_code=commune.departement_code,
            region_code=commune.region_code,
            geometry=geometry,
        )
        audit_record(
            actor=actor,
            action="create",
            instance=quartier,
            changes={"name": [None, name], "code": [None, code]},
        )
    return quartier
