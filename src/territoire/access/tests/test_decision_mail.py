"""The requester is e-mailed the decision on their access request: granted (scope, expiry, link)
or refused (the reason); nothing when the decision is refused or rolled back."""

from __future__ import annotations

import pytest

from territoire.access import services
from territoire.core.errors import ValidationFailed

from .conftest import later

pytestmark = pytest.mark.django_db
PURPOSE = "Étude des consommations d'eau des communes du sud"


def test_granted_is_told_with_the_scope(
    levels, reuser, steward, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose=PURPOSE
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_grant(
            actor=steward,
            request=request,
            expires_at=later(10),
            columns=["commune", "volume_m3"],
            row_filters=[{"column": "commune", "op": "=", "value": "Lattes"}],
        )
    [mail] = mailoutbox
    assert mail.to == [reuser.email] and levels.restricted.title in mail.subject
    assert "est accordée" in mail.body and "Colonnes : commune, volume_m3." in mail.body
    assert "Lignes : commune = Lattes." in mail.body
    assert f"/jeux-de-donnees/{levels.restricted.slug}/" in mail.body


def test_refused_is_told_with_the_reason(
    levels, reuser, steward, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.access_request_create(actor=reuser, dataset=levels.internal, purpose=PURPOSE)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed):
            services.access_request_refuse(actor=steward, request=request, reason=" ")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_refuse(
            actor=steward, request=request, reason="Données nominatives : pas de communication."
        )
    [mail] = mailoutbox
    assert "refusée" in mail.subject and "Motif : Données nominatives" in mail.body
    assert "/mes-demandes-d-acces/" in mail.body


def test_no_mail_for_a_scope_refused(
    levels, reuser, steward, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose=PURPOSE
    )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed):
            services.access_request_grant(
                actor=steward, request=request, expires_at=later(10), columns=["nope"]
            )
    assert mailoutbox == []
