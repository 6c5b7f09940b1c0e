"""Records of the native API: pages with keyset cursors, one record, facets, exports.

Thin: parse the parameters, find the dataset the caller may see (404 otherwise), audit the read
of non-public data, call one selector. Queries are ODSQL (docs/odsql.md); errors are the native
shape with the clause and position of the problem.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from ninja import Query, Router

from territoire.accounts.authentication import actor_of
from territoire.catalog import services as catalog_services
from territoire.core import ratelimit
from territoire.core.errors import NotFound, ValidationFailed
from territoire.core.schemas import COMMON_ERRORS, ErrorOut

from . import cursors, engine, exports, selectors
from .odsql import QueryError, RecordQuery
from .schemas import FacetsOut, FieldDocOut, QueryErrorOut, RecordsOut

router = Router(tags=["enregistrements"])

ERRORS = {400: QueryErrorOut, 404: ErrorOut, **COMMON_ERRORS}
CHANNEL = "api/v1 enregistrements"
EXPORT_FORMATS = exports.codes(exports.API)
ExportFormatCode = Literal[EXPORT_FORMATS]  # type: ignore[valid-type]
DELIMITERS = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t"}

SELECT = Query(None, description="Champs et expressions ODSQL : `nom, places * 2 as double`")
WHERE = Query(None, description="Condition ODSQL (répétable : les conditions s'additionnent)")
GROUP_BY = Query(None, description="Regroupement ODSQL : `commune, year(date) as annee`")
ORDER_BY = Query(None, description="Tri ODSQL : `population desc, nom`")
REFINE = Query(None, description="Filtre de facette `champ:valeur` (répétable)")
EXCLUDE = Query(None, description="Exclusion de facette `champ:valeur` (répétable)")
LANG = Query("fr", description="Langue des noms de jours et de mois (date_format)")
TIMEZONE = Query(None, description="Fuseau horaire des dates et heures (défaut Europe/Paris)")
FACET = Query(
    None, description="Champ à compter (répétable) ; défaut : les champs à peu de valeurs"
)
VERSION = Query(
    None, ge=1, le=2**31 - 1, description="Numéro de version à lire (défaut : la version servie)"
)


def _served(request, slug: str, version: int | None) -> selectors.Served:
    actor = actor_of(request)
    served = selectors.served_get(actor, slug, version=version)
    if not served.is_public:
        catalog_services.dataset_read_record(
            actor=actor,
            dataset=served.dataset,
            channel=CHANNEL,
            ip_address=ratelimit.client_ip(request),
        )
    return served


def _timezone(name: str | None) -> str:
    zone = name or engine.DEFAULT_TIMEZONE
    if not engine.is_timezone(zone):
        shown = zone[:40] + ("…" if len(zone) > 40 else "")
        raise ValidationFailed(
            f"Paramètre timezone : fuseau horaire inconnu « {shown} » (par exemple Europe/Paris, UTC).",
            f"Parameter timezone: unknown time zone '{shown}' (for example Europe/Paris, UTC).",
            where="timezone",
        )
    return zone


def _texts(values: list[str] | None) -> list[str]:
    return [v for v in (values or []) if v and v.strip()]


def _from_cursor(text: str, given: dict, version: int | None, offset: int) -> tuple:
    """The cursor and the query it carries; parameters sent along must be the cursor's own."""
    cursor = cursors.decode(text)
    state = cursor.query
    differing = [
        name
        for name, value in given.items()
        if value not in (None, [], "") and value != state.get(name)
    ]
    if version is not None and version != cursor.version:
        differing.append("version")
    if offset:
        differing.append("offset")
    if differing:
        names = ", ".join(differing)
        raise QueryError(
            f"Le curseur porte déjà sa requête : {names} diffère. Passez seulement cursor "
            "(et limit), ou recommencez sans cursor",
            f"The cursor carries its own query: {names} differs. Pass only cursor "
            "(and limit), or start again without cursor",
            clause="cursor",
        )
    return cursor, state


@router.get(
    "/datasets/{slug}/records",
    response={200: RecordsOut, **ERRORS},
    url_name="records",
    summary="Enregistrements d'un jeu de données (ODSQL, curseurs)",
    description=(
        "Une page d'enregistrements, le nombre total et le curseur de la page suivante. "
        "Chaque enregistrement porte `_id`, son numéro de ligne dans la version (stable). "
        "`next_cursor` pagine au-delà de toute profondeur au coût d'une page."
    ),
)
def record_list(
    request,
    slug: str,
    select: str | None = SELECT,
    where: list[str] | None = WHERE,
    group_by: str | None = GROUP_BY,
    order_by: str | None = ORDER_BY,
    limit: int = Query(10, description="Lignes par page (au plus 10 000)"),
    offset: int = Query(0, description="Lignes sautées (préférez next_cursor)"),
    refine: list[str] | None = REFINE,
    exclude: list[str] | None = EXCLUDE,
    lang: Literal["fr", "en"] = LANG,
    timezone: str | None = TIMEZONE,
    cursor: str | None = Query(None, description="next_cursor de la page précédente"),
    count: bool = Query(True, description="Calculer total_count"),
    version: int | None = VERSION,
):
    zone = _timezone(timezone)
    given = {
        "select": select,
        "where": _texts(where),
        "group_by": group_by,
        "order_by": order_by,
        "refine": _texts(refine),
        "exclude": _texts(exclude),
    }
    position = None
    if cursor:
        position, state = _from_cursor(cursor, given, version, offset)
        version = position.version
        query = RecordQuery(
            select=state.get("select"),
            where=state.get("where") or None,
            group_by=state.get("group_by"),
            order_by=state.get("order_by"),
            limit=limit,
            refine=list(state.get("refine") or []),
            exclude=list(state.get("exclude") or []),
            lang=state.get("lang") or "fr",
        )
    else:
        query = RecordQuery(
            select=select,
            where=given["where"] or None,
            group_by=group_by,
            order_by=order_by,
            limit=limit,
            offset=offset,
            refine=given["refine"],
            exclude=given["exclude"],
            lang=lang,
        )
    served = _served(request, slug, version)
    page = selectors.record_page(served, query, cursor=position, with_count=count, timezone=zone)
    following = None
    if page["next_cursor"]:
        parameters = {"cursor": page["next_cursor"], "limit": limit}
        if timezone:
            parameters["timezone"] = timezone
        if not count:
            parameters["count"] = "false"
        following = f"{request.path}?{urlencode(parameters)}"
    return {
        "total_count": page["total_count"],
        "results": page["results"],
        "limits": page["limits"],
        "next_cursor": page["next_cursor"],
        "next": following,
        "version": served.version.number if served.version else None,
        "fields": [{"name": c.name, "type": c.type} for c in page["columns"]],
    }


@router.get(
    "/datasets/{slug}/records/{record_id}",
    response={200: dict, **ERRORS},
    url_name="record",
    summary="Un enregistrement, par son _id",
)
def record_detail(
    request,
    slug: str,
    record_id: int,
    select: str | None = SELECT,
    timezone: str | None = TIMEZONE,
    version: int | None = VERSION,
):
    zone = _timezone(timezone)
    served = _served(request, slug, version)
    return selectors.record_get(served, record_id, select=select, timezone=zone)


@router.get(
    "/datasets/{slug}/facets",
    response={200: FacetsOut, **ERRORS},
    url_name="record-facets",
    summary="Facettes : valeurs et effectifs des champs",
)
def record_facets(
    request,
    slug: str,
    facet: list[str] | None = FACET,
    where: list[str] | None = WHERE,
    refine: list[str] | None = REFINE,
    exclude: list[str] | None = EXCLUDE,
    limit: int = Query(50, ge=1, le=1000, description="Valeurs par facette"),
    lang: Literal["fr", "en"] = LANG,
    timezone: str | None = TIMEZONE,
    version: int | None = VERSION,
):
    zone = _timezone(timezone)
    served = _served(request, slug, version)
    fields = _texts(facet) or selectors.default_facets(served)
    result = selectors.record_facets(
        served,
        facet_fields=fields,
        where=_texts(where),
        refine=_texts(refine),
        exclude=_texts(exclude),
        limit_per_facet=limit,
        lang=lang,
        timezone=zone,
    )
    return {"facets": result, "version": served.version.number if served.version else None}


@router.get(
    "/datasets/{slug}/exports/{export_format}",
    response={200: None, **ERRORS, 503: ErrorOut},
    url_name="record-export",
    summary=f"Exporter les enregistrements ({', '.join(EXPORT_FORMATS)})",
    description=(
        "Tous les enregistrements de la requête, sans plafond, en flux, dans un ordre stable "
        "(deux exports donnent les mêmes octets). CSV : `delimiter` (`,` `;` `|` `tab`) et "
        "`bom=true` pour Excel. GeoJSON : un point par enregistrement, pris du champ point ou "
        "géométrie, sinon du couple latitude/longitude reconnu à l'import (`geometry` nulle "
        "quand une coordonnée manque)."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "Le fichier exporté",
                "content": {
                    media: {"schema": {}}
                    for media in sorted({f.content_type for f in exports.offered_by(exports.API)})
                },
            }
        }
    },
)
def record_export(
    request,
    slug: str,
    export_format: ExportFormatCode,
    select: str | None = SELECT,
    where: list[str] | None = WHERE,
    group_by: str | None = GROUP_BY,
    order_by: str | None = ORDER_BY,
    limit: int | None = Query(None, ge=-1, description="Lignes au plus (défaut : toutes)"),
    offset: int = Query(0, ge=0),
    refine: list[str] | None = REFINE,
    exclude: list[str] | None = EXCLUDE,
    lang: Literal["fr", "en"] = LANG,
    timezone: str | None = TIMEZONE,
    version: int | None = VERSION,
    delimiter: str = Query(",", description="CSV : `,` `;` `|` ou `tab`"),
    bom: bool = Query(False, description="CSV : marque d'ordre des octets (Excel)"),
    use_labels: bool = Query(False, description="En-têtes : libellés d'origine des colonnes"),
    raw: bool = Query(
        False,
        description="CSV : le texte tel quel, sans apostrophe devant les cellules commençant "
        "par = + - @ tabulation ou retour chariot (pour les programmes, pas les tableurs)",
    ),
):
    zone = _timezone(timezone)
    if export_format == "csv" and delimiter not in DELIMITERS:
        raise ValidationFailed(
            "Séparateur CSV : , ; | ou tab.", "CSV delimiter: , ; | or tab.", where="delimiter"
        )
    served = _served(request, slug, version)
    if served.version is None:
        raise NotFound(
            f"Le jeu de données « {slug} » n'a pas encore de données à exporter.",
            f"Dataset '{slug}' has no data to export yet.",
            where="slug",
        )
    query = RecordQuery(
        select=select,
        where=_texts(where) or None,
        group_by=group_by,
        order_by=order_by,
        limit=None if limit in (None, -1) else limit,
        offset=offset,
        refine=_texts(refine),
        exclude=_texts(exclude),
        lang=lang,
    )
    return exports.respond(
        exports.Export(
            served,
            query,
            exports.BY_CODE[export_format],
            zone,
            use_labels=use_labels,
            delimiter=DELIMITERS.get(delimiter, ","),
            bom=bom,
            raw=raw,
        )
    )


def _fields(served: selectors.Served) -> list[selectors.FieldDoc]:
    columns = served.version.columns if served.version else []
    if served.restriction is not None:  # a scoped access grant: its columns only
        open_ids = {c.id for c in served.columns}
        columns = [c for c in columns if str(c["id"]) in open_ids]
    return selectors.fields_documented(served.dataset_id, columns)


@router.get(
    "/datasets/{slug}/fields",
    response={200: list[FieldDocOut], **ERRORS},
    summary="Les champs d'un jeu de données, documentés",
    description="Libellé, description et unité de chaque champ de la version lue.",
)
def field_list(request, slug: str, version: int | None = VERSION):
    served = _served(request, slug, version)
    return [
        {
            "name": f.id,
            "label": f.label,
            "type": f.type,
            "description": f.description,
            "unit": f.unit,
            "source_label": f.source_label,
        }
        for f in _fields(served)
    ]


@router.get(
    "/datasets/{slug}/table-schema",
    response={200: dict, **ERRORS},
    summary="Le schéma du jeu de données (Table Schema)",
    description=(
        "Le schéma de la version lue au format Table Schema (frictionless, comme "
        "schema.data.gouv.fr) : nom, titre, description, type et unité de chaque champ."
    ),
)
def table_schema(request, slug: str, version: int | None = VERSION):
    served = _served(request, slug, version)
    return selectors.table_schema(served.dataset, _fields(served))
