"""One read path: every front-end reads records through ``records.selectors`` (so through the one
seam that chooses where a query runs), and offers the export formats of the one registry."""

from __future__ import annotations

import json

import pytest

from territoire.records import exports
from territoire.records.selectors import sources

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]

ODS = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def opened(monkeypatch):
    """The versions the reads open (``sources.open_version``), in order."""
    seen = []
    original = sources.open_version

    def spy(served, timezone, **kwargs):
        seen.append(served.slug)
        return original(served, timezone, **kwargs)

    monkeypatch.setattr(sources, "open_version", spy)
    return seen


def _read(client, path: str, params: dict | None = None) -> bytes:
    response = client.get(path, params or {})
    assert response.status_code == 200, (path, response.content[:300])
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/datasets/{slug}/records", {"where": 'd_r = "R"'}),
        ("/api/v1/datasets/{slug}/records/3", {}),
        ("/api/v1/datasets/{slug}/facets", {}),
        ("/api/v1/datasets/{slug}/exports/csv", {}),
        (ODS + "/{slug}/records", {"where": 'd_r = "R"'}),
        (ODS + "/{slug}/facets", {}),
        (ODS + "/{slug}/exports/csv", {}),
        (ODS + "/{slug}/exports/parquet", {}),
        (ODS + "/{slug}/exports/xlsx", {}),
        ("/api/3/action/datastore_search", {"resource_id": "{slug}", "filters": '{"d_r": "R"}'}),
        ("/jeux-de-donnees/{slug}/", {"f-d_r": "R", "tri": "-bp"}),
    ],
)
def test_every_front_end_reads_through_the_selectors(client, catalogue, opened, path, params):
    slug = catalogue.budget.slug
    _read(client, path.format(slug=slug), {k: v.replace("{slug}", slug) for k, v in params.items()})
    assert opened and set(opened) == {slug}


def test_formats_offered_by_each_front_end_come_from_the_registry(client, catalogue):
    assert exports.codes(exports.API) == ("csv", "json", "jsonl", "geojson", "parquet", "xlsx")
    assert exports.codes(exports.ODS) == exports.codes(exports.API)
    slug = catalogue.fountains.slug  # it has a position: GeoJSON is offered
    links = json.loads(_read(client, f"{ODS}/{slug}/exports"))["links"]
    assert [link["rel"] for link in links[1:]] == list(exports.codes(exports.ODS))
    package = json.loads(_read(client, "/api/3/action/package_show", {"id": slug}))["result"]
    listed = [r["format"] for r in package["resources"] if "export" in r["name"]]
    assert listed == [f.label for f in exports.offered_by(exports.CATALOGUE)]
    page = _read(client, f"/jeux-de-donnees/{slug}/").decode()
    for fmt in exports.offered_by(exports.PORTAL):
        assert f"/exports/{fmt.code}" in page


@pytest.mark.parametrize("fmt", [f.code for f in exports.FORMATS])
def test_every_registered_format_exports_through_the_api_and_ods(client, catalogue, fmt):
    """A format added to the registry is served by the front-ends that offer it, with its type."""
    entry = exports.BY_CODE[fmt]
    slug = catalogue.fountains.slug
    for front_end, path in ((exports.API, "/api/v1/datasets"), (exports.ODS, ODS)):
        if front_end not in entry.offered_by:
            continue
        response = client.get(f"{path}/{slug}/exports/{fmt}", {"where": "disponibilite"})
        assert response.status_code == 200, (front_end, fmt, response.content[:200])
        assert response["Content-Type"] == entry.content_type
        assert f'filename="{slug}.{fmt}"' in response["Content-Disposition"]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100


def test_ckan_filters_are_values_not_query_text(client, catalogue):
    """A filter value is compared as it is (CKAN's exact match): quotes around it are part of
    the value, not ODSQL quoting to strip (as the text form of a refine does)."""

    def total(filters: dict) -> int:
        body = json.loads(
            _read(
                client,
                "/api/3/action/datastore_search",
                {"resource_id": catalogue.budget.slug, "filters": json.dumps(filters)},
            )
        )
        return body["result"]["total"]

    assert total({"d_r": "R"}) == 219
    assert total({"d_r": '"R"'}) == 0
    assert total({"d_r": ["R", "D"]}) == 1448
