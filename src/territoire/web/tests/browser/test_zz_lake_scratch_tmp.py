import pytest
from .conftest import BROWSER_TEST, PASSWORD, format_violations
pytestmark = BROWSER_TEST

@pytest.mark.parametrize("lang", ["fr"])
def test_lake_pages_axe(open_tab, portal, steward, data_officer, settings, tmp_path, lang):
    from pathlib import Path
    from territoire.lake import services
    from territoire.lake.models import IngestJob
    settings.TERRITOIRE_HOME = tmp_path
    city = Path("/work/shared/data/city")
    d = portal.defibrillators
    services.dataset_ingest(actor=data_officer, dataset=d, source=city/"rennes-velo-star-stations/etat-des-stations-le-velo-star-en-temps-reel.csv")
    services.dataset_ingest(actor=data_officer, dataset=d, source=city/"montpellier-defibrillateurs/VilleMTP_MTP_Defibrillateurs.csv") 
    services.dataset_lake_update(actor=data_officer, dataset=d, key_column="id")
    b = portal.budget
    folder = Path("/work/shared/data/schemas/comptage-mobilites-channel")
    services.dataset_ingest(actor=data_officer, dataset=b, source=folder/"exemple-invalide.csv", schema_ref="comptage-mobilites-channel")
    job = IngestJob.objects.create(dataset=d, created_by=data_officer, status="running", progress=40, stage="Validation")
    tab = open_tab(lang)
    tab.goto("/connexion/")
    tab.page.locator("#id_username").fill("officer")
    tab.page.locator("#id_password").fill(PASSWORD)
    tab.submit()
    found = {}
    for path in ["/espace/", f"/espace/jeux-de-donnees/{d.slug}/", f"/espace/jeux-de-donnees/{d.slug}/versions/1/",
                 f"/espace/jeux-de-donnees/{d.slug}/comparer/", f"/espace/taches/{job.pk}/", f"/espace/jeux-de-donnees/{b.slug}/"]:
        tab.goto(path)
        found[path] = tab.axe()
        assert not tab.csp_violations(), tab.csp_violations()
        tab.screenshot("lake" + path.replace("/", "-"))
    assert not any(found.values()), format_violations(found)
