"""Back-office pages under /espace/: who sees what, the upload form end to end, the job page,
type overrides, publication and the personal-data decision."""

from __future__ import annotations

import html
import json
import re

import pytest

from territoire.lake import services
from territoire.lake.models import DatasetLake, DatasetVersion, IngestJob

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def assert_no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles: the pages must not need them."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert " style=" not in html and "<style" not in html
    assert 'http-equiv="refresh"' not in html, "no timed refresh (WCAG 2.2.1, RGAA 13.1)"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("reuser", 403),
        ("agent", 403),
        ("steward", 200),
        ("data_officer", 200),
    ],
)
def test_home_matrix(client, home, make_dataset, other_service, roles, who, status):
    mine = make_dataset("Budget primitif")
    theirs = make_dataset("Compteurs du réseau", publisher_service=other_service)
    response = login(client, roles[who]).get("/espace/")
    assert response.status_code == status
    if status == 302:
        assert (
            response["Location"].startswith("/connexion")
            or "login" in response["Location"]
            or "next=" in response["Location"]
        )
    if status == 200:
        html = response.content.decode()
        assert mine.title in html
        assert (theirs.title in html) is (who == "data_officer")
        assert_no_inline_code(html)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("citizen", 404),
        ("reuser", 404),
        ("agent", 404),
        ("steward", 200),
        ("data_officer", 200),
    ],
)
def test_dataset_page_matrix(
    client, home, make_dataset, roles, budget_csv, data_officer, who, status
):
    dataset = make_dataset(access_level="internal")
    services.dataset_ingest(actor=data_officer, dataset=dataset, source=budget_csv)
    client = login(client, roles[who])
    for url in [
        f"/espace/jeux-de-donnees/{dataset.slug}/",
        f"/espace/jeux-de-donnees/{dataset.slug}/versions/1/",
        f"/espace/jeux-de-donnees/{dataset.slug}/comparer/",
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        if status == 200:
            assert_no_inline_code(response.content.decode())


@pytest.mark.parametrize("who", ["anonymous", "citizen", "agent"])
def test_posts_are_refused_to_non_editors_and_change_nothing(
    client, home, make_dataset, roles, budget_csv, who, lake_files, audit_count
):
    dataset = make_dataset(access_level="internal")
    client = login(client, roles[who])
    before = audit_count()
    with budget_csv.open("rb") as handle:
        responses = [
            client.post(f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"file": handle}),
            client.post(
                f"/espace/jeux-de-donnees/{dataset.slug}/publication/", {"action": "publish"}
            ),
            client.post(f"/espace/jeux-de-donnees/{dataset.slug}/types/", {}),
            client.post(f"/espace/jeux-de-donnees/{dataset.slug}/reglages/", {"key_column": ""}),
        ]
    assert all(r.status_code in {302, 404} for r in responses)
    if who == "anonymous":
        assert all("/espace/" not in r["Location"].split("?")[0] for r in responses)
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert not IngestJob.objects.exists() and not DatasetVersion.objects.exists()
    assert lake_files() == set()
    assert audit_count() == before


def test_upload_form_end_to_end(client, home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    login(client, steward)
    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">' in page and '<label for="id_schema">' in page
    assert "Aucune version" in page

    with budget_csv.open("rb") as handle:
        response = client.post(
            f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"file": handle, "schema": ""}
        )
    job = IngestJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/espace/taches/{job.pk}/"
    assert job.status == "succeeded" and job.created_by == steward and job.version.number == 1

    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page, "a finished job stops refreshing"
    assert "Version 1 créée" in page
    assert "<code>bp</code>" in page and "decimal" in page
    assert budget_csv.name in page
    assert_no_inline_code(page)
    english = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Version 1 created (1448 rows)." in english and "créée" not in english

    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert "v1" in page and "1 448" in page or "1448" in page
    assert f"/api/v1/datasets/{dataset.slug}/versions/1/parquet" in page


def test_upload_form_without_file_shows_the_error(client, home, make_dataset, steward):
    dataset = make_dataset()
    response = login(client, steward).post(
        f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"schema": ""}
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not IngestJob.objects.exists()


def test_running_job_page_follows_the_job_without_timed_refresh(
    client, home, make_dataset, steward
):
    dataset = make_dataset()
    job = IngestJob.objects.create(
        dataset=dataset,
        created_by=steward,
        status="running",
        progress=40,
        stage="Validation du schéma",
        source_name="budget.csv",
    )
    page = login(client, steward).get(f"/espace/taches/{job.pk}/").content.decode()
    assert 'value="40"' in page and "Validation du schéma" in page
    assert f'data-job-url="/api/v1/jobs/{job.pk}"' in page
    assert '<script src="/static/lake/job.js" defer></script>' in page
    assert "Actualiser la page" in page, "without JavaScript a link refreshes the page"
    assert_no_inline_code(page)
    # the script reads the same job from the API with the session
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["progress"] == 40


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("citizen", 404), ("agent", 404), ("steward", 200), ("data_officer", 200)],
)
def test_job_page_matrix(client, home, make_dataset, roles, who, status):
    dataset = make_dataset()
    job = IngestJob.objects.create(dataset=dataset, created_by=roles["steward"], status="queued")
    assert login(client, roles[who]).get(f"/espace/taches/{job.pk}/").status_code == status


def test_type_override_form_reloads_with_the_forced_type(
    client, home, make_dataset, steward, budget_csv
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    login(client, steward)
    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert 'name="type__exercice"' in page
    response = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/types/", {"type__exercice": "text", "type__bp": ""}
    )
    job = IngestJob.objects.get(kind="reingest")
    assert response["Location"] == f"/espace/taches/{job.pk}/"
    assert job.status == "succeeded"
    assert DatasetLake.objects.get(dataset=dataset).type_overrides == {"exercice": "text"}
    v2 = DatasetVersion.objects.get(dataset=dataset, number=2)
    assert {c["id"]: c["type"] for c in v2.columns}["exercice"] == "text"
    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert "forcé" in page


def test_settings_form_sets_the_key_column(client, home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    response = login(client, steward).post(
        f"/espace/jeux-de-donnees/{dataset.slug}/reglages/", {"key_column": "nature", "schema": ""}
    )
    assert response.status_code == 302
    assert DatasetLake.objects.get(dataset=dataset).key_column == "nature"
    bad = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/reglages/",
        {"key_column": "inconnue", "schema": ""},
    )
    assert bad.status_code == 400
    assert DatasetLake.objects.get(dataset=dataset).key_column == "nature"


def test_publication_buttons_and_the_personal_data_decision(
    client, home, make_dataset, steward, data_officer, defib_csv
):
    dataset = make_dataset("Défibrillateurs")
    services.dataset_ingest(actor=steward, dataset=dataset, source=defib_csv)
    login(client, steward)
    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert "Données personnelles" in page and "Tel,C,254" in page
    assert f'action="/espace/jeux-de-donnees/{dataset.slug}/decision/"' not in page, (
        "only data officers decide"
    )

    refused = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/publication/", {"action": "publish"}, follow=True
    )
    assert "Publication impossible" in refused.content.decode()
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert (
        client.post(
            f"/espace/jeux-de-donnees/{dataset.slug}/decision/",
            {"decision": "publish_as_is", "reason": "x"},
        ).status_code
        == 403
    )

    client.force_login(data_officer)
    page = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert f'action="/espace/jeux-de-donnees/{dataset.slug}/decision/"' in page
    missing_reason = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/decision/",
        {"decision": "publish_as_is", "reason": ""},
    )
    assert missing_reason.status_code == 400
    decided = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/decision/",
        {
            "decision": "publish_as_is",
            "reason": "Standards téléphoniques d'établissements publics, pas de personnes.",
        },
    )
    assert decided.status_code == 302

    client.force_login(steward)
    client.post(f"/espace/jeux-de-donnees/{dataset.slug}/publication/", {"action": "publish"})
    dataset.refresh_from_db()
    assert dataset.is_published
    client.post(f"/espace/jeux-de-donnees/{dataset.slug}/publication/", {"action": "unpublish"})
    dataset.refresh_from_db()
    assert not dataset.is_published


def test_compare_page_shows_rows_added_removed_changed(
    client, home, make_dataset, steward, city, tmp_path
):
    source = city / "rennes-velo-star-stations" / "etat-des-stations-le-velo-star-en-temps-reel.csv"
    dataset = make_dataset("Stations")
    services.dataset_ingest(actor=steward, dataset=dataset, source=source)
    lines = source.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[7] = "7"
    changed = tmp_path / "stations.csv"
    changed.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    services.dataset_ingest(actor=steward, dataset=dataset, source=changed)
    login(client, steward)
    client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/reglages/", {"key_column": "id", "schema": ""}
    )
    page = client.get(
        f"/espace/jeux-de-donnees/{dataset.slug}/comparer/?from=1&to=2"
    ).content.decode()
    assert "De la version 1 à la version 2" in page
    assert "<code>velos_disponibles</code>" in page and "<td>5</td><td>7</td>" in page
    assert_no_inline_code(page)
    default = client.get(f"/espace/jeux-de-donnees/{dataset.slug}/comparer/").content.decode()
    assert "De la version 1 à la version 2" in default


def test_failed_upload_shows_the_errors_and_keeps_the_version(
    client, home, make_dataset, steward, budget_csv, tmp_path, lake_files
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    before = lake_files()
    bad = tmp_path / "binaire.csv"
    bad.write_bytes(bytes(range(256)) * 32)
    login(client, steward)
    with bad.open("rb") as handle:
        response = client.post(
            f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"file": handle, "schema": ""}
        )
    page = client.get(response["Location"]).content.decode()
    assert "Échec" in page and 'role="alert"' in page
    assert "binaire.csv" in page
    assert "la version précédente reste en service" in page
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert lake_files() == before
    english = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the previous version keeps serving" in english
    assert "la version précédente" not in english and "binaire.csv" in english


def test_keep_private_on_a_public_dataset_unpublishes_it_in_the_same_step(
    client, home, make_dataset, steward, data_officer, defib_csv
):
    """« Garder privé » takes effect: the published dataset is unpublished at once, audited as a
    « dépublication » beside the decision, and anonymous readers no longer see it."""
    from django.test import Client

    from territoire.trust.models import AuditEvent

    dataset = make_dataset("Défibrillateurs")
    services.dataset_ingest(actor=steward, dataset=dataset, source=defib_csv)
    login(client, data_officer)
    client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/decision/",
        {"decision": "publish_as_is", "reason": "Standards d'établissements publics."},
    )
    client.post(f"/espace/jeux-de-donnees/{dataset.slug}/publication/", {"action": "publish"})
    dataset.refresh_from_db()
    assert dataset.is_published
    assert Client().get(f"/jeux-de-donnees/{dataset.slug}/").status_code == 200

    page = client.post(
        f"/espace/jeux-de-donnees/{dataset.slug}/decision/",
        {"decision": "keep_private", "reason": "Avis du DPO : lignes directes d'agents."},
        follow=True,
    ).content.decode()
    assert "le jeu de données est dépublié" in page
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert Client().get(f"/jeux-de-donnees/{dataset.slug}/").status_code == 404
    decision, unpublication = AuditEvent.objects.filter(object_id=str(dataset.pk)).order_by("-id")[
        :2
    ][::-1]
    assert decision.action == "decision"
    assert decision.changes["personal_data_decision"] == [None, "keep_private"]
    assert (unpublication.action, unpublication.actor) == ("unpublish", data_officer)
    assert unpublication.changes == {
        "is_published": [True, False],
        "publication_state": ["published", "draft"],
    }
    assert "Avis du DPO" in unpublication.reason


def test_a_back_office_form_posted_without_its_csrf_token_is_refused(
    home, make_dataset, steward, audit_count
):
    """A cross-site POST (no CSRF token) publishes nothing, whichever back-office form it targets."""
    from django.test import Client

    dataset = make_dataset()
    client = Client(enforce_csrf_checks=True)
    client.force_login(steward)
    before = audit_count()
    for path, data in [
        ("publication/", {"action": "publish"}),
        ("decision/", {"decision": "publish_as_is", "reason": "x"}),
        ("reglages/", {"key_column": ""}),
        ("types/", {}),
    ]:
        response = client.post(f"/espace/jeux-de-donnees/{dataset.slug}/{path}", data)
        assert response.status_code == 403, path
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert audit_count() == before
    assert not DatasetLake.objects.filter(dataset=dataset).exclude(key_column="").exists()


def test_flagged_personal_data_is_masked_everywhere_in_the_staff_report(
    client, home, make_dataset, steward, delibs_csv
):
    """The names of the « Elu(s) » column were masked in the personal-data section but shown in
    full as the column's examples, minimum and maximum: masked everywhere now, in the pages and
    in the API's JSON."""
    from territoire.trust.personal_data import mask

    dataset = make_dataset("Délibérations")
    login(client, steward)
    with delibs_csv.open("rb") as handle:
        job_url = client.post(f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"file": handle})[
            "Location"
        ]
    version = DatasetVersion.objects.get(dataset=dataset)
    flagged = {f["column"] for f in version.personal_data}
    assert "elu_s" in flagged
    stats = {c["id"]: c["stats"] for c in version.columns}["elu_s"]
    names = {stats["min"], stats["max"], *stats["examples"]}
    assert "Audrey DE LA GRANGE" in names, "the stored statistics keep the data itself"
    pages = {
        "job": client.get(job_url).content.decode(),
        "version": client.get(
            f"/espace/jeux-de-donnees/{dataset.slug}/versions/1/"
        ).content.decode(),
        "dataset": client.get(f"/espace/jeux-de-donnees/{dataset.slug}/").content.decode(),
        **{
            where: json.dumps(client.get(url).json(), ensure_ascii=False)
            for where, url in [
                ("api", f"/api/v1/datasets/{dataset.slug}/versions/1"),
                ("api-job", f"/api/v1/jobs/{IngestJob.objects.get(dataset=dataset).pk}"),
            ]
        },
    }
    for where, page in pages.items():
        page = html.unescape(page)
        for name in names:
            assert name not in page, (where, name)
    assert mask("Audrey DE LA GRANGE", "person_name") in html.unescape(pages["version"])
    detail = client.get(f"/api/v1/datasets/{dataset.slug}/versions/1").json()
    masked = {c["id"]: c["stats"] for c in detail["columns"]}["elu_s"]
    assert masked["min"] == "A••• D••• L••• G•••"
    assert {c["id"]: c["stats"] for c in detail["columns"]}["titre"] == {
        c["id"]: c["stats"] for c in version.columns
    }["titre"], "columns that are not flagged are shown as they are"
