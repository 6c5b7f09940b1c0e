"""The authorisation matrix of issue 14: every role × every read path × every access level and
grant state, table-driven. Denied reads look like a dataset that does not exist (404); a reader
under a scoped grant reads the scope only — hidden columns and rows never appear, on any path —
and may not download whole files (403). Every read under a grant is audited with the grant.
A signed-in reader denied a dataset's portal page is sent to its access request form."""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from django.utils import timezone

from territoire.access import services
from territoire.trust.models import AccessGrant, Agreement, AuditEvent

from .conftest import later

pytestmark = pytest.mark.django_db

LEVELS = ("restricted", "internal", "personal")
SCOPE = {
    "columns": ["commune", "date_releve", "volume_m3"],
    "row_filters": [{"column": "commune", "op": "=", "value": "Lattes"}],
    "period": {"column": "date_releve", "start": "2024-01-01", "end": "2024-12-31"},
}
# What the scope hides: other communes, the 2023 reading, the meter and subscriber columns.
HIDDEN = ("Grabels", "Castelnau", "97.31", "97,31", "C-00", "Abonn")
# The hidden columns' names: absent from every read, the catalogue's metadata included (the
# OpenDataSoft dataset's ``fields`` list the open columns only).
HIDDEN_COLUMNS = ("abonne", "matricule")
METADATA = {"native_detail", "ods_dataset", "ckan_package"}
NAMES_LISTED: set[str] = set()  # metadata that would still list a hidden column's name
SCOPED_VISIBLE = ("Lattes", "8.25")

# role -> the levels it reads, and whether the read is scoped
READS: dict[str, set[str]] = {
    "anonymous": set(),
    "citizen": set(),
    "other_agent": {"internal"},
    "agent": {"internal", "restricted"},
    "steward": set(LEVELS),
    "data_officer": set(LEVELS),
    "grant_full": set(LEVELS),
    "grant_scoped": set(LEVELS),
    "grant_expired": set(),
    "grant_revoked": set(),
    "partner": {"restricted", "internal"},  # what its agreement gives it
}
SCOPED_ROLES = {"grant_scoped"}
GRANT_ROLES = {"grant_full", "grant_scoped", "partner"}


# path name -> (URL, is a whole file)
PATHS = {
    "native_detail": ("/api/v1/datasets/{slug}", False),
    "native_records": ("/api/v1/datasets/{slug}/records?limit=100", False),
    "native_record_one": ("/api/v1/datasets/{slug}/records/3", False),  # Lattes 2024
    "native_facets": ("/api/v1/datasets/{slug}/facets?facet=commune", False),
    "native_fields": ("/api/v1/datasets/{slug}/fields", False),
    "native_table_schema": ("/api/v1/datasets/{slug}/table-schema", False),
    "native_export_csv": ("/api/v1/datasets/{slug}/exports/csv", False),
    "native_export_json": ("/api/v1/datasets/{slug}/exports/json", False),
    "native_export_xlsx": ("/api/v1/datasets/{slug}/exports/xlsx", False),
    "native_export_parquet": ("/api/v1/datasets/{slug}/exports/parquet", False),
    "ods_records": ("/api/explore/v2.1/catalog/datasets/{slug}/records?limit=100", False),
    "ods_export_csv": ("/api/explore/v2.1/catalog/datasets/{slug}/exports/csv", False),
    "ods_dataset": ("/api/explore/v2.1/catalog/datasets/{slug}", False),
    "ckan_package": ("/api/3/action/package_show?id={slug}", False),
    "ckan_datastore": ("/api/3/action/datastore_search?resource_id={slug}", False),
    "portal_page": ("/jeux-de-donnees/{slug}/", False),
    "portal_source_file": ("/jeux-de-donnees/{slug}/fichier-d-origine/", True),
    "lake_parquet": ("/api/v1/datasets/{slug}/versions/1/parquet", True),
}


def _text(path_name: str, response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if path_name.endswith("xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return json.dumps([list(r) for r in book.active.iter_rows(values_only=True)], default=str)
    if path_name.endswith("parquet"):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "export.parquet"
            path.write_bytes(raw)
            con = duckdb.connect()
            con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [str(path)])
        names = [c[0] for c in con.execute("DESCRIBE t").fetchall()]
        return json.dumps([names, *con.execute("SELECT * FROM t").fetchall()], default=str)
    return raw.decode("utf-8", "replace")


@pytest.fixture
def people(levels, roles, other_agent, reuser, data_officer, partner, partner_org, service):
    from territoire.accounts.models import User

    def holder(name):
        return User.objects.create(username=name, role="reuser", email=f"{name}@example.fr")

    people = {k: v for k, v in roles.items() if k != "reuser"}
    people["other_agent"] = other_agent
    grants: dict[str, list[AccessGrant]] = {}
    for role in ("grant_full", "grant_scoped", "grant_expired", "grant_revoked"):
        user = people[role] = holder(role.replace("_", "-"))
        grants[role] = []
        for dataset in levels.all():
            request = services.access_request_create(
                actor=user, dataset=dataset, purpose="Étude des consommations d'eau par commune"
            )
            scope = SCOPE if role == "grant_scoped" else {}
            grants[role].append(
                services.access_request_grant(
                    actor=data_officer, request=request, expires_at=later(), **scope
                )
            )
    for grant in grants["grant_revoked"]:
        services.access_grant_revoke(actor=data_officer, grant=grant, reason="Étude terminée")
    # Expired: the same grant, its end moved into the past (as time passing would).
    AccessGrant.objects.filter(pk__in=[g.pk for g in grants["grant_expired"]]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    agreement = Agreement(
        title="Convention eau potable",
        reference="conv-eau",
        partner=partner_org,
        partner_kind="delegate",
        service=service,
        purpose="Suivi de la délégation de service public de l'eau",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=365),
    )
    services.agreement_save(
        actor=data_officer,
        agreement=agreement,
        datasets_provided=[],
        datasets_received=[levels.restricted, levels.internal],
    )
    people["partner"] = partner
    return people


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("role", list(READS))
def test_matrix(client, levels, people, role):
    user = people[role]
    for level in LEVELS:
        dataset = getattr(levels, level)
        allowed = level in READS[role]
        scoped = role in SCOPED_ROLES
        for name, (template, whole_file) in PATHS.items():
            before = AuditEvent.objects.filter(action="read").count()
            response = _get(client, user, template.format(slug=dataset.slug))
            where = (role, level, name)
            if not allowed and name == "portal_page" and user is not None:
                # signed in: told that it exists, sent to the request form (no data)
                assert response.status_code == 302, where
                assert response["Location"].endswith("/demande-d-acces/"), where
                assert AuditEvent.objects.filter(action="read").count() == before, where
                continue
            if not allowed:
                assert response.status_code == 404, where
                assert dataset.title not in response.content.decode("utf-8", "replace"), where
                assert AuditEvent.objects.filter(action="read").count() == before, where
                continue
            if scoped and whole_file:
                assert response.status_code == 403, where
                continue
            assert response.status_code == 200, (where, response.content[:300])
            text = _text(name, response)
            if scoped:
                hidden_here = HIDDEN if name in NAMES_LISTED else HIDDEN + HIDDEN_COLUMNS
                for hidden in hidden_here:
                    assert hidden not in text, (where, hidden)
                if (
                    name
                    not in {"native_facets", "portal_page", "native_fields", "native_table_schema"}
                    | METADATA
                ):
                    assert all(v in text for v in SCOPED_VISIBLE), (where, text[:500])
                if name not in METADATA | {"native_fields", "native_table_schema"}:
                    assert "Lattes" in text, where
            elif name == "native_records":
                assert "Grabels" in text and "C-001" in text, where
            read = AuditEvent.objects.filter(action="read").order_by("-id").first()
            assert read is not None and read.id > 0
            assert AuditEvent.objects.filter(action="read").count() > before, where
            if role in GRANT_ROLES:
                assert read.changes.get("grant", [None, None])[1] is not None, where
                assert read.actor == user, where


def test_scoped_where_on_hidden_column_is_refused(client, levels, people):
    """A query may not filter on a hidden column to infer its values: unknown field."""
    client.force_login(people["grant_scoped"])
    slug = levels.restricted.slug
    response = client.get(f"/api/v1/datasets/{slug}/records", {"where": "matricule = 'C-001'"})
    assert response.status_code == 400
    assert "C-001" not in json.dumps(response.json().get("results", []))
    ods = client.get(
        f"/api/explore/v2.1/catalog/datasets/{slug}/records", {"where": "commune = 'Grabels'"}
    )
    assert ods.status_code == 200 and ods.json()["total_count"] == 0
    # Record 1 (Grabels) exists, but not in the scope: as if it did not.
    assert client.get(f"/api/v1/datasets/{slug}/records/1").status_code == 404


def test_revocation_stops_at_once(client, levels, people, data_officer):
    user = people["grant_full"]
    client.force_login(user)
    url = f"/api/v1/datasets/{levels.restricted.slug}/records"
    assert client.get(url).status_code == 200
    grant = AccessGrant.objects.get(grantee=user, dataset=levels.restricted)
    services.access_grant_revoke(actor=data_officer, grant=grant, reason="Fin de l'étude")
    assert client.get(url).status_code == 404
    assert (
        client.get(
            f"/api/3/action/datastore_search?resource_id={levels.restricted.slug}"
        ).status_code
        == 404
    )


def test_terminated_agreement_stops_partner(client, levels, people, data_officer):
    client.force_login(people["partner"])
    url = f"/api/explore/v2.1/catalog/datasets/{levels.internal.slug}/records"
    assert client.get(url).status_code == 200
    agreement = Agreement.objects.get(reference="conv-eau")
    services.agreement_terminate(actor=data_officer, agreement=agreement, reason="Fin du contrat")
    assert client.get(url).status_code == 404
