"""Shared fixtures: the real demo territory, people in every role, a service and datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL run (``make test-postgres``) leaves out the tests that never touch
    Django's database — no database fixture, no ``django_db`` marker: the records engine on
    DuckDB, the schemas, the disclosure control… They ran in the SQLite run and would only
    repeat it (the same code, the same files). Tests marked ``postgres`` or ``database`` (they
    reach the database from a subprocess: a server, ``territoire migrate``) always run."""
    if not ON_POSTGRES:
        return
    kept, left = [], []
    for item in items:
        uses_database = (
            item.get_closest_marker("django_db") is not None
            or item.get_closest_marker("postgres") is not None
            or item.get_closest_marker("database") is not None
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (kept if uses_database else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _parsed_reference_files_once():
    """The shipped COG files are parsed once per test session, not once per test that loads the
    territory (parsing is 85 % of a load: about 0.5 s each time). Keyed by the file's path, size
    and modification time, so a test that writes its own (broken) reference files still reads
    them; callers never modify what they get (checked by the territories tests, which compare
    the loaded rows with the files)."""
    from territoire.territories import reference

    original = reference.read_json
    parsed: dict[tuple, object] = {}

    def read_json(path, *, expect, required_keys=()):
        path = Path(path)
        try:
            stat = path.stat()
        except OSError:
            return original(path, expect=expect, required_keys=required_keys)
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, expect, tuple(required_keys))
        if key not in parsed:
            parsed[key] = original(path, expect=expect, required_keys=required_keys)
        return parsed[key]

    reference.read_json = read_json
    yield
    reference.read_json = original


def publish_real_file(officer, dataset, path: Path):
    """Ingest a real file as the dataset's new version, record the officer's "publish as is"
    decision when the ingestion flags personal data (in the city files: the phone numbers of
    public buildings), and publish the dataset. Returns the ingestion report."""
    from territoire.catalog import services as catalog_services
    from territoire.lake import services as lake_services

    report = lake_services.dataset_ingest(
        actor=officer, dataset=dataset, source=path, original_name=path.name
    )
    assert report.status == "created", report.as_dict()
    if report.personal_data:
        catalog_services.personal_data_decision_record(
            actor=officer,
            dataset=dataset,
            decision="publish_as_is",
            reason="Standards d'établissements recevant du public.",
            flags=report.personal_data,
        )
    catalog_services.dataset_publish(actor=officer, dataset=dataset)
    return report


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data/` beside the checkout: real French files to test against."""
    assert SHARED_DATA.is_dir(), (
        f"{SHARED_DATA} is missing: the tests need ../shared/data beside the checkout"
    )
    return SHARED_DATA


@pytest.fixture
def montpellier(db):
    """Montpellier Méditerranée Métropole and its 31 communes, loaded from the shipped COG files."""
    from territoire.territories.models import Territory
    from territoire.territories.services import territories_load

    territories_load(epci_siren="243400017")
    return Territory.objects.get(kind="epci", code="243400017")


@pytest.fixture
def organization(db):
    from territoire.organizations.models import Organization

    return Organization.objects.create(
        name="Ville de Montpellier", slug="ville-de-montpellier", siren="213401722"
    )


@pytest.fixture
def service(organization):
    from territoire.organizations.models import Service

    return Service.objects.create(
        organization=organization, name="Direction des finances", slug="finances"
    )


@pytest.fixture
def other_service(organization):
    from territoire.organizations.models import Service

    return Service.objects.create(organization=organization, name="Direction de l'eau", slug="eau")


def _user(username: str, role: str):
    from territoire.accounts.models import User

    user = User.objects.create(username=username, role=role, email=f"{username}@example.fr")
    user.set_password("un mot de passe solide 42")
    user.save()
    return user


@pytest.fixture
def data_officer(db):
    return _user("officer", "data_officer")


@pytest.fixture
def steward(service):
    from territoire.accounts.models import Membership

    user = _user("steward", "steward")
    Membership.objects.create(user=user, service=service, role="steward")
    return user


@pytest.fixture
def agent(service):
    from territoire.accounts.models import Membership

    user = _user("agent", "agent")
    Membership.objects.create(user=user, service=service, role="member")
    return user


@pytest.fixture
def citizen(db):
    return _user("citizen", "citizen")


@pytest.fixture
def reuser(db):
    return _user("reuser", "reuser")


@pytest.fixture
def roles(data_officer, steward, agent, citizen, reuser):
    """Every role, plus anonymous (None), for authorisation matrices."""
    return {
        "anonymous": None,
        "citizen": citizen,
        "reuser": reuser,
        "agent": agent,
        "steward": steward,
        "data_officer": data_officer,
    }


@pytest.fixture
def make_dataset(organization, service, data_officer):
    """Create a dataset through the service (audited), e.g. make_dataset(access_level="internal")."""
    from territoire.catalog import services as catalog_services

    def make(title: str = "Budget primitif", *, publish: bool = False, **values):
        values.setdefault("publisher_service", service)
        values.setdefault("access_level", "public")
        dataset = catalog_services.dataset_create(
            actor=data_officer, title=title, publisher=organization, **values
        )
        if publish:
            catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
        return dataset

    return make


@pytest.fixture
def fresh_serving_store():
    """No serving file attached (territoire.records.serving) before and after the test."""
    from territoire.records import serving

    serving.store().clear()
    yield serving.store()
    serving.store().clear()


@pytest.fixture(params=["off", "on"])
def mode(request, settings):
    """Records read from the Parquet files, then from the serving files."""
    settings.TERRITOIRE_RECORDS_SERVING = request.param == "on"
    return request.param


# A Redis database of its own for the tests of the Redis rate-limit store (a real server on
# 127.0.0.1:6379); its keys are dropped before and after each test. The PostgreSQL run takes
# another one, so that both runs of `make test` may go side by side.
TEST_REDIS_URL = "redis://127.0.0.1:6379/" + ("14" if ON_POSTGRES else "13")


@pytest.fixture(params=["database", "redis"])
def rate_store(request, settings, db):
    """Each rate-limit test runs on both stores: the database (the default) and Redis."""
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(TEST_REDIS_URL)
        client.flushdb()
        settings.REDIS_URL = TEST_REDIS_URL
        yield request.param
        client.flushdb()
    else:
        settings.REDIS_URL = None
        yield request.param


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the site's language: a request with ``Accept-Language: en`` leaves
    English active in the thread (LocaleMiddleware), which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_memo():
    """The portal memoises decoded boundaries per process (web.memo); every test starts without
    them, whichever app's pages it opens (reports, participation and indicators draw maps too)."""
    from territoire.web import memo

    memo.forget_all()
    yield
    memo.forget_all()
