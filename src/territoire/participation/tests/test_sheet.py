"""The transparency sheet names the registers' entries, datasets and indicators of a project —
only those the reader may see (a draft entry or a private dataset is not named to the public)."""

import pytest

from territoire.core.errors import ValidationFailed
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
