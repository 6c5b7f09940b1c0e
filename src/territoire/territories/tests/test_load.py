"""Loading territories from the shipped COG 2026 files."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from territoire.core.errors import NotFound, SourceFileError
from territoire.territories import reference
from territoire.territories.models import EpciMembership, Territory
from territoire.territories.services import territories_load


@pytest.mark.django_db
def test_epci_load_brings_its_31_communes_with_population_and_boundaries():
    report = territories_load(epci_siren="243400017")
    epci = Territory.objects.get(kind="epci", code="243400017")
    assert epci.name == "Montpellier Méditerranée Métropole"
    assert epci.epci_type == "METRO"
    communes = list(epci.members.order_by("name"))
    assert len(communes) == 31 == report.communes
    montpellier = Territory.objects.get(kind="commune", code="34172")
    assert montpellier in communes
    assert montpellier.population > 290_000
    assert montpellier.siren == "213401722"
    assert montpellier.parent.code == "34" and montpellier.parent.parent.code == "76"
    # every commune of the metropole has a boundary from communes-34-herault.geojson
    assert all(c.geometry and c.geometry["type"] in {"Polygon", "MultiPolygon"} for c in communes)
    assert report.communes_without_boundary == []
    assert epci.geometry["type"] == "MultiPolygon"
    assert Territory.objects.get(kind="departement", code="34").geometry is not None
    assert epci.population == sum(c.population for c in communes)


@pytest.mark.django_db
def test_load_is_idempotent():
    territories_load(epci_siren="243400017")
    first = Territory.objects.count(), EpciMembership.objects.count()
    territories_load(epci_siren="243400017")
    assert (Territory.objects.count(), EpciMembership.objects.count()) == first


@pytest.mark.django_db
def test_all_of_france_loads_every_commune_and_rebuilds_communes_nouvelles():
    report = territories_load()
    assert Territory.objects.filter(kind="commune").count() == 34_969
    total = Territory.objects.filter(
        kind__in=["commune", "commune_deleguee", "commune_associee", "arrondissement_municipal"]
    ).count()
    assert total == 37_590
    assert Territory.objects.filter(kind="epci").count() == 1_255
    assert EpciMembership.objects.count() == report.memberships > 34_000
    # Communes nouvelles created after 2018 get the union of their former communes' shapes.
    assert report.boundaries_merged > 0
    merged = Territory.objects.filter(
        kind="commune", departement_code__in=["35", "44", "33"], geometry__type="MultiPolygon"
    )
    assert merged.exists()
    # Paris arrondissements hang under Paris
    assert (
        Territory.objects.get(kind="arrondissement_municipal", code="75101").parent.code == "75056"
    )


@pytest.mark.django_db
def test_unknown_epci_is_a_clear_error_and_loads_nothing():
    with pytest.raises(NotFound) as excinfo:
        territories_load(epci_siren="999999999")
    assert "999999999" in excinfo.value.message_fr
    assert Territory.objects.count() == 0


def _copy_reference(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(reference.DATA_DIR, target)
    return target


@pytest.mark.django_db
def test_truncated_file_names_the_file_and_leaves_database_unchanged(tmp_path):
    territories_load(epci_siren="243400017")
    before = Territory.objects.count()
    data = _copy_reference(tmp_path)
    raw = (data / "epci.json.gz").read_bytes()
    (data / "epci.json.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(SourceFileError) as excinfo:
        territories_load(epci_siren="243400017", data_dir=data)
    assert "epci.json.gz" in excinfo.value.message_fr
    assert "tronqué" in excinfo.value.message_fr
    assert Territory.objects.count() == before


@pytest.mark.django_db
def test_invalid_json_reports_line_and_changes_nothing(tmp_path):
    data = _copy_reference(tmp_path)
    text = (data / "regions.json").read_text()
    lines = text.splitlines() or [text]
    broken = text[: len(text) // 2]  # cut in the middle: invalid JSON
    (data / "regions.json").write_text(broken)
    with pytest.raises(SourceFileError) as excinfo:
        territories_load(epci_siren="243400017", data_dir=data)
    assert "regions.json" in excinfo.value.message_fr
    assert "ligne" in excinfo.value.message_fr
    assert excinfo.value.where.startswith(str(data / "regions.json"))
    assert len(lines) >= 1
    assert Territory.objects.count() == 0


@pytest.mark.django_db
def test_unexpected_format_names_the_first_offending_entry(tmp_path):
    data = _copy_reference(tmp_path)
    communes = json.loads(gzip.decompress((data / "communes.json.gz").read_bytes()))
    del communes[3]["nom"]
    (data / "communes.json.gz").write_bytes(gzip.compress(json.dumps(communes).encode()))
    with pytest.raises(SourceFileError) as excinfo:
        territories_load(data_dir=data)
    assert "communes.json.gz" in excinfo.value.message_fr
    assert "entrée n° 4" in excinfo.value.message_fr
    assert "nom" in excinfo.value.message_fr
    assert Territory.objects.count() == 0


@pytest.mark.django_db
def test_missing_file_is_named(tmp_path):
    data = _copy_reference(tmp_path)
    (data / "departements.json").unlink()
    with pytest.raises(SourceFileError) as excinfo:
        territories_load(epci_siren="243400017", data_dir=data)
    assert "departements.json" in excinfo.value.message_fr
    assert Territory.objects.count() == 0


@pytest.mark.django_db
def test_boundary_codes_without_a_2026_commune_are_reported_not_fatal(tmp_path):
    data = _copy_reference(tmp_path)
    path = data / "geojson" / "communes-34-herault.geojson.gz"
    collection = json.loads(gzip.decompress(path.read_bytes()))
    ghost = json.loads(json.dumps(collection["features"][0]))
    ghost["properties"] = {"code": "34999", "nom": "Commune fantôme"}
    collection["features"].append(ghost)
    path.write_bytes(gzip.compress(json.dumps(collection).encode()))
    report = territories_load(epci_siren="243400017", data_dir=data)
    assert report.unmatched_boundary_codes == ["34999"]
    assert Territory.objects.filter(kind="commune").count() == 31
