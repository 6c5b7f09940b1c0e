"""A small water-metering dataset (French CSV: `;`, decimal commas, dd/mm/yyyy dates) ingested
by the lake's own service at three access levels, and the people of the access matrix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

CSV = (
    "commune;date_releve;volume_m3;matricule;abonne\n"
    "Grabels;15/01/2024;12,5;C-001;Abonné A\n"
    "Grabels;15/06/2024;14,0;C-002;Abonné B\n"
    "Lattes;20/02/2024;8,25;C-003;Abonné C\n"
    "Lattes;20/02/2023;97,31;C-004;Abonné D\n"
    "Castelnau-le-Lez;01/03/2024;20,0;C-005;Abonné E\n"
)
COLUMNS = {"commune", "date_releve", "volume_m3", "matricule", "abonne"}


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(settings, tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    settings.TERRITOIRE_HOME = path
    settings.MEDIA_ROOT = path / "uploads"
    return path


@pytest.fixture
def meter_csv(tmp_path):
    path = tmp_path / "releves-compteurs.csv"
    path.write_bytes(CSV.encode("latin-1"))
    return path


def ingest(officer, dataset, path):
    from territoire.lake import services as lake_services

    report = lake_services.dataset_ingest(
        actor=officer, dataset=dataset, source=path, original_name=path.name
    )
    assert report.status == "created", report.as_dict()
    return report


@dataclass
class Levels:
    restricted: object
    internal: object
    personal: object

    def all(self):
        return [self.restricted, self.internal, self.personal]


@pytest.fixture
def levels(home, make_dataset, data_officer, meter_csv):
    """The same data at three non-public levels, in the steward's service."""
    made = {}
    for level in ("restricted", "internal", "personal"):
        dataset = make_dataset(f"Relevés des compteurs ({level})", access_level=level)
        ingest(data_officer, dataset, meter_csv)
        made[level] = dataset
    return Levels(**made)


@pytest.fixture
def other_agent(other_service):
    """An agent of another service of the territory (the water service)."""
    from territoire.accounts.models import Membership, User

    user = User.objects.create(username="autre-agent", role="agent", email="a@example.fr")
    Membership.objects.create(user=user, service=other_service, role="member")
    return user


@pytest.fixture
def partner_org(db):
    from territoire.organizations.models import Organization

    return Organization.objects.create(name="Eaux de la Métropole SPL", slug="eaux-spl")


@pytest.fixture
def partner(partner_org, data_officer):
    from territoire.access import services
    from territoire.accounts.models import User

    user = User.objects.create(username="partenaire", role="reuser", email="p@example.fr")
    services.partner_account_set(actor=data_officer, user=user, organization=partner_org)
    return user


def later(days: int = 30) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)
