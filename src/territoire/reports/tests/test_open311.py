"""Open311 GeoReport v2, driven as a client does: discovery, services, a definition, create a
request with an api_key, follow it, list with filters; XML as well; errors in the spec's shape."""

import io
import math
from xml.etree import ElementTree as ET

import pytest

from territoire.accounts.services import token_create
from territoire.reports import services
from territoire.reports.models import Report
from territoire.trust.models import AuditEvent

from .conftest import INSIDE, OUTSIDE, jpeg_with_gps

BASE = "/open311/v2"


@pytest.fixture
def api_key(citizen):
    _token, secret = token_create(actor=citizen, user=citizen, name="appli", scopes=["write"])
    return secret


def test_a_client_sequence_in_json(client, voirie, proprete, api_key, steward):
    discovery = client.get(f"{BASE}/discovery.json").json()
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "application/json" in endpoint["formats"]

    listed = client.get(f"{BASE}/services.json").json()
    assert {s["service_code"] for s in listed} == {"voirie", "proprete"}
    assert set(listed[0]) >= {"service_code", "service_name", "description", "metadata", "type"}
    definition = client.get(f"{BASE}/services/voirie.json").json()
    assert definition == {"service_code": "voirie", "attributes": []}

    photo = io.BytesIO(jpeg_with_gps(400, 300))
    photo.name = "IMG_0001.jpg"
    created = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key, "service_code": "voirie", "lat": str(INSIDE[0]),
            "long": str(INSIDE[1]), "description": "Plaque d'égout descellée, dangereux",
            "address_string": "Place de la Comédie", "media": photo,
        },
    )  # fmt: skip
    assert created.status_code == 200, created.content
    (receipt,) = created.json()
    pk = receipt["service_request_id"]
    report = Report.objects.get(pk=int(pk))
    assert report.channel == "open311" and report.author.username == "citizen"

    (shown,) = client.get(f"{BASE}/requests/{pk}.json").json()
    assert shown["status"] == "open" and shown["service_code"] == "voirie"
    assert shown["lat"] == pytest.approx(INSIDE[0]) and shown["media_url"].endswith(
        f"/signalements/{pk}/photo/"
    )
    assert shown["requested_datetime"][-6] in "+-" or shown["requested_datetime"].endswith("Z")
    photo_response = client.get(shown["media_url"])
    assert photo_response["Content-Type"] == "image/jpeg"
    assert b"SecretCam" not in b"".join(photo_response.streaming_content)

    services.report_answer(actor=steward, report=report, status="resolu", message="Réparée.")
    (closed,) = client.get(f"{BASE}/requests/{pk}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "Réparée."

    assert [r["service_request_id"] for r in client.get(
        f"{BASE}/requests.json", {"status": "closed", "service_code": "voirie"}).json()] == [pk]  # fmt: skip
    assert client.get(f"{BASE}/requests.json", {"status": "open"}).json() == []
    assert client.get(f"{BASE}/requests.json", {"service_code": "proprete"}).json() == []
    assert client.get(
        f"{BASE}/requests.json", {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00Z"}
    ).json() == []  # fmt: skip
    assert len(client.get(f"{BASE}/requests.json", {"service_request_id": f"{pk},999"}).json()) == 1


def test_xml_documents(client, voirie, file_report, citizen):
    report = file_report(citizen)
    services_xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)  # noqa: S314 (our own output)
    assert services_xml.tag == "services"
    assert services_xml.find("service/service_code").text == "voirie"
    response = client.get(f"{BASE}/requests.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == str(report.pk)
    assert root.find("request/status").text == "open"
    errors = ET.fromstring(client.get(f"{BASE}/services/inconnu.xml").content)  # noqa: S314 (our own output)
    assert errors.tag == "errors" and errors.find("error/code").text == "404"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "maybe"}, 400),
        ({"start_date": "hier"}, 400),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"service_code": "inconnu"}, 404),
        ({"page_size": "5000"}, 400),
        ({"page_size": "-1"}, 400),
        ({"service_request_id": "1,abc"}, 400),
        ({"service_request_id": ",".join(["1"] * 101)}, 400),
        ({"jurisdiction_id": "ailleurs"}, 404),
        ({"description": "x" * 3000}, 400),
    ],
)
def test_bad_parameters_get_the_spec_error_shape(client, voirie, params, status):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == status
    (problem,) = response.json()
    assert problem["code"] == status and problem["description"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "trt_faux_secret"}, 403),
        ({"service_code": "inconnu"}, 404),
        ({"lat": "", "long": ""}, 400),
        ({"lat": str(OUTSIDE[0]), "long": str(OUTSIDE[1])}, 400),
        ({"description": "<script>alert(1)</script> un trou"}, 400),
    ],
)
def test_refused_creations_write_nothing(client, voirie, api_key, change, status):
    data = {"api_key": api_key, "service_code": "voirie", "lat": str(INSIDE[0]),
            "long": str(INSIDE[1]), "description": "Lampadaire éteint depuis une semaine"}  # fmt: skip
    data.update(change)
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == status
    assert response.json()[0]["code"] == status
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(object_type="reports.report").exists()


def test_a_read_token_cannot_create(client, voirie, citizen):
    _token, secret = token_create(actor=citizen, user=citizen, name="lecture", scopes=["read"])
    response = client.post(f"{BASE}/requests.json", {"api_key": secret, "service_code": "voirie",
                           "lat": "43.6085", "long": "3.8795", "description": "Un banc cassé ici"})  # fmt: skip
    assert response.status_code == 403 and not Report.objects.exists()


def test_hidden_reports_are_not_served(client, file_report, citizen, steward):
    report = file_report(citizen)
    services.report_moderate(actor=steward, report=report, hide=True, reason="Injurieux")
    assert client.get(f"{BASE}/requests/{report.pk}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json").json() == []


def test_list_query_count(client, file_report, citizen, django_assert_max_num_queries):
    for _ in range(5):
        file_report(citizen)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/requests.json").json()) == 5


def _metres(a, b) -> float:
    """Great-circle distance (haversine, mean Earth radius) between two (lat, long) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


# Antigone, ~700 m east of the Comédie; the town hall of Castelnau-le-Lez, ~3.5 km north-east.
ANTIGONE = (43.6080, 3.8880)
CASTELNAU = (43.6335, 3.9010)


@pytest.fixture
def around(file_report, citizen):
    return {
        "comedie": file_report(citizen, position=INSIDE),
        "antigone": file_report(citizen, position=ANTIGONE),
        "castelnau": file_report(citizen, position=CASTELNAU),
    }


def _near(client, fmt="json", **params):
    response = client.get(f"{BASE}/requests.{fmt}", {"lat": INSIDE[0], "long": INSIDE[1], **params})
    assert response.status_code == 200, response.content
    return response


def test_lat_long_radius_keeps_the_requests_within_the_circle(client, around):
    by_id = {str(r.pk): name for name, r in around.items()}

    def names(**params):
        return {by_id[r["service_request_id"]] for r in _near(client, **params).json()}

    to_antigone = _metres(INSIDE, ANTIGONE)
    to_castelnau = _metres(INSIDE, CASTELNAU)
    assert 600 < to_antigone < 800 and 3000 < to_castelnau < 4000
    assert names() == {"comedie"}  # 500 m by default
    assert names(radius=round(to_antigone * 0.99)) == {"comedie"}
    assert names(radius=round(to_antigone * 1.01)) == {"comedie", "antigone"}
    assert names(radius=round(to_castelnau * 0.99)) == {"comedie", "antigone"}
    assert names(radius=round(to_castelnau * 1.01)) == {"comedie", "antigone", "castelnau"}
    assert names(radius="10000", status="closed") == set()
    assert names(radius="10000", service_code="voirie") == set(by_id.values())
    # Far from every report: nothing, in XML too.
    far = client.get(f"{BASE}/requests.xml", {"lat": "43.5675", "long": "3.9080", "radius": "300"})
    assert ET.fromstring(far.content).findall("request") == []  # noqa: S314 (our own output)
    xml = _near(client, "xml", radius="1000").content
    assert {e.text for e in ET.fromstring(xml).iter("service_request_id")} == {  # noqa: S314
        str(around["comedie"].pk),
        str(around["antigone"].pk),
    }


@pytest.mark.parametrize(
    ("params", "fr", "en"),
    [
        ({"lat": "43.6085"}, "lat et long vont ensemble", "lat and long go together"),
        ({"radius": "300"}, "lat et long vont ensemble", "lat and long go together"),
        ({"lat": "43.6", "long": "3.8", "radius": "10001"}, "radius (m)", "radius (m)"),
        ({"lat": "43.6", "long": "3.8", "radius": "0"}, "entre 1 et 10000", "between 1 and 10000"),
        ({"lat": "43.6", "long": "3.8", "radius": "nan"}, "n'est pas un nombre", "is not a number"),
        ({"lat": "north", "long": "3.8"}, "lat :", "lat:"),
        ({"lat": "43.6", "long": "200"}, "long :", "long:"),
    ],
)
def test_bad_location_filters_get_the_spec_error_in_french_or_english(
    client, voirie, params, fr, en
):
    french = client.get(f"{BASE}/requests.json", params, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400
    assert french.json()[0]["code"] == 400 and fr in french.json()[0]["description"]
    english = client.get(f"{BASE}/requests.json", params, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and en in english.json()[0]["description"]
    xml = client.get(f"{BASE}/requests.xml", params)
    assert xml.status_code == 400 and ET.fromstring(xml.content).tag == "errors"  # noqa: S314
