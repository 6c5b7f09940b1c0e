"""Every model registered in the admin, for every role, every action: what the role may not do is
refused, nothing changes, and no title of another service's non-public dataset shows.

Steward (relais données of « finances »), agent (member of « finances »), citizen and data officer,
against objects that are not theirs: another service's personal dataset and its file, another
person's token and membership, the audit log… The table below says what each role MAY do; every
other action must be refused.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoire.accounts.models import ApiToken, Membership, User
from territoire.accounts.services import token_create
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset, Distribution, Theme
from territoire.indicators.models import Dashboard, Evaluation, Indicator
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion, IngestJob
from territoire.participation.models import Consultation, InvitationCode, ModerationAction, Project
from territoire.registers import services as register_services
from territoire.reports.models import ReportCategory
from territoire.territories.models import Territory
from territoire.trust.models import (
    AccessGrant,
    AccessRequest,
    Agreement,
    AgreementDelivery,
    AuditEvent,
    PartnerAccount,
)
from territoire.trust.services import model_snapshot

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db

PRIVATE_TITLE = "Liste nominative des bénéficiaires"
PRIVATE_FILE_TITLE = "Fichier nominatif complet"

ACTIONS = ("list", "view", "history", "add", "change", "delete")
REFERENCE = {"list", "view", "history"}  # shared reference data: staff read it, officers change it
# What each role MAY do with the object of each model that is not theirs; everything else is refused.
MAY = {
    "steward": {
        "territories.territory": REFERENCE,
        "organizations.organization": REFERENCE,
        "organizations.service": REFERENCE,
        "catalog.dataset": {"list", "add"},
        "catalog.distribution": {"list", "add"},
        "accounts.apitoken": {"list", "add"},
        "registers.processingactivity": REFERENCE,  # stewards edit in the workspace
        "registers.algorithm": REFERENCE,
    },
    "agent": {
        "territories.territory": REFERENCE,
        "organizations.organization": REFERENCE,
        "organizations.service": REFERENCE,
        "catalog.dataset": {"list"},
        "catalog.distribution": {"list"},
        "accounts.apitoken": {"list", "add"},
        "registers.processingactivity": REFERENCE,
        "registers.algorithm": REFERENCE,
    },
    "citizen": {},
    "data_officer": {
        **dict.fromkeys(
            [
                "territories.territory",
                "organizations.organization",
                "organizations.service",
                "accounts.user",
                "accounts.membership",
                "accounts.apitoken",
                "catalog.dataset",
                "catalog.distribution",
                "registers.processingactivity",
                "registers.algorithm",
            ],
            set(ACTIONS),
        ),
        "participation.invitationcode": set(ACTIONS),
        "reports.reportcategory": set(ACTIONS),  # categories routed to services: the officer's
        "catalog.theme": {"list", "view", "history", "change"},
        # read-only records: written by their services only
        "trust.auditevent": REFERENCE,
        "trust.personaldatadecision": REFERENCE,
        # access rows: decided in the workspace and the API; partner accounts attached here
        "trust.accessrequest": REFERENCE,
        "trust.accessgrant": REFERENCE,
        "trust.agreement": REFERENCE,
        "trust.agreementdelivery": REFERENCE,
        "trust.partneraccount": set(ACTIONS),
        "lake.datasetversion": REFERENCE,
        "lake.ingestjob": REFERENCE,
        "participation.moderationaction": REFERENCE,
        # built in the workspace; the admin reads, deletes and publishes through their services
        "indicators.indicator": {"list", "view", "history", "delete"},
        "indicators.evaluation": {"list", "view", "history", "delete"},
        "indicators.dashboard": {"list", "view", "history", "change", "delete"},
        # created with its questions in the workspace; never deleted once it may have answers
        "participation.consultation": {"list", "view", "history", "change"},
        # Django's own models keep Django's permissions: superusers only
        "auth.group": set(),
        "django_tasks_database.dbtaskresult": set(),
    },
}


@pytest.fixture
def world(
    home, organization, service, other_service, steward, agent, citizen, data_officer, budget_csv
):
    """Objects that belong to nobody in « finances »: what the matrix tries to reach."""
    neighbour = User.objects.create(username="relais-eau", role="steward")
    membership = Membership.objects.create(user=neighbour, service=other_service, role="steward")
    private = catalog_services.dataset_create(
        actor=data_officer,
        title=PRIVATE_TITLE,
        publisher=organization,
        publisher_service=other_service,
        access_level="personal",
    )
    private_file = catalog_services.distribution_create(
        actor=data_officer,
        dataset=private,
        title=PRIVATE_FILE_TITLE,
        format="CSV",
        content=b"nom;prenom\nDupont;Anne\n",
        filename="beneficiaires.csv",
    )
    lake_services.dataset_ingest(actor=data_officer, dataset=private, source=budget_csv)
    decision = catalog_services.personal_data_decision_record(
        actor=data_officer, dataset=private, decision="keep_private", reason="Données sociales."
    )
    token, _ = token_create(actor=data_officer, user=data_officer, name="officier", scopes=["read"])
    # Register entries of the other service, linked to its personal dataset: a reader of the
    # admin who may not see that dataset must not read its title there either.
    processing = register_services.processing_create(
        actor=data_officer,
        name="Aides sociales",
        service=other_service,
        purposes=["Instruire les demandes"],
        legal_bases=["public_task"],
        controller_name="CCAS",
        datasets=[private],
    )
    algorithm = register_services.algorithm_create(
        actor=data_officer,
        name="Tarif social",
        service=other_service,
        purpose="Calculer la réduction",
        datasets=[private],
        processing_activities=[processing],
    )
    agreement = Agreement.objects.create(
        title="Convention",
        reference="convention",
        partner=organization,
        partner_kind="association",
        service=other_service,
        purpose="Échange de données",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    later = timezone.now() + dt.timedelta(days=30)
    partner_user = User.objects.create(username="partenaire", role="reuser")
    access = {
        "trust.accessrequest": AccessRequest.objects.create(
            dataset=private, requester=partner_user, purpose="Étude"
        ),
        "trust.accessgrant": AccessGrant.objects.create(
            dataset=private, grantee=partner_user, expires_at=later, granted_by=data_officer
        ),
        "trust.agreement": agreement,
        "trust.agreementdelivery": AgreementDelivery.objects.create(
            agreement=agreement, dataset=private, status="created", pushed_by=data_officer
        ),
        "trust.partneraccount": PartnerAccount.objects.create(
            user=partner_user, organization=organization
        ),
    }
    objects = {
        **access,
        "territories.territory": Territory.objects.create(
            kind="region", code="76", name="Occitanie"
        ),
        "organizations.organization": organization,
        "organizations.service": other_service,
        "accounts.user": data_officer,
        "accounts.membership": membership,
        "accounts.apitoken": token,
        "catalog.dataset": private,
        "catalog.distribution": private_file,
        "catalog.theme": Theme.objects.order_by("code").first(),
        "lake.datasetversion": DatasetVersion.objects.get(dataset=private),
        "lake.ingestjob": IngestJob.objects.create(
            dataset=private, created_by=data_officer, status="queued"
        ),
        "trust.auditevent": AuditEvent.objects.filter(object_id=str(private.pk)).first(),
        "trust.personaldatadecision": decision,
        "registers.processingactivity": processing,
        "registers.algorithm": algorithm,
        "participation.invitationcode": InvitationCode.objects.create(code="MTP-TEST-1"),
        "reports.reportcategory": ReportCategory.objects.create(
            name="Voirie", code="voirie", service=other_service
        ),
        "participation.moderationaction": ModerationAction.objects.create(
            kind="proposal", object_id=1, act="hide", reason="Hors sujet"
        ),
        **_built_in_the_workspace(organization, other_service, data_officer),
        "auth.group": Group.objects.create(name="comité"),
        "django_tasks_database.dbtaskresult": DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="territoire.lake.tasks.ingest_job_run",
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        ),
    }
    return {"objects": objects, "roles": {"steward": steward, "agent": agent, "citizen": citizen}}


def _built_in_the_workspace(organization, service, officer) -> dict:
    indicator = Indicator.objects.create(
        title="Taux de remplissage des crèches", slug="remplissage-creches", direction="higher",
        publisher=organization, publisher_service=service, steward=officer,
    )  # fmt: skip
    commune = Territory.objects.create(kind="commune", code="34999", name="Villeneuve-test")
    project = Project.objects.create(
        title="Crèches", slug="creches", service=service, territory=commune
    )
    now = timezone.now()
    return {
        "indicators.indicator": indicator,
        "indicators.evaluation": Evaluation.objects.create(
            indicator=indicator,
            title="Nouvelle crèche",
            slug="nouvelle-creche",
            intervention_date=dt.date(2024, 9, 1),
            created_by=officer,
        ),  # fmt: skip
        "indicators.dashboard": Dashboard.objects.create(
            title="Petite enfance",
            slug="petite-enfance",
            publisher_service=service,
            access_level="internal",
        ),  # fmt: skip
        "participation.consultation": Consultation.objects.create(
            project=project,
            title="Horaires",
            slug="horaires",
            opens_at=now,
            closes_at=now + dt.timedelta(days=7),
        ),  # fmt: skip
    }


def _url(label: str, view: str, *args) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_{view}", args=args)


def _state(obj) -> tuple:
    model = type(obj)
    stored = model._default_manager.filter(pk=obj.pk).first()
    return (model._default_manager.count(), model_snapshot(stored) if stored else None)


def _refused(response) -> bool:
    """Refused: forbidden, the login page, or « does not exist » back to the admin index."""
    if response.status_code == 403:
        return True
    if response.status_code == 302:
        return response["Location"].startswith(("/admin/login/", reverse("admin:index")))
    return False


def _no_leak(role: str, response) -> None:
    if role == "data_officer":
        return
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    assert PRIVATE_TITLE not in body and PRIVATE_FILE_TITLE not in body, response.request


def test_every_registered_model_is_in_the_table():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(MAY["data_officer"]), "add the new admin model to MAY"


@pytest.mark.parametrize("role", list(MAY))
def test_admin_matrix_every_model_every_action(client, world, data_officer, role):
    user = world["roles"].get(role, data_officer)
    client.force_login(user)
    for obj_label, obj in world["objects"].items():
        allowed = MAY[role].get(obj_label, set())
        before = _state(obj)
        pk = obj.pk
        responses = {
            "list": client.get(_url(obj_label, "changelist")),
            "lookup": client.get(_url(obj_label, "changelist") + "?_popup=1&_to_field=id"),
            "view": client.get(_url(obj_label, "change", pk)),
            "history": client.get(_url(obj_label, "history", pk)),
            "add": client.get(_url(obj_label, "add")),
        }
        for action, response in responses.items():
            _no_leak(role, response)
            assert response.status_code != 500, (role, obj_label, action)
            may = ("list" if action == "lookup" else action) in allowed
            if not may:
                assert _refused(response), (role, obj_label, action, response.status_code)
            elif action in {"list", "view", "history"}:
                assert response.status_code == 200, (role, obj_label, action)
        if "list" in allowed:
            for listing in (responses["list"], responses["lookup"]):
                assert listing.status_code == 200
        if "change" not in allowed:
            response = client.post(_url(obj_label, "change", pk), {"title": "Piraté", "name": "x"})
            _no_leak(role, response)
            assert _refused(response), (role, obj_label, "change", response.status_code)
        if "delete" not in allowed:
            response = client.post(_url(obj_label, "delete", pk), {"post": "yes"})
            _no_leak(role, response)
            assert _refused(response), (role, obj_label, "delete", response.status_code)
        if "add" not in allowed:
            response = client.post(_url(obj_label, "add"), {"title": "Ajouté", "name": "x"})
            assert _refused(response), (role, obj_label, "add", response.status_code)
        assert _state(obj) == before, (role, obj_label, "nothing changed")


@pytest.mark.parametrize("role", ["steward", "agent", "citizen"])
def test_autocomplete_and_lookups_show_nothing_of_other_services(client, world, role):
    """Every autocomplete of the admin (as a data officer has them) answers a steward, an agent or
    a citizen with a refusal or with what they may see, never a private title."""
    client.force_login(world["roles"][role])
    request = type("Request", (), {"user": User.objects.get(username="officer")})()
    for model, model_admin in admin.site._registry.items():
        for field in model_admin.get_autocomplete_fields(request):
            response = client.get(
                "/admin/autocomplete/",
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field,
                    "term": "",
                },
            )
            assert response.status_code in {200, 302, 403}, (model, field)
            _no_leak(role, response)
            if role == "citizen":
                assert _refused(response)
            if field == "steward":
                assert response.status_code in {302, 403}, "only data officers search accounts"


def test_steward_cannot_move_plant_or_delete_files_of_other_services(
    client, world, steward, make_dataset, data_officer, service, other_service, organization
):
    """The reported attack, step by step: moving another service's personal file onto a public
    dataset, moving one's own file onto another service's dataset, planting a file there,
    deleting theirs. Each is refused; no file, row or audit event appears."""
    theirs_public = make_dataset(
        "Réseau d'eau potable", publisher_service=other_service, publish=True
    )
    theirs_file = catalog_services.distribution_create(
        actor=data_officer,
        dataset=theirs_public,
        title="Plan du réseau",
        format="CSV",
        download_url="https://example.org/reseau.csv",
    )
    mine = make_dataset("Budget primitif", publish=True)
    my_file = catalog_services.distribution_create(
        actor=steward,
        dataset=mine,
        title="Budget (CSV)",
        format="CSV",
        download_url="https://example.org/budget.csv",
    )
    private_file = world["objects"]["catalog.distribution"]
    client.force_login(steward)
    counts = (Distribution.objects.count(), AuditEvent.objects.count())

    moved = client.post(
        _url("catalog.distribution", "change", private_file.pk),
        {"dataset": mine.pk, "title": private_file.title, "format": "CSV"},
    )
    assert _refused(moved)
    assert Distribution.objects.get(pk=private_file.pk).dataset_id == private_file.dataset_id

    mine_moved = client.post(
        _url("catalog.distribution", "change", my_file.pk),
        {
            "dataset": theirs_public.pk,
            "title": "Budget (CSV)",
            "format": "CSV",
            "download_url": "https://example.org/budget.csv",
        },
    )
    assert mine_moved.status_code == 200  # the form again: that dataset is not a choice
    assert Distribution.objects.get(pk=my_file.pk).dataset_id == mine.pk

    add_page = client.get(_url("catalog.distribution", "add")).content.decode()
    assert "Budget primitif" in add_page
    assert theirs_public.title not in add_page and PRIVATE_TITLE not in add_page

    from django.core.files.uploadedfile import SimpleUploadedFile

    planted = client.post(
        _url("catalog.distribution", "add"),
        {
            "dataset": theirs_public.pk,
            "title": "Mise à jour urgente",
            "format": "HTML",
            "file": SimpleUploadedFile("evil.html", b"<a href='https://phishing.example'>"),
        },
    )
    assert planted.status_code == 200
    assert not Distribution.objects.filter(title="Mise à jour urgente").exists()

    deleted = client.post(_url("catalog.distribution", "delete", theirs_file.pk), {"post": "yes"})
    assert _refused(deleted)
    assert Distribution.objects.filter(pk=theirs_file.pk).exists()
    assert (Distribution.objects.count(), AuditEvent.objects.count()) == counts


def test_steward_changes_their_own_file_through_the_service(client, world, steward, make_dataset):
    mine = make_dataset("Budget primitif")
    my_file = catalog_services.distribution_create(
        actor=steward,
        dataset=mine,
        title="Budget",
        format="csv",
        download_url="https://example.org/budget.csv",
    )
    client.force_login(steward)
    response = client.post(
        _url("catalog.distribution", "change", my_file.pk),
        {
            "dataset": mine.pk,
            "title": "Budget 2014",
            "format": "CSV",
            "download_url": "https://example.org/budget.csv",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Distribution.objects.get(pk=my_file.pk).title == "Budget 2014"
    event = AuditEvent.objects.filter(object_id=str(my_file.pk), action="update").get()
    assert event.actor == steward and event.changes["title"] == ["Budget", "Budget 2014"]


def test_a_steward_asking_for_the_admin_scope_gets_a_clear_refusal(client, steward):
    client.force_login(steward)
    response = client.post(
        _url("accounts.apitoken", "add"),
        {"name": "script", "scopes": ["read", "admin"], "days": "30"},
        follow=True,
    )
    assert response.status_code == 200
    assert "réservée à l'administrateur des données" in html.unescape(response.content.decode())
    assert not ApiToken.objects.filter(user=steward).exists()
    assert not AuditEvent.objects.filter(object_type="accounts.apitoken").exists()


def test_a_data_officer_cannot_make_anyone_a_superuser(client, data_officer, steward):
    client.force_login(data_officer)
    page = client.get(_url("accounts.user", "change", steward.pk)).content.decode()
    assert 'name="is_superuser"' not in page
    assert Dataset.objects.count() == 0


def test_a_steward_edits_a_dataset_whose_steward_a_data_officer_named(
    client, make_dataset, steward, data_officer, organization
):
    """The named steward (here the data officer) is not among the steward's choices, yet saving
    the rest of the form keeps them; naming a stranger is refused by the service."""
    dataset = make_dataset("Budget", steward=data_officer)
    client.force_login(steward)
    url = _url("catalog.dataset", "change", dataset.pk)
    form = {
        "title": "Budget 2014",
        "description": "",
        "publisher": organization.pk,
        "publisher_service": dataset.publisher_service_id,
        "steward": data_officer.pk,
        "keywords": "[]",
        "licence": dataset.licence,
        "frequency": dataset.frequency,
        "access_level": dataset.access_level,
        "distributions-TOTAL_FORMS": "0",
        "distributions-INITIAL_FORMS": "0",
    }
    assert client.post(url, form).status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Budget 2014" and dataset.steward == data_officer
    stranger = User.objects.create(username="voisin", role="citizen")
    refused = client.post(url, {**form, "steward": stranger.pk})
    assert refused.status_code == 200  # the form again: not a choice
    dataset.refresh_from_db()
    assert dataset.steward == data_officer


def test_a_steward_creates_a_dataset_for_their_service_through_the_service(
    client, steward, service, other_service, organization
):
    client.force_login(steward)
    form = {
        "title": "Subventions aux associations",
        "slug": "subventions-aux-associations",
        "description": "",
        "publisher": organization.pk,
        "publisher_service": service.pk,
        "steward": steward.pk,
        "keywords": "[]",
        "licence": "etalab-2.0",
        "frequency": "ANNUAL",
        "access_level": "public",
        "is_published": "on",
        "distributions-TOTAL_FORMS": "0",
        "distributions-INITIAL_FORMS": "0",
    }
    assert client.post(_url("catalog.dataset", "add"), form).status_code == 302
    dataset = Dataset.objects.get(slug="subventions-aux-associations")
    assert dataset.publisher_service == service and dataset.steward == steward
    assert not dataset.is_published
    event = AuditEvent.objects.get(object_id=str(dataset.pk), object_type="catalog.dataset")
    assert (event.action, event.actor) == ("create", steward)

    elsewhere = client.post(
        _url("catalog.dataset", "add"),
        {**form, "slug": "ailleurs", "publisher_service": other_service.pk},
    )
    assert elsewhere.status_code == 200  # the form again: not one of their services
    assert not Dataset.objects.filter(slug="ailleurs").exists()
