"""The CKAN actions of the catalogue (and help_show), each a function (request, actor, data) ->
result, registered in ``registry``. The datastore's are in ``datastore``.

Reads only. Visibility always comes from catalog.selectors.dataset_list_for_actor: a dataset an
actor may not see is a Not Found Error, exactly like one that does not exist.
"""

from __future__ import annotations

from django.db.models import Count

import territoire
from territoire.catalog.models import Distribution, Theme
from territoire.catalog.vocabularies import Licence
from territoire.organizations.models import Organization
from territoire.records import exports as record_exports
from territoire.territories import selectors as territory_selectors

from .. import common
from ..catalogue import Entry, entries, entry_for, visible
from . import registry, search, shapes
from .errors import ValidationError, missing, not_found
from .params import as_bool, as_int, as_list, as_str

ROWS_MAX = 1000
CKAN_VERSION = "2.10.0"  # the CKAN API version whose shapes these actions follow


def status_show(request, actor, data):
    """Site information (CKAN's status_show)."""
    home = territory_selectors.home_territory()
    return {
        "site_title": f"Territoire — {home.name}" if home else "Territoire",
        "site_description": "Données du territoire / Open data of the territory",
        "site_url": common.base_url(),
        "ckan_version": CKAN_VERSION,
        "territoire_version": territoire.__version__,
        "error_emails_to": None,
        "locale_default": "fr",
        "extensions": ["datastore", "dcat"],
    }


def package_list(request, actor, data):
    """Names of the public datasets (like CKAN: private ones are never listed here)."""
    limit = as_int(data, "limit", 0, minimum=0)
    offset = as_int(data, "offset", 0, minimum=0)
    names = visible(None).order_by("slug").values_list("slug", flat=True)
    return list(names[offset : offset + limit] if limit else names[offset:])


def package_search(request, actor, data):
    """Search datasets: q, fq (fq_list), sort, rows, start, facet.field, facet.limit, facet.mincount,
    include_private."""
    groups = search.parse(as_str(data, "q"), parameter="q")
    fq = [as_str(data, "fq")] + as_list(data, "fq_list")
    for text in fq:
        groups = _and(groups, search.parse(text, parameter="fq"))
    keys = search.parse_sort(as_str(data, "sort"))
    rows = as_int(data, "rows", 10, minimum=0, maximum=ROWS_MAX)
    start = as_int(data, "start", 0, minimum=0)
    include_private = as_bool(data, "include_private", False)
    facet_fields = as_list(data, "facet.field")
    facet_limit = as_int(data, "facet.limit", 50, minimum=-1)
    facet_mincount = as_int(data, "facet.mincount", 1, minimum=0)

    found = [
        e
        for e in entries(visible(actor))
        if (include_private or e.is_public) and search.matches(groups, e)
    ]
    scores = {e.dataset.pk: search.score(groups, e) for e in found}
    found = search.sort_entries(found, keys, scores)
    plain, detailed = search.facets(found, facet_fields, limit=facet_limit, mincount=facet_mincount)
    return {
        "count": len(found),
        "sort": as_str(data, "sort") or search.DEFAULT_SORT,
        "results": [shapes.package_dict(e) for e in found[start : start + rows]],
        "facets": plain,
        "search_facets": detailed,
    }


def _and(left: list[list], right: list[list]) -> list[list]:
    """(a OR b) AND (c OR d) as groups: every pair."""
    if not left:
        return right
    if not right:
        return left
    return [a + b for a in left for b in right]


def _entry(actor, data, name: str = "id") -> Entry:
    value = as_str(data, name) or (as_str(data, "name") if name == "id" else "")
    if not value:
        raise missing(name)
    entry = entry_for(actor, value)
    if entry is None:
        raise not_found("Jeu de données", "Dataset", value)
    return entry


def package_show(request, actor, data):
    """One dataset by name (slug) or id (UUID)."""
    entry = _entry(actor, data)
    common.audit_read(request, actor, entry.dataset, "ckan")
    return shapes.package_dict(entry)


def _organization(data) -> Organization:
    value = as_str(data, "id") or as_str(data, "name")
    if not value:
        raise missing("id")
    organization = Organization.objects.filter(slug=value).first()
    if organization is None and len(value) == 36:
        organization = next(
            (o for o in Organization.objects.all() if common.organization_uuid(o) == value), None
        )
    if organization is None:
        raise not_found("Organisation", "Organization", value)
    return organization


def _public_counts() -> dict[int, int]:
    rows = visible(None).order_by().values("publisher_id").annotate(n=Count("pk"))
    return {row["publisher_id"]: row["n"] for row in rows}


def organization_list(request, actor, data):
    """Publishers: names, or dicts with all_fields=true (package_count counts public datasets)."""
    all_fields = as_bool(data, "all_fields", False)
    sort = as_str(data, "sort", "title asc") or "title asc"
    wanted = set(as_list(data, "organizations"))
    limit = as_int(data, "limit", 0, minimum=0, maximum=ROWS_MAX)
    offset = as_int(data, "offset", 0, minimum=0)
    organizations = list(Organization.objects.select_related("territory"))
    if wanted:
        organizations = [o for o in organizations if o.slug in wanted]
    counts = _public_counts()
    field, _, direction = sort.partition(" ")
    keyers = {
        "title": lambda o: o.name.casefold(),
        "name": lambda o: o.slug,
        "package_count": lambda o: counts.get(o.pk, 0),
    }
    if field not in keyers or direction.strip() not in ("", "asc", "desc"):
        raise ValidationError(
            "Tri possible : title, name ou package_count, suivi de asc ou desc.",
            "Sort by title, name or package_count, followed by asc or desc.",
            sort=["Invalid sort"],
        )
    organizations.sort(key=lambda o: o.slug)
    organizations.sort(key=keyers[field], reverse=direction.strip() == "desc")
    organizations = organizations[offset : offset + limit] if limit else organizations[offset:]
    if not all_fields:
        return [o.slug for o in organizations]
    return [shapes.organization_dict(o, package_count=counts.get(o.pk, 0)) for o in organizations]


def organization_show(request, actor, data):
    """One publisher; include_datasets=true adds the datasets the caller may see (up to 1,000)."""
    organization = _organization(data)
    mine = entries(visible(actor).filter(publisher=organization))
    result = shapes.organization_dict(
        organization, package_count=sum(1 for e in mine if e.is_public)
    )
    if as_bool(data, "include_datasets", False):
        result["packages"] = [shapes.package_dict(e) for e in mine[:ROWS_MAX]]
    return result


def group_list(request, actor, data):
    """The EU data themes, as CKAN groups."""
    themes = list(Theme.objects.all())
    if as_bool(data, "all_fields", False):
        return [shapes.group_dict(t) for t in themes]
    return [t.code.lower() for t in themes]


def tag_list(request, actor, data):
    """Keywords of the public datasets."""
    query = search.fold(as_str(data, "query")) if data.get("query") else ""
    tags = sorted({k for e in entries(visible(None)) for k in e.keywords})
    return [t for t in tags if not query or query in search.fold(t)]


def license_list(request, actor, data):
    """The licences a dataset may carry: id, title, url, status and od_conformance."""
    return [
        {
            "id": code,
            "title": str(label),
            "url": common.licence_url(code),
            "status": "active",
            "od_conformance": "approved" if common.licence_is_open(code) else "not reviewed",
        }
        for code, label in Licence.choices
    ]


def find_resource(actor, resource_id: str) -> tuple[Entry, dict | None]:
    """The dataset holding this resource id (a distribution, a record export), or — for the
    datastore — the dataset itself named by slug or UUID; raises Not Found."""
    qs = visible(actor)
    pks = dict(qs.values_list("pk", "slug"))
    found_pk = None
    for pk in pks:
        if any(
            common.stable_uuid("dataset", pk, "export", f.code) == resource_id
            for f in record_exports.offered_by(record_exports.CATALOGUE)
        ):
            found_pk = pk
            break
    if found_pk is None:
        for pk, dataset_id in Distribution.objects.filter(dataset_id__in=list(pks)).values_list(
            "pk", "dataset_id"
        ):
            if common.stable_uuid("distribution", pk) == resource_id:
                found_pk = dataset_id
                break
    if found_pk is not None:
        entry = entries(qs.filter(pk=found_pk))[0]
        resource = next((r for r in shapes.resource_dicts(entry) if r["id"] == resource_id), None)
        if resource is not None:
            return entry, resource
    entry = entry_for(actor, resource_id)
    if entry is not None:
        return entry, None
    raise not_found("Ressource", "Resource", resource_id)


def resource_show(request, actor, data):
    """One resource (a distribution or a record export) by id."""
    resource_id = as_str(data, "id")
    if not resource_id:
        raise missing("id")
    entry, resource = find_resource(actor, resource_id)
    if resource is None:
        raise not_found("Ressource", "Resource", resource_id)
    common.audit_read(request, actor, entry.dataset, "ckan")
    return resource


def help_show(request, actor, data):
    """The documentation of an action: name (the action's name, e.g. package_search)."""
    name = as_str(data, "name")
    if not name:
        raise missing("name")
    text = registry.help_text(name)
    if text is None:
        raise not_found("Action", "Action", name)
    return text


registry.register(
    status_show,
    package_list,
    package_search,
    package_show,
    organization_list,
    organization_show,
    group_list,
    tag_list,
    license_list,
    resource_show,
    help_show,
)
