"""Partner accounts from the workspace: the data officer attaches and detaches them (audited,
through ``partner_account_set``); an agent cannot be one; nobody else enters."""

from __future__ import annotations

import html

import pytest

from territoire.trust.models import AuditEvent, PartnerAccount

pytestmark = pytest.mark.django_db
URL = "/espace/conventions/comptes-partenaires/"


def test_officer_attaches_and_detaches(client, data_officer, reuser, partner_org):
    client.force_login(data_officer)
    assert client.get(URL).status_code == 200
    response = client.post(
        URL, {"action": "attach", "username": reuser.username, "organization": partner_org.pk}
    )
    assert response.status_code == 302
    account = PartnerAccount.objects.get(user=reuser)
    assert account.organization == partner_org
    assert AuditEvent.objects.filter(
        object_type="trust.partneraccount", object_id=str(account.pk), action="create"
    ).exists()
    page = html.unescape(client.get(URL).content.decode())
    assert reuser.username in page and partner_org.name in page
    client.post(URL, {"action": "detach", "account": account.pk})
    assert not PartnerAccount.objects.filter(user=reuser).exists()
    assert AuditEvent.objects.filter(object_type="trust.partneraccount", action="delete").exists()


def test_refusals_keep_what_was_typed(client, data_officer, agent, partner_org):
    client.force_login(data_officer)
    unknown = client.post(
        URL, {"action": "attach", "username": "personne", "organization": partner_org.pk}
    )
    text = html.unescape(unknown.content.decode())
    assert unknown.status_code == 400 and "Aucun compte ne porte cet identifiant" in text
    assert 'value="personne"' in text
    staff = client.post(
        URL, {"action": "attach", "username": agent.username, "organization": partner_org.pk}
    )
    assert staff.status_code == 400
    assert "ne peut pas être un compte partenaire" in html.unescape(staff.content.decode())
    assert not PartnerAccount.objects.exists()


def test_only_the_data_officer_enters(client, steward, agent, reuser, partner_org):
    for person in (steward, agent, reuser):
        client.force_login(person)
        assert client.get(URL).status_code == 403
        response = client.post(
            URL, {"action": "attach", "username": reuser.username, "organization": partner_org.pk}
        )
        assert response.status_code == 403
    assert not PartnerAccount.objects.exists()
