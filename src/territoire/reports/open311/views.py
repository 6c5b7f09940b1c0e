"""The Open311 GeoReport v2 endpoints. Every parameter is bounded before it is read; every
refusal is the specification's error list with the matching HTTP status."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from territoire.accounts.authentication import InvalidToken, RateLimited, request_actor, throttle
from territoire.accounts.models import TokenScope
from territoire.accounts.services import token_authenticate
from territoire.core import ratelimit
from territoire.core.errors import NotFound, TerritoireError
from territoire.core.parameters import check_query
from territoire.territories.selectors import home_territory

from .. import geo, photos
from .. import selectors as report_selectors
from .. import services as report_services
from ..models import Report, ReportEvent
from ..vocabularies import CLOSED_STATUSES, OPEN311_STATUS, OPEN_STATUSES, ModerationState
from .render import document, error

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90  # the specification's default span
MAX_RESULTS = 1000  # and its default (and our maximum) number of requests
MAX_IDS = 100
LENGTHS = {
    "api_key": 200, "jurisdiction_id": 32, "service_code": 60, "service_request_id": 1200,
    "start_date": 40, "end_date": 40, "status": 12, "page": 8, "page_size": 8, "lat": 30,
    "long": 30, "radius": 30, "address_string": 200, "address_id": 60, "description": 2000, "email": 254,
    "first_name": 100, "last_name": 100, "phone": 40, "device_id": 100, "account_id": 100,
    "media_url": 500,
}  # fmt: skip


class Refused(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _english() -> bool:
    return (get_language() or "fr").startswith("en")


def _say(fr: str, en: str) -> str:
    return en if _english() else fr


def _check(request, fmt: str):
    """Bounds, the jurisdiction, the rate limit; returns the acting user (or anonymous)."""
    for params in (request.GET, request.POST):
        refusal = check_query(params.lists(), lengths=LENGTHS, max_length=200)
        if refusal:
            raise Refused(400, refusal.message_en if _english() else refusal.message_fr)
    jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if jurisdiction and jurisdiction not in _jurisdictions():
        raise Refused(404, _say(f"Juridiction inconnue : « {jurisdiction} ».",
                                f"Unknown jurisdiction: '{jurisdiction}'."))  # fmt: skip
    try:
        actor = request_actor(request) if request.method == "GET" else None
        throttle(request, actor) if actor is not None else None
    except InvalidToken:
        raise Refused(403, _say("Clé d'API invalide.", "Invalid API key.")) from None
    except RateLimited as exc:
        raise Refused(429, _say(f"Trop de requêtes : réessayez dans {exc.retry_after} s.",
                                f"Too many requests: retry in {exc.retry_after} s.")) from None  # fmt: skip
    return actor


def _jurisdictions() -> set[str]:
    home = home_territory()
    codes = {getattr(settings, "ALLOWED_HOSTS", [""])[0] or ""}
    if home is not None:
        codes |= {home.code, home.siren}
    return {c for c in codes if c}


def _endpoint(view):
    def wrapped(request, fmt: str, *args, **kwargs):
        try:
            return view(request, fmt, *args, **kwargs)
        except Refused as exc:
            return error(exc.code, exc.description, fmt)
        except TerritoireError as exc:
            return error(exc.status if exc.status in (400, 403, 404, 413, 429) else 400,
                         exc.localized(), fmt)  # fmt: skip

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# ------------------------------------------------------------------------------ discovery, services


@_endpoint
def discovery(request, fmt: str):
    _check(request, fmt)
    base = request.build_absolute_uri(reverse("open311:discovery", args=[fmt]))
    base = base.rsplit("/", 1)[0] + "/"
    return document(
        {
            "changeset": "2026-01-01T00:00:00Z",
            "contact": getattr(settings, "DEFAULT_FROM_EMAIL", ""),
            "key_service": _say(
                "Jeton d'API (portée « write ») : territoire tokens create",
                "API token ('write' scope): territoire tokens create",
            ),  # fmt: skip
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": "2026-01-01T00:00:00Z",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },  # fmt: skip
        fmt,
        root="discovery",
    )


def _service(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.service.name,
    }


@_endpoint
def service_list(request, fmt: str):
    _check(request, fmt)
    services = [_service(c) for c in report_selectors.category_list()]
    return document(services, fmt, root="services", item="service")


@_endpoint
def service_definition(request, fmt: str, code: str):
    _check(request, fmt)
    try:
        category = report_selectors.category_get(code[:60])
    except NotFound:
        raise Refused(404, _say(f"Service « {code[:60]} » inconnu.",
                                f"Unknown service '{code[:60]}'.")) from None  # fmt: skip
    # No extra attributes: a report is a description, a place and a photo.
    return document({"service_code": category.code, "attributes": []}, fmt,
                    root="service_definition")  # fmt: skip


# ------------------------------------------------------------------------------------- requests


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _date(name: str, raw: str) -> datetime.datetime:
    try:
        value = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise Refused(400, _say(
            f"{name} : « {raw[:40]} » n'est pas une date ISO 8601 (ex. 2026-05-01T00:00:00Z).",
            f"{name}: '{raw[:40]}' is not an ISO 8601 date (e.g. 2026-05-01T00:00:00Z).",
        ))  # fmt: skip
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _integer(name: str, raw: str, low: int, high: int) -> int:
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Refused(400, _say(f"{name} : un entier entre {low} et {high}, s'il vous plaît.",
                                f"{name}: a whole number between {low} and {high}, please."))  # fmt: skip
    return int(raw)


def _rows(qs, request) -> list[dict]:
    notes = (
        ReportEvent.objects.filter(report=OuterRef("pk")).exclude(message="")
        .order_by("-created_at", "-id").values("message")[:1]
    )  # fmt: skip
    values = qs.annotate(notes=Subquery(notes)).values(
        "id", "status", "description", "created_at", "modified_at", "address", "latitude",
        "longitude", "photo", "notes", "category__code", "category__name",
        "category__service__name",
    )  # fmt: skip
    photo_base = request.build_absolute_uri("/signalements/")
    return [
        {
            "service_request_id": str(r["id"]),
            "status": OPEN311_STATUS[r["status"]],
            "status_notes": r["notes"] or "",
            "service_name": r["category__name"],
            "service_code": r["category__code"],
            "description": r["description"],
            "agency_responsible": r["category__service__name"],
            "service_notice": "",
            "requested_datetime": _when(r["created_at"]),
            "updated_datetime": _when(r["modified_at"]),
            "expected_datetime": None,
            "address": r["address"],
            "address_id": "",
            "zipcode": "",
            "lat": r["latitude"],
            "long": r["longitude"],
            "media_url": f"{photo_base}{r['id']}/photo/" if r["photo"] else "",
        }
        for r in values
    ]


def _request_list(request, fmt: str):
    params = request.GET
    qs = Report.objects.filter(moderation=ModerationState.VISIBLE)
    ids = params.get("service_request_id", "")
    if ids:
        parts = [p.strip() for p in ids.split(",") if p.strip()]
        if len(parts) > MAX_IDS or not all(p.isdigit() and len(p) < 12 for p in parts):
            raise Refused(400, _say(
                f"service_request_id : jusqu'à {MAX_IDS} numéros séparés par des virgules.",
                f"service_request_id: up to {MAX_IDS} numbers separated by commas.",
            ))  # fmt: skip
        # With ids, the specification says every other parameter is ignored.
        rows = _rows(qs.filter(pk__in=[int(p) for p in parts]).order_by("-created_at"), request)
        return document(rows, fmt, root="service_requests", item="request")
    codes = [c for c in params.get("service_code", "").split(",") if c]
    if codes:
        known = {c.code for c in report_selectors.category_list(active_only=False)}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Refused(404, _say(f"Service « {unknown[0][:60]} » inconnu.",
                                    f"Unknown service '{unknown[0][:60]}'."))  # fmt: skip
        qs = qs.filter(category__code__in=codes)
    status = params.get("status", "")
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            raise Refused(
                400, _say("status : « open » ou « closed ».", "status: 'open' or 'closed'.")
            )
        if wanted == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    if any(params.get(name) for name in ("lat", "long", "radius")):
        # GeoReport v2's location filter: the requests within ``radius`` metres of the point.
        circle = geo.circle_parse(params.get("lat"), params.get("long"), params.get("radius"))
        qs = report_selectors.within_circle(qs, circle)
    end = _date("end_date", params["end_date"]) if params.get("end_date") else None
    start = _date("start_date", params["start_date"]) if params.get("start_date") else None
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - datetime.timedelta(days=DEFAULT_DAYS)
    if end is not None and end < start:
        raise Refused(400, _say("end_date est avant start_date.", "end_date is before start_date."))
    qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    size = (
        _integer("page_size", params["page_size"], 1, MAX_RESULTS)
        if params.get("page_size")
        else MAX_RESULTS
    )
    page = _integer("page", params["page"], 1, 100_000) if params.get("page") else 1
    qs = qs.select_related(None).order_by("-created_at", "-id")[(page - 1) * size : page * size]
    return document(_rows(qs, request), fmt, root="service_requests", item="request")


def _api_key_actor(request):
    raw = request.POST.get("api_key") or request.GET.get("api_key")
    if not raw:
        raise Refused(403, _say("api_key manquante : demandez un jeton d'API (portée « write »).",
                                "api_key missing: ask for an API token ('write' scope)."))  # fmt: skip
    actor = token_authenticate(raw, scope=TokenScope.WRITE)
    if actor is None:
        raise Refused(403, _say("api_key invalide, expirée ou sans la portée « write ».",
                                "api_key invalid, expired or without the 'write' scope."))  # fmt: skip
    try:
        throttle(request, actor)
    except RateLimited as exc:
        raise Refused(429, _say(f"Trop de requêtes : réessayez dans {exc.retry_after} s.",
                                f"Too many requests: retry in {exc.retry_after} s.")) from None  # fmt: skip
    return actor


def _request_create(request, fmt: str):
    actor = _api_key_actor(request)
    data = request.POST
    code = data.get("service_code", "")
    if not code:
        raise Refused(400, _say("service_code est obligatoire.", "service_code is required."))
    try:
        category = report_selectors.category_get(code)
    except NotFound:
        raise Refused(404, _say(f"Service « {code[:60]} » inconnu.",
                                f"Unknown service '{code[:60]}'.")) from None  # fmt: skip
    if not (data.get("lat") and data.get("long")):
        raise Refused(400, _say(
            "lat et long sont obligatoires (ce serveur ne géocode pas address_string).",
            "lat and long are required (this server does not geocode address_string).",
        ))  # fmt: skip
    media = request.FILES.get("media")
    if media is not None and media.size > photos.MAX_BYTES:
        raise Refused(413, _say("media : la photo dépasse 8 Mo.", "media: the photo exceeds 8 MB."))
    checked = report_services.report_check(
        category=category, description=data.get("description", ""), latitude=data.get("lat"),
        longitude=data.get("long"), address=data.get("address_string", ""),
        photo=media.read() if media is not None else None,
    )  # fmt: skip
    report = report_services.report_file(
        actor=actor, checked=checked, client=ratelimit.client_bucket(request), channel="open311"
    )
    return document(
        [{"service_request_id": str(report.pk), "service_notice": "", "account_id": None}],
        fmt, root="service_requests", item="request",
    )  # fmt: skip


@csrf_exempt  # authenticated by api_key only (never the session): no cross-site forgery
@_endpoint
def requests(request, fmt: str):
    if request.method == "POST":
        _check(request, fmt)
        return _request_create(request, fmt)
    if request.method != "GET":
        raise Refused(
            405, _say("Méthode non permise : GET ou POST.", "Method not allowed: GET or POST.")
        )
    _check(request, fmt)
    return _request_list(request, fmt)


@_endpoint
def request_detail(request, fmt: str, pk: str):
    _check(request, fmt)
    if not pk.isdigit() or len(pk) > 11:
        raise Refused(404, _say("Demande introuvable.", "Request not found."))
    qs = Report.objects.filter(pk=int(pk), moderation=ModerationState.VISIBLE)
    rows = _rows(qs, request)
    if not rows:
        raise Refused(404, _say(f"Demande n° {pk} introuvable.", f"Request {pk} not found."))
    return document(rows, fmt, root="service_requests", item="request")
