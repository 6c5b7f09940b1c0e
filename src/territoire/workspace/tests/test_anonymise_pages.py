"""« Créer une version anonymisée » from the workspace, the native API endpoint, the derived
dataset's lineage on the workspace and the portal, and the publication rule for derived
datasets on every entry point (workspace button, API, admin action)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from territoire.accounts.services import token_create
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.demo.anonymisation import FILE, PLAN, QUASI_IDENTIFIERS, SENSITIVE
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db
DERIVED = "beneficiaires-anonymise"


@pytest.fixture
def personal(make_dataset, data_officer, home):
    dataset = make_dataset("Bénéficiaires des aides", slug="beneficiaires", access_level="personal")
    lake_services.dataset_ingest(
        actor=data_officer, dataset=dataset, source=FILE, original_name=FILE.name
    )
    return dataset


def _derived(personal, actor, *, tamper=None):
    spec = lake_services.AnonymisationSpec.build(
        plan=PLAN, quasi_identifiers=QUASI_IDENTIFIERS, k=11, l=2, sensitive=SENSITIVE
    )
    result = lake_services.dataset_anonymise(actor=actor, dataset=personal, spec=spec)
    if tamper:
        lineage = result.version.lineage
        lineage["check"]["may_open"] = False
        DatasetVersion.objects.filter(pk=result.version.pk).update(lineage=lineage)
    catalog_services.dataset_update(actor=actor, dataset=result.dataset, access_level="public")
    return result.dataset


FORM = {
    "drop": ["nom", "prenom", "telephone", "adresse", "date_de_naissance", "code_commune"],
    "pseudonymise": ["n_dossier"],
    "dates_to_month": ["date_de_la_demande"],
    "age_column": "age",
    "age_edges": "18, 35, 55, 70",
    "top_code_column": "montant_accorde",
    "top_code_quantile": "0.99",
    "rare": ["commune"],
    "rare_min_count": "150",
    "rare_replacement": "Autres communes",
    "quasi_identifiers": ["age", "sexe", "commune"],
    "k": "11",
    "sensitive": "aide",
    "l_diversity": "2",
}


def test_the_page_previews_then_writes(client, personal, steward):
    client.force_login(steward)
    url = reverse("workspace:dataset_anonymise", args=[personal.slug])
    assert (
        f'href="{url}"'
        in client.get(reverse("lake:dataset", args=[personal.slug])).content.decode()
    )
    page = client.get(url).content.decode()
    assert "Créer une version anonymisée" in page and 'name="quasi_identifiers"' in page
    # a preview that fails: communes kept as they are
    weak = {**FORM, "rare": []}
    response = client.post(url, {**weak, "action": "preview"})
    text = html.unescape(response.content.decode())
    assert response.status_code == 200 and "le contrôle ne passe pas" in text
    assert "Ne peut pas être ouvert en l'état." in text
    assert 'value="18, 35, 55, 70"' in text, "the form keeps what was typed"
    assert not Dataset.objects.filter(slug=DERIVED).exists()
    # writing it is refused on the form, nothing written
    response = client.post(url, {**weak, "action": "write"})
    assert response.status_code == 400 and not Dataset.objects.filter(slug=DERIVED).exists()
    # the plan that passes: preview, then write, then the lineage
    response = client.post(url, {**FORM, "action": "preview"})
    text = html.unescape(response.content.decode())
    assert "le contrôle passe" in text and "Les premières lignes du résultat" in text
    assert "CCAS-2024" not in text and "06 99" not in text, "the preview shows the result only"
    response = client.post(url, {**FORM, "action": "write"})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:dataset_lineage", args=[DERIVED])
    version = DatasetVersion.objects.get(dataset__slug=DERIVED)
    assert version.lineage["plan"][0]["op"] == "drop" and version.lineage["check"]["may_open"]
    lineage = html.unescape(client.get(response["Location"]).content.decode())
    assert f'href="{reverse("lake:dataset", args=[personal.slug])}"' in lineage
    assert "supprimer des colonnes" in lineage and "k = 25" in lineage
    assert "peut être publié sans décision" in lineage


def test_a_refused_plan_lands_on_the_form(client, personal, data_officer):
    client.force_login(data_officer)
    url = reverse("workspace:dataset_anonymise", args=[personal.slug])
    response = client.post(url, {**FORM, "quasi_identifiers": ["nom", "sexe"], "action": "write"})
    text = html.unescape(response.content.decode())
    assert response.status_code == 400 and "« nom » n'existe pas" in text
    assert not Dataset.objects.filter(slug=DERIVED).exists()


def test_who_reaches_the_page(client, personal, agent, citizen):
    url = reverse("workspace:dataset_anonymise", args=[personal.slug])
    assert Client().get(url).status_code == 302  # to the login page
    for person in (agent, citizen):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_api_preview_and_write(client, personal, steward, citizen, settings):
    settings.TERRITOIRE_API_RATE = "100000/60"
    _, write = token_create(actor=steward, user=steward, name="w", scopes=["read", "write"])
    _, read = token_create(actor=steward, user=steward, name="r", scopes=["read"])
    url = f"/api/v1/datasets/{personal.slug}/anonymisations"
    body = {"plan": PLAN, "quasi_identifiers": QUASI_IDENTIFIERS, "sensitive": SENSITIVE}

    def post(payload, token):
        return client.post(
            url,
            payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert post(body, read).status_code == 401  # a read token does not write
    preview = post({**body, "preview": True}, write)
    assert preview.status_code == 200 and preview.json()["may_open"] is True
    assert preview.json()["check"]["k"] == 25 and preview.json()["dataset"] is None
    failing = post({**body, "plan": PLAN[:1]}, write)
    assert failing.status_code == 400 and failing.json()["message_en"].startswith("The result")
    assert not Dataset.objects.filter(slug=DERIVED).exists()
    created = post(body, write)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["dataset"] == DERIVED and data["version"] == 1 and data["created"]
    assert data["lineage"]["source"]["dataset"] == personal.slug
    assert "nom" not in data["columns"]


def test_publication_rule_on_the_workspace_button(client, personal, data_officer):
    derived = _derived(personal, data_officer, tamper=True)
    client.force_login(data_officer)
    url = f"/espace/jeux-de-donnees/{derived.slug}/publication/"
    refused = client.post(url, {"action": "publish"}, follow=True)
    assert "décision de l'administrateur" in html.unescape(refused.content.decode())
    assert not Dataset.objects.get(pk=derived.pk).is_published
    other = _derived_second_run(personal, data_officer)
    assert other.pk == derived.pk
    client.post(url, {"action": "publish"})
    assert Dataset.objects.get(pk=derived.pk).is_published


def _derived_second_run(personal, actor):
    """A checked run again: a new version whose lineage holds."""
    spec = lake_services.AnonymisationSpec.build(
        plan=[*PLAN[:-1], {"op": "top_code", "column": "montant_accorde", "at": 480}],
        quasi_identifiers=QUASI_IDENTIFIERS,
        k=11,
    )
    return lake_services.dataset_anonymise(actor=actor, dataset=personal, spec=spec).dataset


def test_publication_rule_on_the_api(client, personal, data_officer, settings):
    settings.TERRITOIRE_API_RATE = "100000/60"
    derived = _derived(personal, data_officer, tamper=True)
    _, token = token_create(actor=data_officer, user=data_officer, name="w", scopes=["write"])
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/datasets/{derived.slug}/publication"
    refused = client.post(
        url, {"action": "publish"}, content_type="application/json", headers=headers
    )
    assert refused.status_code == 400 and refused.json()["where"] == "personal_data"
    _derived_second_run(personal, data_officer)
    published = client.post(
        url, {"action": "publish"}, content_type="application/json", headers=headers
    )
    assert published.status_code == 200 and published.json()["is_published"] is True


def test_publication_rule_on_the_admin_action(client, personal, data_officer):
    derived = _derived(personal, data_officer, tamper=True)
    client.force_login(data_officer)
    changelist = reverse("admin:catalog_dataset_changelist")
    refused = client.post(
        changelist, {"action": "publish", "_selected_action": [derived.pk]}, follow=True
    )
    assert "décision de l'administrateur" in html.unescape(refused.content.decode())
    assert not Dataset.objects.get(pk=derived.pk).is_published
    _derived_second_run(personal, data_officer)
    client.post(changelist, {"action": "publish", "_selected_action": [derived.pk]})
    assert Dataset.objects.get(pk=derived.pk).is_published


def test_the_portal_says_derived_from(client, personal, data_officer):
    derived = _derived(personal, data_officer)
    catalog_services.dataset_publish(actor=data_officer, dataset=derived)
    page = html.unescape(Client().get(f"/jeux-de-donnees/{derived.slug}/").content.decode())
    assert "Dérivé de" in page and "Bénéficiaires des aides" in page and "(anonymisé)" in page
    assert f'href="/jeux-de-donnees/{personal.slug}/"' not in page, "no link for the public"
    client.force_login(data_officer)
    page = client.get(f"/jeux-de-donnees/{derived.slug}/").content.decode()
    assert f'href="/jeux-de-donnees/{personal.slug}/"' in page
