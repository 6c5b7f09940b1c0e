"""What anonymous clients found as 500s (issue 11), each now a clear refusal in the front-end's
own shape, in French and English, naming the parameter: integers past 64 bits in queries and
filters, time zones that are files or too long, JSON nested 50,000 deep, CKAN offsets past 64
bits, parameters of any length."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999999999999999999"
ODS = "/api/explore/v2.1/catalog/datasets"
NATIVE = "/api/v1/datasets"
CKAN = "/api/3/action"
B = "{budget}"

# (path, parameters, status, the parameter the answer names)
CASES = [
    (f"{NATIVE}/{B}/records", {"where": HUGE + ">bp"}, 400, "where"),
    (f"{NATIVE}/{B}/records", {"select": HUGE + " as x"}, 400, "select"),
    (f"{NATIVE}/{B}/records", {"refine": "exercice:" + HUGE}, 400, "refine"),
    (f"{NATIVE}/{B}/facets", {"facet": "d_r", "where": HUGE + ">bp"}, 400, "where"),
    (f"{NATIVE}/{B}/facets", {"facet": "d_r", "refine": "exercice:" + HUGE}, 400, "refine"),
    (f"{NATIVE}/{B}/exports/csv", {"where": HUGE + ">bp"}, 400, "where"),
    (f"{ODS}/{B}/records", {"where": HUGE + ">bp"}, 400, "where"),
    (f"{ODS}/{B}/records", {"select": HUGE}, 400, "select"),
    (f"{ODS}/{B}/records", {"refine": "exercice:" + HUGE}, 400, "refine"),
    (f"{ODS}/{B}/facets", {"facet": "d_r", "refine": "exercice:" + HUGE}, 400, "refine"),
    (f"{ODS}/{B}/exports/json", {"where": HUGE + ">bp"}, 400, "where"),
    (
        f"{CKAN}/datastore_search",
        {"resource_id": B, "filters": json.dumps({"exercice": HUGE})},
        409,
        "filters",
    ),
    (
        f"{CKAN}/datastore_search",
        {"resource_id": B, "filters": json.dumps({"_id": int(HUGE)})},
        409,
        "filters",
    ),
    (f"{CKAN}/datastore_search", {"resource_id": B, "q": json.dumps({"_id": HUGE})}, 409, "q"),
    (f"{CKAN}/package_list", {"limit": HUGE}, 409, "limit"),
    (f"{CKAN}/package_list", {"offset": HUGE}, 409, "offset"),
    (f"{CKAN}/organization_list", {"offset": HUGE}, 409, "offset"),
    (f"{CKAN}/package_search", {"start": HUGE}, 409, "start"),
    (f"{CKAN}/datastore_search", {"resource_id": B, "offset": HUGE}, 409, "offset"),
]
for zone in ("posixrules", "x" * 3000, "\u0301" * 300, "Europe/../../etc/passwd", "localtime"):
    CASES += [
        (f"{NATIVE}/{B}/records", {"timezone": zone}, (400, 422), "timezone"),
        (f"{NATIVE}/{B}/exports/csv", {"timezone": zone}, (400, 422), "timezone"),
        (f"{ODS}/{B}/records", {"timezone": zone}, 400, "timezone"),
        (f"{ODS}/{B}/facets", {"timezone": zone}, 400, "timezone"),
        (f"{ODS}/{B}/exports/csv", {"timezone": zone}, 400, "timezone"),
    ]
for long_name, path in (
    ("where", f"{NATIVE}/{B}/records"),
    ("where", f"{ODS}/{B}/records"),
    ("where", f"{ODS}"),
    ("q", f"{CKAN}/package_search"),
    ("page", "/catalogue.ttl"),
):
    CASES.append((path, {long_name: "a" * 20_000}, (400, 409, 422), long_name))


def _named(body: dict, name: str) -> bool:
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    text = json.dumps(error, ensure_ascii=False)
    return name in text and error.get("message") and error.get("message_en")


@pytest.mark.parametrize("path,params,status,name", CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_refused_with_the_parameter_named(client, catalogue, path, params, status, name):
    slug = catalogue.budget.slug
    response = client.get(path.replace(B, slug), {k: v.replace(B, slug) for k, v in params.items()})
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, response.content[:300]
    assert _named(response.json(), name), response.content[:300]


@pytest.mark.parametrize("action", ["datastore_search", "package_search", "package_show"])
@pytest.mark.parametrize("body", ["[" * 50_000, '{"q": ' + "[" * 50_000 + "}"])
def test_ckan_deeply_nested_bodies_are_refused(client, catalogue, action, body):
    response = client.post(f"{CKAN}/{action}", body, content_type="application/json")
    assert response.status_code in (400, 409), response.content[:300]
    text = response.content.decode()
    assert "nested" in text or "imbriqu" in text or "JSON" in text
    assert "Internal Server Error" not in text


def test_ckan_json_text_parameters_nested_too_deep(client, catalogue):
    for name in ("filters", "fields"):
        response = client.get(
            f"{CKAN}/datastore_search",
            {
                "resource_id": catalogue.budget.slug,
                name: "[" * 5000 if name == "fields" else "{" * 5000,
            },
        )
        assert response.status_code == 409, response.content[:300]
        assert name in response.json()["error"]


def test_a_ckan_body_nested_within_json_but_past_the_bound(client, catalogue):
    nested = {"q": "x"}
    for _ in range(30):
        nested = {"a": nested}
    response = client.post(
        f"{CKAN}/package_search",
        json.dumps({"facet.field": nested}),
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error" and "facet.field" in error
    assert "20" in error["message"] and "20" in error["message_en"]


def test_bounds_do_not_refuse_ordinary_queries(client, catalogue):
    slug = catalogue.budget.slug
    long_but_fine = " or ".join(f'nature = "{n}"' for n in range(300))  # ~6,000 characters
    for path in (f"{NATIVE}/{slug}/records", f"{ODS}/{slug}/records"):
        assert (
            client.get(
                path, {"where": long_but_fine, "timezone": "America/Argentina/ComodRivadavia"}
            ).status_code
            == 200
        )
