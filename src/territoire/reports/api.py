"""Reports (signalements) in the native API (/api/v1/): the categories, the public list and a
report, filing one, and the service's answer. The same selectors and services as the portal and
Open311: visible reports for everyone, hidden ones for the service in charge (an audited read);
filing needs an account (a "write" token, or a session with its CSRF token) and is limited per
account and per address; answering is the service's and the data officer's.

No answer names a report's author: their name and e-mail are in the staff's export only."""

from __future__ import annotations

from django.urls import reverse
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from territoire.accounts.authentication import actor_of, writer_of
from territoire.core import ratelimit
from territoire.core.errors import NotFound, TooLarge
from territoire.core.schemas import COMMON_ERRORS, MAX_OFFSET, ErrorOut

from . import geo, photos, selectors, services
from .models import Report
from .schemas import (
    CategoryOut,
    PlaceOut,
    ReportAnswerIn,
    ReportDetailOut,
    ReportFilter,
    ReportIn,
    ReportOut,
)

router = Router(tags=["signalements"])

READ_ERRORS = {400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}
WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}


def _report_out(r: Report) -> dict:
    return {
        "id": r.pk, "category": r.category.code, "category_name": r.category.name,
        "service": r.category.service.name, "status": r.status, "description": r.description,
        "address": r.address, "latitude": r.latitude, "longitude": r.longitude,
        "commune_code": r.commune.code if r.commune else None,
        "commune": r.commune.name if r.commune else None,
        "quartier_code": r.quartier.code if r.quartier else None,
        "quartier": r.quartier.name if r.quartier else None,
        "photo_url": reverse("web:report_photo", args=[r.pk]) if r.photo else None,
        "url": reverse("web:report", args=[r.pk]), "created_at": r.created_at,
        "modified_at": r.modified_at, "status_changed_at": r.status_changed_at,
    }  # fmt: skip


def _detail_out(r: Report) -> dict:
    timeline = [
        {"date": e.created_at, "old_status": e.old_status, "status": e.status, "message": e.message}
        for e in selectors.report_timeline(r)
    ]
    return {**_report_out(r), "moderation": r.moderation, "timeline": timeline}


@router.get("/reports/categories", response={200: list[CategoryOut], **COMMON_ERRORS},
            summary="Les catégories de signalement ouvertes et le service qui les traite",
            operation_id="reports_category_list")  # fmt: skip
def category_list(request):
    actor_of(request)
    return [
        {"code": c.code, "name": c.name, "description": c.description,
         "service": c.service.name, "service_slug": c.service.slug}
        for c in selectors.category_list()
    ]  # fmt: skip


@router.get(
    "/reports",
    response={200: list[ReportOut], **READ_ERRORS},
    summary="Lister les signalements visibles, les plus récents d'abord",
    description=(
        "Filtres combinables : `status`, `category` (code), `service` (identifiant du service), "
        "`quartier` (code d'un quartier ou d'une commune), `since`/`until` (date de dépôt), "
        "`bbox` (ouest,sud,est,nord en degrés décimaux). Pagination par `limit` et `offset`. "
        "Jamais d'auteur."
    ),
    operation_id="reports_report_list",
)
def report_list(
    request,
    filters: Query[ReportFilter],
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    actor_of(request)
    qs = selectors.report_list_public(
        category=filters.category, status=filters.status, area=filters.quartier,
        since=filters.since, until=filters.until, service=filters.service,
        bbox=geo.bbox_parse(filters.bbox) if filters.bbox else None,
    ).select_related("category__service", "commune", "quartier")  # fmt: skip
    # The communes' and quartiers' shapes are large JSON: reading them for each row made a page
    # of 50 take 40 ms instead of 5 (bench/reports.py).
    qs = qs.defer("commune__geometry", "quartier__geometry")
    return [_report_out(r) for r in qs[offset : offset + limit]]


@router.get(
    "/reports/place",
    response={200: PlaceOut, **COMMON_ERRORS},
    summary="La commune et le quartier d'une position (géocodage inverse)",
    description=(
        "Dit si un point (WGS 84) est dans le territoire, et dans quelle commune et quel "
        "quartier — ce que vérifie un dépôt. Pas de géocodage d'adresse : la plateforme n'a pas "
        "de base d'adresses."
    ),
    operation_id="reports_place",
    url_name="reports-place",
)
def place(
    request,
    latitude: float = Query(..., ge=-90, le=90),
    longitude: float = Query(..., ge=-180, le=180),
):
    actor_of(request)
    found = selectors.place_at(latitude, longitude)
    commune = found.commune if found else None
    quartier = found.quartier if found else None
    return {
        "latitude": latitude, "longitude": longitude, "is_inside": found is not None,
        "commune_code": commune.code if commune else None,
        "commune": commune.name if commune else None,
        "quartier_code": quartier.code if quartier else None,
        "quartier": quartier.name if quartier else None,
    }  # fmt: skip


@router.get("/reports/{report_id}", response={200: ReportDetailOut, **READ_ERRORS},
            summary="Un signalement et ses étapes (statuts, messages du service)",
            operation_id="reports_report_detail")  # fmt: skip
def report_detail(request, report_id: int):
    actor = actor_of(request)
    report = selectors.report_get(actor, _pk(report_id))
    services.report_read_record(
        actor=actor, report=report, channel="api/v1", ip_address=ratelimit.client_ip(request)
    )
    return _detail_out(report)


def _pk(report_id: int) -> int:
    if not 0 < report_id <= MAX_OFFSET:
        raise NotFound(
            f"Signalement n° {report_id} introuvable.",
            f"Report no. {report_id} not found.",
            where="id",
        )
    return report_id


@router.post(
    "/reports",
    response={201: ReportDetailOut, **WRITE_ERRORS},
    summary="Faire un signalement",
    description=(
        "Un compte est nécessaire : jeton d'API avec la portée « write », ou session avec son "
        "jeton CSRF. Mêmes contrôles que le portail (catégorie ouverte, texte sans balises, point "
        "dans le territoire) et mêmes limites par compte et par adresse. L'auteur suit son "
        "signalement. La photo s'ajoute ensuite par `POST /reports/{report_id}/photo` (ou se "
        "joint au dépôt par le portail ou Open311, `media`)."
    ),
    operation_id="reports_report_create",
)
def report_create(request, payload: ReportIn):
    actor = writer_of(request)
    category = selectors.category_list().filter(code=payload.category).first()
    checked = services.report_check(
        category=category, description=payload.description, latitude=payload.latitude,
        longitude=payload.longitude, address=payload.address,
    )  # fmt: skip
    report = services.report_file(
        actor=actor, checked=checked, client=ratelimit.client_bucket(request), channel="api"
    )
    return Status(201, _detail_out(selectors.report_get(actor, report.pk)))


@router.post(
    "/reports/{report_id}/photo",
    response={200: ReportDetailOut, **WRITE_ERRORS, 413: ErrorOut},
    summary="Joindre la photo d'un signalement (son auteur)",
    description=(
        "Formulaire multipart, champ `photo` : JPEG, PNG ou WebP, 8 Mo au plus. Réservé à "
        "l'auteur (jeton « write » ou session avec CSRF), tant que le signalement n'a pas de "
        "photo et que le service ne l'a pas pris en charge. La photo est redimensionnée et "
        "réenregistrée sans ses métadonnées (position GPS, appareil)."
    ),
    operation_id="reports_report_photo",
)
def report_photo(request, report_id: int, photo: File[UploadedFile]):
    actor = writer_of(request)
    report = selectors.report_get(actor, _pk(report_id))
    if photo.size is not None and photo.size > photos.MAX_BYTES:
        raise TooLarge(
            "La photo dépasse 8 Mo : réduisez-la ou choisissez-en une autre.",
            "The photo exceeds 8 MB: make it smaller or choose another one.",
            where="photo",
        )
    services.report_photo_attach(
        actor=actor, report=report, photo=photo.read(), client=ratelimit.client_bucket(request)
    )
    return _detail_out(selectors.report_get(actor, report.pk))


@router.post(
    "/reports/{report_id}/answer",
    response={200: ReportDetailOut, **WRITE_ERRORS},
    summary="Répondre à un signalement : statut et message public",
    description=(
        "Réservé au service chargé de la catégorie et à l'administrateur des données (jeton "
        "« write » ou session avec CSRF). Rejeter demande un message ; ceux qui suivent le "
        "signalement reçoivent un courriel."
    ),
    operation_id="reports_report_answer",
)
def report_answer(request, report_id: int, payload: ReportAnswerIn):
    actor = writer_of(request)
    report = selectors.report_get(actor, _pk(report_id))
    services.report_answer(
        actor=actor, report=report, status=payload.status, message=payload.message
    )
    return _detail_out(report)
