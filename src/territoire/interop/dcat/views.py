"""/catalogue(.ttl|.jsonld|.rdf): the public catalogue in DCAT-AP 3, paged, with content negotiation.

Only public, published datasets appear, whoever asks: the catalogue is what harvesters
(data.gouv.fr, data.europa.eu) republish.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min, Prefetch
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from territoire.accounts.authentication import InvalidToken, RateLimited
from territoire.catalog import selectors as catalog_selectors
from territoire.core import parameters
from territoire.organizations.models import Organization
from territoire.territories import selectors as territory_selectors
from territoire.territories.models import Territory

from .. import common
from . import vocab
from .graph import CatalogueGraph, Page

# extension -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
}
# Accepted media types, in the order the server prefers them for wildcards.
NEGOTIABLE = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
}
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _error(status: int, code: str, fr: str, en: str, where: str | None = None) -> JsonResponse:
    body = {"error": code, "message": fr, "message_en": en}
    if where:
        body["where"] = where
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def negotiate(accept: str | None) -> str | None:
    """The extension to serve for an Accept header, or None when nothing we serve is acceptable."""
    if not accept or not accept.strip():
        return "ttl"
    ranges = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and media:
            ranges.append((-quality, position, media.lower()))
    for _q, _position, media in sorted(ranges):
        if media in NEGOTIABLE:
            return NEGOTIABLE[media]
        if media in ("*/*", "text/*"):
            return "ttl"
        if media == "application/*":
            return "jsonld"
    return None


def _positive(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum and value > maximum):
        bound = f" et {maximum} au plus" if maximum else ""
        bound_en = f" and at most {maximum}" if maximum else ""
        raise ValueError(
            (
                f"Le paramètre {name} doit être un entier d'au moins 1{bound} (reçu « {raw} »).",
                f"Parameter {name} must be an integer of at least 1{bound_en} (got '{raw}').",
                name,
            )
        )
    return value


@require_GET
def catalogue(request, ext: str | None = None):
    refusal = parameters.check_query(request.GET.lists())
    if refusal is not None:
        return _error(
            400, "validation_failed", refusal.message_fr, refusal.message_en, refusal.name
        )
    try:
        common.authenticate(request)
    except RateLimited as exc:
        response = _error(
            429,
            "rate_limited",
            f"Trop de requêtes : réessayez dans {exc.retry_after} s.",
            f"Too many requests: retry in {exc.retry_after} s.",
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    except InvalidToken:
        return _error(
            401,
            "invalid_token",
            "Jeton d'API invalide, expiré ou révoqué.",
            "API token is invalid, expired or revoked.",
        )
    negotiated = ext is None
    if negotiated:
        ext = negotiate(request.headers.get("Accept"))
        if ext is None:
            response = _error(
                406,
                "not_acceptable",
                "Format non disponible : demandez text/turtle, application/ld+json ou application/rdf+xml "
                "(ou utilisez /catalogue.ttl, /catalogue.jsonld, /catalogue.rdf).",
                "Format not available: ask for text/turtle, application/ld+json or application/rdf+xml "
                "(or use /catalogue.ttl, /catalogue.jsonld, /catalogue.rdf).",
                where="Accept",
            )
            response["Vary"] = "Accept"
            return response
    try:
        page_number = _positive(request, "page", 1)
        page_size = _positive(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    except ValueError as exc:
        fr, en, where = exc.args[0]
        return _error(400, "validation_failed", fr, en, where=f"query.{where}")

    public = catalog_selectors.dataset_list_for_actor(AnonymousUser())
    total = public.count()
    path = "/catalogue" if negotiated else f"/catalogue.{ext}"

    def page_url(number: int) -> str:
        query = {"page": number}
        if page_size != DEFAULT_PAGE_SIZE:
            query["page_size"] = page_size
        return common.absolute(f"{path}?{urlencode(query)}")

    page = Page(number=page_number, size=page_size, total=total, url=page_url)
    if page_number > page.last:
        return _error(
            404,
            "not_found",
            f"La page {page_number} n'existe pas : le catalogue a {page.last} page(s).",
            f"Page {page_number} does not exist: the catalogue has {page.last} page(s).",
            where="query.page",
        )
    start = (page_number - 1) * page_size
    datasets = list(
        public.select_related("publisher__territory", "publisher_service")
        .prefetch_related(
            "themes",
            "distributions",
            Prefetch("territories", queryset=Territory.objects.defer("geometry")),
        )
        .order_by("pk")[start : start + page_size]
    )
    versions = common.current_versions(datasets)
    home = territory_selectors.home_territory()
    publisher = (
        Organization.objects.filter(territory=home).order_by("pk").first() if home else None
    ) or (datasets[0].publisher if datasets else Organization.objects.order_by("pk").first())
    name = home.name if home else (publisher.name if publisher else "Territoire")
    builder = CatalogueGraph()
    territory_ids = {t.pk for d in datasets for t in d.territories.all()} | (
        {home.pk} if home else set()
    )
    for pk, geometry in Territory.objects.filter(pk__in=territory_ids).values_list(
        "pk", "geometry"
    ):
        box = vocab.bbox(geometry)
        if box is not None:
            builder.bboxes[pk] = box
    dates = public.aggregate(first=Min("published_at"), latest=Max("modified_at"))
    builder.catalogue(
        title=f"Catalogue des données — {name}",
        description=f"Les jeux de données publiés en open data par {name} et ses partenaires, "
        "au format DCAT-AP 3 (DCAT-AP-FR).",
        publisher=publisher,
        issued=dates["first"],
        modified=dates["latest"],
        territory=home,
    )
    builder.paging(page)
    for dataset in datasets:
        builder.dataset(dataset, versions.get(dataset.pk))

    rdf_format, media_type = FORMATS[ext]
    if rdf_format == "json-ld":
        context = {prefix: str(ns) for prefix, ns in builder.graph.namespaces() if prefix}
        body = builder.graph.serialize(format="json-ld", context=context, auto_compact=True)
        body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    else:
        body = builder.graph.serialize(format=rdf_format)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    if negotiated:
        response["Vary"] = "Accept"
    links = [(page_url(1), "first"), (page_url(page.last), "last")]
    if page_number < page.last:
        links.append((page_url(page_number + 1), "next"))
    if page_number > 1:
        links.append((page_url(page_number - 1), "prev"))
    response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)
    response["X-Total-Count"] = str(total)
    return response
