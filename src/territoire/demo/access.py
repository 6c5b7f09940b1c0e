"""The demo's access beyond open data: a data-sharing agreement with the water delegate, under
which its account pushes the sectorisation meters' daily readings (données d'intérêt général)
into the lake; a reuser's request for them, granted for a scope (one quartier, one month, no meter
ids) until a date; a citizen's request for the social-aid beneficiaries, refused with a
reason. Written through the access services; building the demo again changes nothing.

The readings are synthetic (no open dataset of sectorisation meters exists for Montpellier):
deterministic daily volumes for the seven quartiers of the city, for January 2025."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.utils import timezone

from territoire.access import services as access_services
from territoire.accounts.models import Role, User
from territoire.catalog.models import Dataset
from territoire.organizations.models import Organization, Service
from territoire.trust.models import AccessRequest, Agreement, PartnerAccount

QUARTIERS = [
    ("Montpellier Centre", 5200),
    ("Croix d'Argent", 4100),
    ("Les Cévennes", 3900),
    ("Mosson", 4400),
    ("Hôpitaux-Facultés", 3600),
    ("Port Marianne", 3300),
    ("Prés d'Arènes", 2700),
]
AGREEMENT = "convention-eau-2025"
METERS = "compteurs-eau-sectorisation"
BENEFICIARIES = "beneficiaires-aides-sociales"


def _readings_csv() -> str:
    """French CSV (`;`, decimal commas, dd/mm/yyyy) of daily volumes per quartier's meter."""
    lines = ["quartier;compteur;date_releve;volume_m3;debit_nuit_m3h"]
    for index, (quartier, base) in enumerate(QUARTIERS, 1):
        for day in range(1, 32):
            volume = base + ((day * 37 + index * 11) % 200) - 100
            night = round(volume / 24 * 0.18 + (day % 5) * 0.3, 1)
            lines.append(
                f"{quartier};SECT-{index:03d};{day:02d}/01/2025;{volume};{str(night).replace('.', ',')}"
            )
    return "\n".join(lines) + "\n"


def _account(username: str, role: str, first: str, last: str, password: str) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.first_name, user.last_name = role, first, last
    user.email = f"{username}@demo.territoire.local"
    user.set_password(password)
    user.save()
    return user


def demo_access(*, officer: User, services: dict[str, Service], password: str) -> list[str]:
    """Build the access demo; returns the accounts it created (same password as the others)."""
    delegate, _ = Organization.objects.update_or_create(
        slug="delegataire-eau-demo",
        defaults={"name": "Délégataire du service de l'eau (démo)"},
    )
    partner = _account("partenaire-eau", Role.REUSER, "Inès", "Morel", password)
    if not PartnerAccount.objects.filter(user=partner, organization=delegate).exists():
        access_services.partner_account_set(actor=officer, user=partner, organization=delegate)
    meters = Dataset.objects.get(slug=METERS)
    agreement = Agreement.objects.filter(reference=AGREEMENT).first()
    if agreement is None:
        agreement = Agreement(
            title="Convention de partage des données du service de l'eau",
            reference=AGREEMENT,
            partner=delegate,
            partner_kind="delegate",
            service=services["eau"],
            purpose="Le délégataire transmet chaque jour les index des compteurs de "
            "sectorisation (données d'intérêt général, loi pour une République numérique, "
            "art. 17) ; la Métropole les exploite pour la détection des fuites.",
            conditions="Transmission quotidienne au format CSV par l'API ; pas de données "
            "d'abonnés ; réutilisation interne, ouverture décidée par la Métropole.",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2030, 12, 31),
        )
        access_services.agreement_save(
            actor=officer, agreement=agreement, datasets_provided=[meters], datasets_received=[]
        )
    if not agreement.deliveries.exists():
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "index-sectorisation-2025-01.csv"
            path.write_text(_readings_csv(), encoding="utf-8")
            access_services.agreement_push(
                actor=partner,
                agreement=agreement,
                dataset=meters,
                source=path,
                original_name=path.name,
            )
    reuser = User.objects.get(username="reutilisateur")
    if not AccessRequest.objects.filter(requester=reuser, dataset=meters).exists():
        request = access_services.access_request_create(
            actor=reuser,
            dataset=meters,
            purpose="Mémoire de master sur les pertes des réseaux d'eau : volumes journaliers "
            "du quartier Port Marianne en janvier 2025, sans identifiant de compteur.",
        )
        access_services.access_request_grant(
            actor=officer,
            request=request,
            expires_at=timezone.now() + dt.timedelta(days=180),
            columns=["quartier", "date_releve", "volume_m3"],
            row_filters=[{"column": "quartier", "op": "=", "value": "Port Marianne"}],
            period={"column": "date_releve", "start": "2025-01-01", "end": "2025-01-31"},
            reason="Recherche universitaire ; périmètre limité au besoin exprimé.",
        )
    beneficiaries = Dataset.objects.get(slug=BENEFICIARIES)
    citizen = User.objects.get(username="citoyen")
    if not AccessRequest.objects.filter(requester=citizen, dataset=beneficiaries).exists():
        request = access_services.access_request_create(
            actor=citizen,
            dataset=beneficiaries,
            purpose="Savoir quels habitants de mon quartier reçoivent des aides du CCAS.",
        )
        access_services.access_request_refuse(
            actor=officer,
            request=request,
            reason="Fichier nominatif de bénéficiaires d'aides sociales : il n'est communicable "
            "qu'aux personnes concernées (CRPA, art. L311-6). Les statistiques agrégées seront "
            "publiées.",
        )
    return ["partenaire-eau"]
