"""Joins across datasets of different services, spatial joins into boundaries, per-km² values,
and the disclosure control of series built on personal data."""

from __future__ import annotations

import pytest

from territoire.core.errors import NotFound, ValidationFailed
from territoire.indicators import selectors, services
from territoire.indicators.selectors.geography import area_km2
from territoire.lake.models import DatasetVersion
from territoire.organizations.models import Service

from .conftest import write

pytestmark = pytest.mark.django_db


SPATIAL = {
    "dataset": "defibs",
    "measure": {"kind": "count"},
    "reference_period": "2024",
    "territory": {"longitude": "lon", "latitude": "lat", "boundaries": "commune"},
}


def test_spatial_join_counts_points_per_commune(points_dataset, communes, steward, service):
    indicator = services.indicator_create(actor=steward, title="DAE", publisher_service=service,
                                          definition=SPATIAL)  # fmt: skip
    run = services.indicator_compute(actor=steward, indicator=indicator)
    assert run.status == "created", run.error
    rows = selectors.series_read(steward, indicator)
    assert {r["code_territoire"]: r["valeur"] for r in rows} == {"34001": 4, "34002": 2}


def test_spatial_join_sum_mean_and_per_10000(points_dataset, communes, steward, service):
    spec = dict(SPATIAL, measure={"kind": "mean", "column": "places"})
    _d, _public, points = selectors.definition_preview(steward, spec)
    assert {p.territory_code: p.value for p in points} == {"34001": 2.5, "34002": 15.0}
    spec = dict(SPATIAL, normalisation={"kind": "per_10000"})
    _d, _public, points = selectors.definition_preview(steward, spec)
    assert {p.territory_code: p.value for p in points} == {"34001": 20.0, "34002": 40.0}


def test_per_km2_uses_the_boundary_area(points_dataset, communes, steward):
    a, b, _c = communes
    # 0.1° of latitude is 11.12 km; 0.1° of longitude at 43.65° N is 8.04 km.
    assert area_km2(a.geometry) == pytest.approx(11.12 * 8.04, rel=0.01)
    spec = dict(SPATIAL, normalisation={"kind": "per_km2"})
    _d, _public, points = selectors.definition_preview(steward, spec)
    values = {p.territory_code: p.value for p in points}
    assert values["34001"] == pytest.approx(4 / area_km2(a.geometry))
    assert values["34002"] == pytest.approx(2 / area_km2(b.geometry))


def test_per_km2_without_a_boundary_gives_null(make_dataset, ingest, tmp_path, communes, steward):
    dataset = make_dataset("Écoles", slug="ecoles", access_level="public", publish=True)
    ingest(dataset, write(tmp_path, "e.csv", ["code;n", "34001;3", "34003;5"]))
    spec = {"dataset": "ecoles", "measure": {"kind": "sum", "column": "n"}, "reference_period": "2024",
            "territory": {"column": "code"}, "normalisation": {"kind": "per_km2"}}  # fmt: skip
    _d, _public, points = selectors.definition_preview(steward, spec)
    values = {p.territory_code: p.value for p in points}
    assert values["34003"] is None and values["34001"] == pytest.approx(
        3 / area_km2(communes[0].geometry)
    )


def test_spatial_join_refuses_a_text_longitude(points_dataset, communes, steward):
    spec = dict(SPATIAL, territory={"longitude": "nom", "latitude": "lat", "boundaries": "commune"})
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, spec)
    assert caught.value.where == "territory.longitude" and "nombres" in caught.value.message_fr


@pytest.fixture
def other_service(organization):
    return Service.objects.create(organization=organization, name="Éducation", slug="education")


@pytest.fixture
def pupils(make_dataset, ingest, tmp_path, other_service):
    """Pupils per commune, published by another service."""
    dataset = make_dataset("Élèves", slug="eleves", access_level="public", publish=True,
                           publisher_service=other_service)  # fmt: skip
    ingest(dataset, write(tmp_path, "eleves.csv", ["commune;eleves", "34001;400", "34002;0"]))
    return dataset


JOIN = {
    "dataset": "defibs",
    "measure": {"kind": "count"},
    "reference_period": "2024",
    "territory": {"longitude": "lon", "latitude": "lat", "boundaries": "commune"},
    "join": {"dataset": "eleves", "measure": {"kind": "sum", "column": "eleves"},
             "territory": {"column": "commune"}, "on": "territory", "combine": "ratio"},
}  # fmt: skip


def test_join_across_services_on_the_insee_code(points_dataset, pupils, communes, steward, service):
    indicator = services.indicator_create(actor=steward, title="DAE par élève", publisher_service=service,
                                          definition=JOIN, access_level="public")  # fmt: skip
    assert indicator.access_level == "public"  # both sources are public
    run = services.indicator_compute(actor=steward, indicator=indicator)
    assert run.status == "created", run.error
    assert set(run.source_versions) == {"defibs", "eleves"}
    rows = selectors.series_read(steward, indicator)
    # 4 / 400 in Aville; Béville has 0 pupils: null, not a crash.
    assert {r["code_territoire"]: r["valeur"] for r in rows} == {"34001": 0.01, "34002": None}
    version = DatasetVersion.objects.get(dataset=pupils, number=1)
    assert {r["source_jointe"] for r in rows} == {f"eleves v1 (#{version.pk})"}


def test_join_refusals_name_the_field(points_dataset, pupils, communes, steward):
    bad = {**JOIN, "join": {**JOIN["join"], "measure": {"kind": "sum", "column": "absente"}}}
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, bad)
    assert caught.value.where == "join.measure.column"
    bad = {
        **JOIN,
        "join": {**JOIN["join"], "territory": {"column": "eleves"}},
    }  # a number is fine as code
    selectors.definition_preview(steward, bad)
    bad = {**JOIN, "join": {**JOIN["join"], "on": "period_territory"}}
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, bad)
    assert caught.value.where == "join.period"


def test_join_needs_read_access_to_every_source(points_dataset, make_dataset, ingest, tmp_path,
                                                communes, citizen):  # fmt: skip
    hidden = make_dataset("Interne", slug="interne", access_level="internal")
    ingest(hidden, write(tmp_path, "i.csv", ["commune;n", "34001;4"]))
    spec = {
        **JOIN,
        "join": {**JOIN["join"], "dataset": "interne", "measure": {"kind": "sum", "column": "n"}},
    }
    with pytest.raises(NotFound) as caught:
        selectors.definition_preview(citizen, spec)
    assert caught.value.where == "join.dataset"


def test_indicator_over_an_internal_joined_source_is_internal(points_dataset, make_dataset, ingest,
                                                              tmp_path, communes, steward, service):  # fmt: skip
    hidden = make_dataset("Interne", slug="interne", access_level="internal")
    ingest(hidden, write(tmp_path, "i.csv", ["commune;n", "34001;4"]))
    spec = {
        **JOIN,
        "join": {**JOIN["join"], "dataset": "interne", "measure": {"kind": "sum", "column": "n"}},
    }
    indicator = services.indicator_create(actor=steward, title="Mixte", publisher_service=service,
                                          definition=spec, access_level="public")  # fmt: skip
    assert indicator.access_level == "internal"


@pytest.fixture
def beneficiaries(make_dataset, ingest, tmp_path):
    """Personal data: one row per beneficiary; Aville has 30, Béville 3, Céville 14."""
    rows = ["nom;commune;montant"]
    rows += [f"Personne A{i};34001;100" for i in range(30)]
    rows += [f"Personne B{i};34002;250" for i in range(3)]
    rows += [f"Personne C{i};34003;80" for i in range(14)]
    dataset = make_dataset("Bénéficiaires", slug="beneficiaires", access_level="personal")
    ingest(dataset, write(tmp_path, "b.csv", rows))
    return dataset


def test_public_indicator_on_personal_data_hides_small_cells(beneficiaries, communes, data_officer,
                                                            service, client):  # fmt: skip
    spec = {"dataset": "beneficiaires", "measure": {"kind": "count"}, "reference_period": "2024",
            "territory": {"column": "commune"}}  # fmt: skip
    indicator = services.indicator_create(actor=data_officer, title="Bénéficiaires par commune",
                                          publisher_service=service, definition=spec,
                                          access_level="public")  # fmt: skip
    assert indicator.access_level == "internal"
    run = services.indicator_compute(actor=data_officer, indicator=indicator)
    assert run.status == "created", run.error
    services.indicator_publish(actor=data_officer, indicator=indicator, reason="agrégat protégé")
    indicator.refresh_from_db()
    rows = selectors.series_read(None, indicator)  # as the public sees it
    values = {r["code_territoire"]: r["valeur"] for r in rows}
    # Béville (3 < 11) is hidden, and one more cell so that it cannot be recomputed.
    assert values["34002"] is None
    assert sum(v is None for v in values.values()) >= 2
    assert ["2024", "34002"] in indicator.disclosure["cells_hidden"]
    assert all(r["valeur_brute"] is None for r in rows if r["valeur"] is None)
    # No version of the series, and no page, shows a beneficiary's row or the small count.
    page = client.get(f"/indicateurs/{indicator.slug}/").content.decode()
    assert "Personne A1" not in page and "masquée" in page
    for version in DatasetVersion.objects.filter(dataset=indicator.series):
        assert version.row_count == 3
        for number in range(1, version.number + 1):
            old = selectors.series_read(data_officer, indicator, version=number)
            assert {r["code_territoire"]: r["valeur"] for r in old}["34002"] is None


def test_a_new_version_of_the_joined_source_recomputes(points_dataset, pupils, communes, steward,
                                                      service, ingest, tmp_path,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    indicator = services.indicator_create(actor=steward, title="DAE par élève", publisher_service=service,
                                          definition=JOIN)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    with django_capture_on_commit_callbacks(execute=True):
        ingest(pupils, write(tmp_path, "eleves2.csv", ["commune;eleves", "34001;200", "34002;100"]))
    rows = selectors.series_read(steward, indicator)
    assert {r["code_territoire"]: r["valeur"] for r in rows} == {"34001": 0.02, "34002": 0.02}
    assert indicator.runs.first().trigger == "version 2 de eleves"


@pytest.fixture
def meters(make_dataset, ingest, tmp_path, other_service):
    """The water service's meters (identifier → commune) and their readings, kept by another
    service, which name only the meter."""
    table = make_dataset("Compteurs", slug="compteurs", access_level="internal",
                         publisher_service=other_service)  # fmt: skip
    ingest(
        table,
        write(tmp_path, "compteurs.csv", ["id;code_insee", "C1;34001", "C2;34001", "C3;34002"]),
    )
    readings = make_dataset("Relevés", slug="releves", access_level="internal")
    ingest(readings, write(tmp_path, "releves.csv", [
        "compteur;date;m3", "C1;2024-01-05;10", "C1;2024-02-05;12", "C2;2024-01-07;5",
        "C3;2024-01-09;7", "C9;2024-01-09;1000",
    ]))  # fmt: skip
    return table, readings


BY_METER = {
    "dataset": "releves",
    "measure": {"kind": "sum", "column": "m3"},
    "period": {"column": "date", "truncate": "month"},
    "territory": {},
    "join": {"dataset": "compteurs", "on": "identifier", "key": "compteur", "joined_key": "id",
             "territory": {"column": "code_insee"}},
}  # fmt: skip


def test_join_on_an_identifier_places_rows_by_the_joined_table(meters, communes, steward, service):
    indicator = services.indicator_create(actor=steward, title="Eau par commune", publisher_service=service,
                                          definition=BY_METER)  # fmt: skip
    run = services.indicator_compute(actor=steward, indicator=indicator)
    assert run.status == "created", run.error
    rows = selectors.series_read(steward, indicator)
    # C9 is in no meter table: left out. C1 + C2 in Aville, C3 in Béville.
    assert {(r["periode"], r["code_territoire"]): r["valeur"] for r in rows} == {
        ("2024-01", "34001"): 15,
        ("2024-02", "34001"): 12,
        ("2024-01", "34002"): 7,
    }
    assert indicator.access_level == "internal"


def test_join_on_identifiers_of_different_types_is_refused(meters, make_dataset, ingest, tmp_path,
                                                           communes, steward):  # fmt: skip
    numbers = make_dataset("Compteurs numérotés", slug="compteurs-num", access_level="internal")
    ingest(numbers, write(tmp_path, "n.csv", ["id;code_insee", "1;34001", "2;34002"]))
    spec = {**BY_METER, "join": {**BY_METER["join"], "dataset": "compteurs-num"}}
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, spec)
    assert caught.value.where == "join.joined_key" and "même type" in caught.value.message_fr
    assert "same type" in caught.value.message_en


def test_an_identifier_in_two_territories_is_refused(meters, make_dataset, ingest, tmp_path,
                                                     communes, steward):  # fmt: skip
    twice = make_dataset("Compteurs en double", slug="compteurs-double", access_level="internal")
    ingest(twice, write(tmp_path, "d.csv", ["id;code_insee", "C1;34001", "C1;34002"]))
    spec = {**BY_METER, "join": {**BY_METER["join"], "dataset": "compteurs-double"}}
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, spec)
    assert caught.value.where == "join.joined_key" and "C1" in caught.value.message_fr


def test_identifier_join_takes_no_territory_of_its_own(steward):
    spec = {**BY_METER, "territory": {"column": "compteur"}}
    with pytest.raises(ValidationFailed) as caught:
        selectors.definition_preview(steward, spec)
    assert caught.value.where == "territory"


def test_a_protected_joined_source_has_its_small_cells_hidden(points_dataset, beneficiaries, communes,
                                                              data_officer, service):  # fmt: skip
    spec = {**JOIN, "join": {"dataset": "beneficiaires", "measure": {"kind": "count"},
                             "territory": {"column": "commune"}, "on": "territory"}}  # fmt: skip
    indicator = services.indicator_create(actor=data_officer, title="DAE par bénéficiaire",
                                          publisher_service=service, definition=spec)  # fmt: skip
    run = services.indicator_compute(actor=data_officer, indicator=indicator)
    assert run.status == "created", run.error
    values = {
        r["code_territoire"]: r["valeur"] for r in selectors.series_read(data_officer, indicator)
    }
    # Béville: 2 defibrillators / 3 beneficiaries would tell that 3 people get help there.
    assert values["34002"] is None
    assert ["2024", "34002"] in run.disclosure["cells_hidden"]


def test_a_joined_source_that_breaks_the_definition_marks_it_in_error(
    points_dataset,
    pupils,
    communes,
    steward,
    service,
    ingest,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    indicator = services.indicator_create(actor=steward, title="DAE par élève", publisher_service=service,
                                          definition=JOIN)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    with django_capture_on_commit_callbacks(execute=True):
        ingest(pupils, write(tmp_path, "renamed.csv", ["code_commune;eleves", "34001;200"]))
    indicator.refresh_from_db()
    assert indicator.state == "error" and indicator.error["where"] == "join.territory.column"
    rows = selectors.series_read(steward, indicator)  # the last good series keeps serving
    assert {r["code_territoire"]: r["valeur"] for r in rows} == {"34001": 0.01, "34002": None}
