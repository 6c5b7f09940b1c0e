"""Who counts against which limit: signed-in users apart from their address, the portal's costly
pages apart from the API, and the portal's 429 page."""

from __future__ import annotations

import pytest

from territoire.accounts.services import token_create
from territoire.core.models import RateLimitCounter

pytestmark = pytest.mark.django_db

API = "/api/v1/datasets"
NAT = "192.0.2.50"  # one city hall's address, shared by everyone behind it


def _api(client, address=NAT, **headers):
    return client.get(API, REMOTE_ADDR=address, **headers).status_code


def test_signed_in_sessions_and_tokens_have_their_own_buckets(
    client, agent, citizen, settings, rate_store
):
    settings.TERRITOIRE_API_RATE = "2/60"
    assert [_api(client) for _ in range(3)] == [200, 200, 429]  # anonymous, behind the NAT
    # the relay browsing behind the same address has a bucket of their own…
    client.force_login(agent)
    assert [_api(client) for _ in range(3)] == [200, 200, 429]
    client.logout()
    # …and so has a citizen's token, used from the same address
    _, token = token_create(actor=citizen, user=citizen, name="script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert [_api(client, **bearer) for _ in range(3)] == [200, 200, 429]
    # a token and a session of one user share that user's bucket
    _, agent_token = token_create(actor=agent, user=agent, name="script")
    assert _api(client, HTTP_AUTHORIZATION=f"Bearer {agent_token}") == 429


def test_portal_pages_spend_none_of_the_api_quota(client, make_dataset, settings):
    settings.TERRITOIRE_API_RATE = "1/60"
    dataset = make_dataset("Budget primitif", publish=True)
    for path in ("/", "/jeux-de-donnees/", f"/jeux-de-donnees/{dataset.slug}/", "/services/"):
        for _ in range(3):
            assert client.get(path, {"q": "budget"}, REMOTE_ADDR=NAT).status_code == 200
    assert not RateLimitCounter.objects.filter(key__startswith="api-").exists()
    assert _api(client) == 200


def test_costly_portal_pages_are_throttled_with_a_page_of_the_site(
    client, make_dataset, settings, rate_store
):
    settings.TERRITOIRE_PORTAL_RATE = "3/60"
    dataset = make_dataset("Budget primitif", publish=True)
    pages = ["/jeux-de-donnees/", f"/jeux-de-donnees/{dataset.slug}/", "/jeux-de-donnees/"]
    assert [client.get(p, REMOTE_ADDR=NAT).status_code for p in pages] == [200, 200, 200]
    refused = client.get(f"/jeux-de-donnees/{dataset.slug}/", REMOTE_ADDR=NAT)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    html = refused.content.decode()
    assert (
        '<html lang="fr">' in html
        and "Trop de requêtes" in html
        and "Réessayez dans 1 minute" in html
    )
    english = client.get("/jeux-de-donnees/", REMOTE_ADDR=NAT, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429 and "Too many requests" in english.content.decode()
    # cheap pages are not counted; another address, and a signed-in user, have their own budget
    assert client.get("/", REMOTE_ADDR=NAT).status_code == 200
    assert client.get("/jeux-de-donnees/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_a_signed_in_visitor_has_a_portal_budget_of_their_own(
    client, citizen, make_dataset, settings
):
    settings.TERRITOIRE_PORTAL_RATE = "1/60"
    assert client.get("/jeux-de-donnees/", REMOTE_ADDR=NAT).status_code == 200
    assert client.get("/jeux-de-donnees/", REMOTE_ADDR=NAT).status_code == 429
    client.force_login(citizen)
    assert client.get("/jeux-de-donnees/", REMOTE_ADDR=NAT).status_code == 200
    assert client.get("/jeux-de-donnees/", REMOTE_ADDR=NAT).status_code == 429


def test_signing_in_counts_as_a_costly_page(client, agent, settings):
    settings.TERRITOIRE_PORTAL_RATE = "2/60"
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 100
    for username in ("a", "b"):
        answer = client.post(
            "/connexion/", {"username": username, "password": "x"}, REMOTE_ADDR=NAT
        )
        assert answer.status_code == 200
    refused = client.post("/connexion/", {"username": "c", "password": "x"}, REMOTE_ADDR=NAT)
    assert refused.status_code == 429
    assert client.get("/connexion/", REMOTE_ADDR=NAT).status_code == 200  # reading the form is free
