"""Participation fixtures: confirmed participants, a published project, an open consultation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from territoire.accounts.models import User
from territoire.participation import services
from territoire.participation.models import Participant
from territoire.territories.models import Territory


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    settings.TERRITOIRE_PARTICIPATION_USER_RATE = "1000/60"
    settings.TERRITOIRE_PARTICIPATION_IP_RATE = "1000/60"
    settings.TERRITOIRE_SIGNUP_IP_RATE = "1000/60"


@pytest.fixture
def make_participant(db):
    def make(pseudonym: str = "Camille34", *, confirmed: bool = True) -> User:
        user = User.objects.create(username=f"p-{pseudonym.lower()}", role="citizen",
                                   email=f"{pseudonym.lower()}@example.fr")  # fmt: skip
        user.set_password("un mot de passe solide 42")
        user.save()
        Participant.objects.create(user=user, pseudonym=pseudonym,
                                   email_confirmed_at=timezone.now() if confirmed else None)  # fmt: skip
        return user

    return make


@pytest.fixture
def participant(make_participant):
    return make_participant()


@pytest.fixture
def territory(request, db):
    if "montpellier" in request.fixturenames:
        request.getfixturevalue("montpellier")
    return Territory.objects.get_or_create(kind="commune", code="34172",
                                           defaults={"name": "Montpellier"})[0]  # fmt: skip


@pytest.fixture
def project(agent, service, territory):
    return services.project_create(
        actor=agent, service=service, title="Réseau de défibrillateurs", territory=territory,
        summary="Où installer les défibrillateurs.", presentation="**Carte** des DAE.",
        purpose="Réduire le délai d'accès à un défibrillateur.", is_published=True,
    )  # fmt: skip


@pytest.fixture
def consultation(agent, project):
    now = timezone.now()
    return services.consultation_create(
        actor=agent, project=project, title="Où installer les prochains défibrillateurs ?",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=10),
        questions=[
            {"kind": "single", "label": "Lieu prioritaire", "choices": ["Écoles", "Gymnases", "Mairies"]},
            {"kind": "multiple", "label": "Horaires utiles", "choices": ["Jour", "Nuit"]},
            {"kind": "ranking", "label": "Classez", "choices": ["A", "B", "C"]},
            {"kind": "scale", "label": "Utilité", "scale_min": 1, "scale_max": 5},
            {"kind": "text", "label": "Remarques", "is_required": False},
        ],
    )  # fmt: skip


def answers_for(consultation, **overrides):
    qs = list(consultation.questions.all())
    values = {qs[0].pk: "Écoles", qs[1].pk: ["Jour", "Nuit"], qs[2].pk: ["B", "A", "C"],
              qs[3].pk: 4, qs[4].pk: "Plus près des stades."}  # fmt: skip
    for position, value in overrides.items():
        values[qs[int(position[1:])].pk] = value
    return values
