"""Geographic files through DuckDB ``spatial`` (``ST_Read``, GDAL): GeoJSON, zipped Shapefile,
GeoPackage. The geometry becomes WKT text in ``raw`` and is typed again by inference (points →
``geo_point``). Layers in a projected CRS (Lambert 93…) are reprojected to WGS 84
longitude/latitude."""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by _q(); no SQL text ever comes from users.

from __future__ import annotations

import duckdb

from ..csvreader import _q, quote_ident
from ..issues import IngestError, Issue, error, info
from .base import ReadContext, ReadResult, first_line, pick_sheet, varchar_table


def read_spatial(ctx: ReadContext, source: str, *, require_layer: bool = False) -> ReadResult:
    """``source``: a path or a GDAL virtual path (``/vsizip/…``)."""
    con, label = ctx.con, ctx.label
    ctx.load_spatial()
    issues: list[Issue] = []
    try:
        layers = con.execute(
            f"SELECT unnest(layers, recursive := false) FROM ST_Read_Meta({_q(source)})"
        ).fetchall()
    except duckdb.Error:
        layers = []
    layer_names = [row[0]["name"] for row in layers] if layers else []
    if require_layer and not layer_names:
        raise IngestError(
            [
                error(
                    "bad_geopackage",
                    "Ce fichier SQLite n'est pas un GeoPackage lisible (aucune couche).",
                    "This SQLite file is not a readable GeoPackage (no layer).",
                    file=label,
                )
            ]
        )
    chosen = crs = None
    if layer_names:
        wanted = ctx.options.sheet
        index = pick_sheet(layer_names, wanted, label) if wanted else 0
        chosen = layer_names[index]
        fields = layers[index][0].get("geometry_fields") or []
        if fields:
            crs = (fields[0].get("crs") or {}).get("auth_code") and fields[0]["crs"]
        if len(layer_names) > 1:
            issues.append(
                info(
                    "layer_chosen",
                    f"Couche lue : « {chosen} » (couches : {', '.join(layer_names)}).",
                    f"Layer read: '{chosen}' (layers: {', '.join(layer_names)}).",
                    file=label,
                )
            )
    layer_arg = f", layer = {_q(chosen)}" if chosen else ""
    relation = f"SELECT * FROM ST_Read({_q(source)}{layer_arg})"
    try:
        described = con.execute(f"DESCRIBE {relation}").fetchall()
    except duckdb.Error as exc:
        raise IngestError(
            [
                error(
                    "bad_geodata",
                    f"Fichier géographique illisible : {first_line(exc)}",
                    f"Unreadable geographic file: {first_line(exc)}",
                    file=label,
                )
            ]
        ) from exc
    geom_cols = [r[0] for r in described if str(r[1]).upper().startswith("GEOMETRY")]
    auth = f"{crs.get('auth_name')}:{crs.get('auth_code')}" if crs else None
    if geom_cols and auth and auth not in ("EPSG:4326", "OGC:CRS84"):
        g = quote_ident(geom_cols[0])
        others = ", ".join(quote_ident(r[0]) for r in described if r[0] != geom_cols[0])
        relation = (
            f"SELECT {others}{', ' if others else ''}ST_Transform({g}, {_q(auth)}, 'EPSG:4326', "
            f"always_xy := true) AS {g} FROM ST_Read({_q(source)}{layer_arg})"
        )
        issues.append(
            info(
                "reprojected",
                f"Géométries reprojetées de {auth} en WGS 84 (longitude, latitude).",
                f"Geometries reprojected from {auth} to WGS 84 (longitude, latitude).",
                file=label,
            )
        )
    ids, labels = varchar_table(ctx, relation)
    return ReadResult(ids, labels, issues, sheet=chosen)


def zip_member(ctx: ReadContext, suffix: str) -> str:
    """GDAL path of the first member of the ZIP archive ending with ``suffix``."""
    member = sorted(m for m in ctx.probe.zip_members or [] if m.lower().endswith(suffix))[0]
    return f"/vsizip/{ctx.source}/{member}"
