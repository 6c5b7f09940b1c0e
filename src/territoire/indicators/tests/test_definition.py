"""The definition is checked before it is saved: every refusal names the field, in French and
English, and nothing is written."""

from __future__ import annotations

import copy

import pytest

from territoire.core.errors import NotFound, ValidationFailed
from territoire.indicators import services
from territoire.indicators.definition import definition_parse
from territoire.indicators.models import Indicator, IndicatorDefinition
from territoire.indicators.selectors import series_read
from territoire.trust.models import AuditEvent

from .conftest import DELIB_COUNT, DELIBS, PLACES, read_csv


def _with(base, path, value):
    data = copy.deepcopy(base)
    target = data
    *parents, last = path
    for key in parents:
        target = target[key]
    target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "where", "fr", "en"),
    [
        (
            _with(DELIB_COUNT, ["measure", "kind"], "mode"),
            "measure.kind",
            "« mode » n'est pas permis",
            "'mode' is not allowed",
        ),
        (
            _with(DELIB_COUNT, ["measure"], {"kind": "sum"}),
            "measure.column",
            "obligatoire",
            "required",
        ),
        (
            _with(DELIB_COUNT, ["period", "truncate"], "week"),
            "period.truncate",
            "n'est pas permis",
            "not allowed",
        ),
        (
            _with(DELIB_COUNT, ["territory"], {}),
            "territory",
            "colonne de codes INSEE",
            "INSEE code column",
        ),
        (
            _with(DELIB_COUNT, ["normalisation"], {"kind": "index_100"}),
            "normalisation.base_period",
            "période de base",
            "base period",
        ),
        (
            _with(DELIB_COUNT, ["filters"], [{"column": "etat", "op": "~"}]),
            "filters[0].op",
            "n'est pas permis",
            "not allowed",
        ),
        (
            _with(DELIB_COUNT, ["sql"], "select 1"),
            "definition",
            "clé(s) inconnue(s) : sql",
            "unknown key(s): sql",
        ),
        (_with(PLACES, ["reference_period"], "24"), "reference_period", "2024-T1", "2024-T1"),
    ],
)
def test_shape_refusals_name_the_field(data, where, fr, en):
    with pytest.raises(ValidationFailed) as caught:
        definition_parse(data)
    assert caught.value.where == where
    assert fr in caught.value.message_fr and en in caught.value.message_en
    assert f"« {where} »" in caught.value.message_fr and f"'{where}'" in caught.value.message_en


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "where", "fr"),
    [
        (_with(DELIB_COUNT, ["measure"], {"kind": "sum", "column": "montant"}), "measure.column",
         "la colonne « montant » n'existe pas dans « deliberations »"),
        (_with(DELIB_COUNT, ["measure"], {"kind": "mean", "column": "titre"}), "measure.column",
         "la colonne « titre » est de type text : il faut des nombres"),
        (_with(DELIB_COUNT, ["period", "column"], "direction"), "period.column", "il faut des dates"),
        (_with(DELIB_COUNT, ["filters"], [{"column": "etta", "op": "=", "value": "x"}]), "filters[0].column",
         "la colonne « etta » n'existe pas"),
    ],
)  # fmt: skip
def test_column_refusals_before_saving(delibs, steward, service, data, where, fr):
    with pytest.raises(ValidationFailed) as caught:
        services.indicator_create(
            actor=steward, title="Délibérations", publisher_service=service, definition=data
        )
    assert caught.value.where == where and fr in caught.value.message_fr
    assert caught.value.message_en.startswith(f"Definition, field '{where}'")
    assert not Indicator.objects.exists() and not IndicatorDefinition.objects.exists()
    assert not AuditEvent.objects.filter(object_type__contains="indicator").exists()


@pytest.mark.django_db
def test_too_many_groups_refused(parkings, steward, service, settings):
    settings.TERRITOIRE_INDICATOR_MAX_GROUPS = 3  # the parkings lie in more than 3 communes
    with pytest.raises(ValidationFailed) as caught:
        services.indicator_create(
            actor=steward, title="Places", publisher_service=service, definition=PLACES
        )
    assert "plus de 3 groupes" in caught.value.message_fr
    assert "more than 3 groups" in caught.value.message_en
    assert not Indicator.objects.exists()


@pytest.mark.django_db
def test_a_source_the_actor_may_not_see_is_not_found(delibs, citizen, service, data_officer):
    # A citizen may not create indicators at all; an agent of another service is refused by the
    # edit rule before the source is even looked at.
    from territoire.core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        services.indicator_create(
            actor=citizen, title="X", publisher_service=service, definition=DELIB_COUNT
        )
    with pytest.raises(NotFound):
        services.indicator_create(
            actor=data_officer, title="X", publisher_service=service,
            definition=_with(DELIB_COUNT, ["dataset"], "nexiste-pas"),
        )  # fmt: skip
    assert not Indicator.objects.exists()


def test_day_periods_are_refused_with_a_spatial_join():
    spatial = {"dataset": "defibs", "measure": {"kind": "count"},
               "period": {"column": "date", "truncate": "day"},
               "territory": {"longitude": "lon", "latitude": "lat", "boundaries": "commune"}}  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        definition_parse(spatial)
    assert caught.value.where == "period.truncate" and "par jour" in caught.value.message_fr
    assert "by day" in caught.value.message_en
    by_day = definition_parse(_with(DELIB_COUNT, ["period", "truncate"], "day"))
    assert by_day.period.truncate == "day"


@pytest.mark.django_db
def test_a_series_by_day(delibs, data_officer, service):
    indicator = services.indicator_create(
        actor=data_officer, title="Délibérations par jour de conseil", publisher_service=service,
        definition=_with(DELIB_COUNT, ["period", "truncate"], "day"),
    )  # fmt: skip
    services.indicator_compute(actor=data_officer, indicator=indicator)
    rows = series_read(data_officer, indicator)
    days = {r["periode"]: float(r["valeur"]) for r in rows}
    # the council's sittings, counted from the file with the csv module
    expected: dict[str, int] = {}
    for row in read_csv(DELIBS, "utf-8"):
        day = f"{row['Date CM'][6:10]}-{row['Date CM'][3:5]}-{row['Date CM'][0:2]}"
        expected[day] = expected.get(day, 0) + 1
    assert days == {d: float(n) for d, n in expected.items()}
