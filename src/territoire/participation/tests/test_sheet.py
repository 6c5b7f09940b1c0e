"""The transparency sheet names the registers' entries, datasets and indicators of a project —
only those the reader may see (a draft entry or a private dataset is not named to the public)."""

import pytest

from territoire.core.errors import ValidationFailed
from territoire.indicators import services as indicator_services
from territoire.lake import services as lake_services
from territoire.participation import services

pytest_plugins = ["territoire.registers.tests.fixtures"]


def test_sheet_shows_published_register_entries_and_visible_datasets(
    client, project, data_officer, make_algorithm, make_processing, make_dataset
):
    algorithm = make_algorithm(name="Priorisation des lieux", slug="priorisation-lieux")
    draft = make_algorithm(name="Score interne", slug="score-interne", publish=False)
    processing = make_processing(name="Signalements de pannes", slug="signalements-pannes")
    public = make_dataset("Défibrillateurs", publish=True)
    private = make_dataset("Registre des interventions", access_level="internal")
    services.project_set_links(actor=data_officer, project=project, algorithms=[algorithm, draft],
                               processing_activities=[processing], datasets=[public, private])  # fmt: skip
    page = client.get(f"/projets/{project.slug}/").content.decode()
    assert f'href="/registres/algorithmes/{algorithm.slug}/"' in page
    assert f'href="/registres/traitements/{processing.slug}/"' in page
    assert f'href="/jeux-de-donnees/{public.slug}/"' in page
    assert "Score interne" not in page and "Registre des interventions" not in page
    api = client.get(f"/api/v1/participation/projects/{project.slug}").json()
    assert [a["reference"] for a in api["algorithms"]] == [algorithm.slug]
    client.force_login(data_officer)
    assert "Score interne" in client.get(f"/projets/{project.slug}/").content.decode()


@pytest.mark.parametrize("value", [-1, 101, "50"])
def test_progress_is_a_whole_percentage(project, agent, value):
    with pytest.raises(ValidationFailed, match="0 à 100"):
        services.project_update(actor=agent, project=project, progress=value)
    project.refresh_from_db()
    assert project.progress == 0


def test_new_values_of_a_linked_indicator_go_on_the_timeline(
    client, project, data_officer, make_dataset, shared_data, django_capture_on_commit_callbacks
):
    delibs = shared_data / "city" / "montpellier-deliberations" / "VilleMTP_MTP_Delibs.csv"
    source = make_dataset("Délibérations", slug="deliberations", access_level="internal")
    lake_services.dataset_ingest(actor=data_officer, dataset=source, source=delibs,
                                 original_name=delibs.name)  # fmt: skip
    indicator = indicator_services.indicator_create(
        actor=data_officer, title="Délibérations par mois", publisher_service=project.service,
        definition={"dataset": "deliberations", "measure": {"kind": "count"},
                    "period": {"column": "date_cm", "truncate": "month"},
                    "territory": {"code": "34172"}},
    )  # fmt: skip
    services.project_set_links(actor=data_officer, project=project, indicators=[indicator])
    assert project.timeline.filter(text__startswith="Indicateur suivi").exists()
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.indicator_compute(actor=data_officer, indicator=indicator)
    assert project.timeline.filter(text__contains="Nouvelles valeurs").count() == 1
    indicator_services.indicator_publish(actor=data_officer, indicator=indicator, reason="test")
    page = client.get(f"/projets/{project.slug}/").content.decode()
    assert "Indicateurs suivis" in page and 'class="progress-' in page
