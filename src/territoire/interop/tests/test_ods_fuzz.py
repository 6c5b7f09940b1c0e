"""Fuzz OpenDataSoft's paths with the parameter vocabulary of ODS's Explore v2.1 specification
(where, select, group_by, order_by, limit, offset, refine, exclude, lang, timezone,
include_links, include_app_metas, use_labels, epsg, compressed, delimiter, list_separator,
quote_all, with_bom, facet…), on records, facets, exports and the catalogue, anonymously, on the
demo-like catalogue with real data: no answer may be a 5xx, and an export's body must stream to
its end. Values mix plausible ones (ODSQL, field names, time zones) with hostile ones (integers
past 128 bits, hundreds of combining marks, thousands of characters, control characters).
Bounded and derandomised: the same few hundred cases every run, in well under a minute.
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import tempfile

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

pytestmark = pytest.mark.django_db

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-ods-"))

ODS = "/api/explore/v2.1/catalog"
HOSTILE = [
    "99999999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999999",
    str(2**62),
    str(2**63),
    "\u0301" * 300,
    "x" * 3000,
    "posixrules",
    "Europe/../../etc/passwd",
    "\x00",
    "\ud7ff\ue000",
    "'",
    '"',
    "`",
    "(((((((((",
    "not " * 300 + "true",
    "-1",
    "1e400",
    "NaN",
]
PLAUSIBLE = [
    'd_r = "R"',
    "bp > 100000",
    'search(libelle_fonction, "jeunes")',
    '"jeunes"',
    "exercice",
    "bp desc",
    "d_r, count(*) as n",
    "sum(bp) as total",
    "range(bp, 100000)",
    "year(exercice)",
    "d_r:R",
    "exercice:2014",
    "disponibilite:true",
    "commune:Paris",
    "geo_point_2d",
    "within_distance(geo_point_2d, geom'POINT(2.35 48.85)', 1km)",
    "Europe/Paris",
    "UTC",
    "fr",
    "en",
    "4326",
    "3857",
    ";",
    ",",
    "\t",
    "true",
    "false",
    "10",
    "0",
]
VOCABULARY = [
    "where",
    "select",
    "group_by",
    "order_by",
    "limit",
    "offset",
    "refine",
    "exclude",
    "lang",
    "timezone",
    "include_links",
    "include_app_metas",
    "use_labels",
    "epsg",
    "compressed",
    "delimiter",
    "list_separator",
    "quote_all",
    "with_bom",
    "facet",
    "raw",
]
ENDPOINTS = [
    "/datasets",
    "/datasets/{dataset}",
    "/facets",
    "/datasets/{dataset}/records",
    "/datasets/{dataset}/facets",
    "/datasets/{dataset}/exports",
    "/datasets/{dataset}/exports/csv",
    "/datasets/{dataset}/exports/json",
    "/datasets/{dataset}/exports/jsonl",
    "/datasets/{dataset}/exports/geojson",
    "/datasets/{dataset}/exports/xlsx",
    "/datasets/{dataset}/exports/parquet",
]

values = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(2**140), max_value=2**140).map(str),
    st.text(max_size=40),
)
queries = st.dictionaries(
    keys=st.sampled_from(VOCABULARY), values=st.lists(values, min_size=1, max_size=2), max_size=5
)


@pytest.fixture
def unthrottled(settings):
    settings.TERRITOIRE_API_RATE = "1000000/60"


@hypothesis_settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The cases issue 11 reported, always run first.
@example(endpoint=ENDPOINTS[3], dataset="budget", query={"timezone": ["\u0301" * 300]})
@example(endpoint=ENDPOINTS[3], dataset="budget", query={"timezone": ["posixrules"]})
@example(endpoint=ENDPOINTS[6], dataset="budget", query={"timezone": ["x" * 3000]})
@example(endpoint=ENDPOINTS[3], dataset="budget", query={"where": [HOSTILE[0] + ">bp"]})
@example(endpoint=ENDPOINTS[4], dataset="budget", query={"refine": ["exercice:" + HOSTILE[0]]})
@example(endpoint=ENDPOINTS[7], dataset="budget", query={"limit": [HOSTILE[0]]})
@example(endpoint=ENDPOINTS[7], dataset="budget", query={"offset": [str(2**63)]})
@example(endpoint=ENDPOINTS[0], dataset="budget", query={"limit": [HOSTILE[0]]})
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    dataset=st.sampled_from(["budget", "fountains", "missing"]),
    query=queries,
)
def test_no_parameter_makes_a_5xx(client, catalogue, unthrottled, endpoint, dataset, query):
    slug = getattr(catalogue, dataset).slug if dataset != "missing" else "nope"
    path = ODS + endpoint.format(dataset=slug)
    response = client.get(path, query)
    assert response.status_code < 500, (path, query, response.content[:300])
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)  # to its very end
        assert size > 0, (path, query)
    elif response.status_code >= 400:
        body = response.json()
        assert body.get("message") and body.get("message_en"), (path, query, body)
