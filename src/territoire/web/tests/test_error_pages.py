"""Every error the site answers is a page of the site (its header, footer and security headers), in
the visitor's language, saying what to do — 400, 403, 404, 429, 500 and a refused CSRF token — and
under /api/ the error shape of the API family the client called, never an HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from territoire.web.views import errors

pytestmark = pytest.mark.django_db

# status → (French heading, English heading)
HEADINGS = {
    400: ("Requête invalide", "Bad request"),
    403: ("Accès refusé", "Access denied"),
    404: ("Page introuvable", "Page not found"),
    429: ("Trop de requêtes", "Too many requests"),
    500: ("Erreur du serveur", "Server error"),
    "csrf": ("Formulaire expiré ou envoyé d’ailleurs", "Form expired or sent from elsewhere"),
}


def _broken_home(monkeypatch):
    """The home page fails past its first query, as a bug or a database fault would."""

    def fail(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr("territoire.territories.selectors.home_territory", fail)
    # the 500 page must not need what failed (it renders without the request's context)
    monkeypatch.setattr("territoire.web.context_processors.home_territory", fail)


def _site_error(case, client, monkeypatch, settings, citizen, lang):
    accept = {"HTTP_ACCEPT_LANGUAGE": lang}
    if case == 400:  # a Host header that ALLOWED_HOSTS does not list
        return client.get("/", HTTP_HOST="evil.example.com", **accept)
    if case == 403:  # a citizen in the staff workspace
        client.force_login(citizen)
        return client.get("/espace/", **accept)
    if case == 404:
        return client.get("/espace/nexiste-pas/", **accept)
    if case == 429:
        settings.TERRITOIRE_PORTAL_RATE = "1/60"
        client.get("/jeux-de-donnees/", **accept)
        return client.get("/jeux-de-donnees/", **accept)
    if case == 500:
        _broken_home(monkeypatch)
        return client.get("/", **accept)
    if case == "csrf":  # a form posted without its token (from another site, or an old page)
        strict = Client(enforce_csrf_checks=True)
        return strict.post("/connexion/", {"username": "x", "password": "y"}, **accept)
    raise AssertionError(case)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("case", list(HEADINGS))
def test_site_errors_are_pages_of_the_site_in_the_visitors_language(
    case, lang, monkeypatch, settings, citizen
):
    client = Client(raise_request_exception=False)
    response = _site_error(case, client, monkeypatch, settings, citizen, lang)
    status = 403 if case == "csrf" else case
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    heading = HEADINGS[case][0 if lang == "fr" else 1]
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html.replace("&#x27;", "’").replace("'", "’")
    assert 'class="site-header"' in html and 'class="site-footer"' in html  # the site's layout
    assert "Content-Security-Policy" in response.headers
    for english_default in ("Not Found", "Bad Request (400)", "Server Error", "403 Forbidden"):
        assert english_default not in html
    assert "simulated fault" not in html and "evil.example.com" not in html
    assert "Traceback" not in html and "CSRF verification failed" not in html


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def test_api_paths_answer_their_own_json_error_shape(monkeypatch, settings):
    client = Client(raise_request_exception=False)
    # native API (/api/v1/ and any other /api/ path): error, message, message_en
    for path in ("/api/v1/nexiste-pas", "/api/nexiste-pas/"):
        body = _json(client.get(path))
        assert body["error"] == "not_found" and "introuvable" in body["message"]
        assert "not found" in body["message_en"]
    refused_host = client.get("/api/v1/datasets", HTTP_HOST="evil.example.com")
    assert refused_host.status_code == 400 and _json(refused_host)["error"] == "bad_request"

    # OpenDataSoft paths: error_code, message
    ods = client.get("/api/explore/v2.1/nexiste-pas")
    assert ods.status_code == 404 and _json(ods)["error_code"] == "NotFound"
    assert ods["Access-Control-Allow-Origin"] == "*"

    # CKAN paths: success false, error.__type
    ckan = client.get("/api/3/nexiste/pas")
    assert ckan.status_code == 404
    assert _json(ckan) == {
        "success": False,
        "error": {
            "__type": "Not Found Error",
            "message": errors.PROBLEMS["not_found"].message_fr,
            "message_en": errors.PROBLEMS["not_found"].message_en,
        },
    }

    # an unexpected fault in an API view
    def fail(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr("territoire.territories.api.selectors.home_territory", fail)
    crashed = client.get("/api/v1/status")
    assert crashed.status_code == 500
    assert _json(crashed)["error"] == "server_error"
    assert b"simulated fault" not in crashed.content
    monkeypatch.setattr("territoire.interop.common.authenticate", fail)
    ods_crash = client.get("/api/explore/v2.1/catalog/datasets")
    assert ods_crash.status_code == 500
    assert _json(ods_crash)["error_code"] == "InternalServerError"


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ("/api/v1/uploads", "error", "csrf_failed"),
        ("/api/explore/v2.1/catalog/datasets", "error_code", "Forbidden"),
        ("/api/3/action/package_search", "success", False),
    ],
)
def test_a_refused_csrf_token_under_api_answers_json(path, key, value):
    """Django's CSRF_FAILURE_VIEW, as it would answer on an API path (the API views themselves
    are exempt or check CSRF in their own shape: none reaches it through HTTP today)."""
    request = RequestFactory().post(path)
    response = errors.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert _json(response)[key] == value
