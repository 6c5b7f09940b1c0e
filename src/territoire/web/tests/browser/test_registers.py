"""The registers' pages in a real browser: axe-core finds nothing on the public pages (French and
English) nor on the workspace's forms, with and without errors, and the pages read without
JavaScript."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytest_plugins = ["territoire.registers.tests.fixtures"]
pytestmark = BROWSER_TEST


@pytest.fixture
def entries(portal, make_processing, make_algorithm):
    canteen = make_processing(datasets=[portal.budget])
    creche = make_algorithm(processing_activities=[canteen])
    return canteen, creche


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_registers_have_no_axe_violations(open_tab, entries, lang):
    canteen, creche = entries
    paths = [
        "/registres/",
        "/registres/traitements/",
        f"/registres/traitements/{canteen.slug}/",
        "/registres/algorithmes/",
        f"/registres/algorithmes/{creche.slug}/",
    ]
    reader = open_tab(lang, javascript=False)
    for path in paths:  # readable without JavaScript
        reader.goto(path)
        assert reader.page.locator("main h1").count() == 1, path
    tab = open_tab(lang)
    found = {}
    for path in paths:
        tab.goto(path)
        found[path] = tab.axe()
    tab.screenshot(f"registers-algorithm-{lang}")
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_workspace_forms_have_no_axe_violations(open_tab, portal, entries):
    canteen, creche = entries
    tab = open_tab("fr")
    tab.login(portal.data_officer.username)
    found = {}
    for path in (
        "/espace/registres/",
        "/espace/registres/traitements/nouveau/",
        f"/espace/registres/traitements/{canteen.slug}/",
        f"/espace/registres/algorithmes/{creche.slug}/",
    ):
        tab.goto(path)
        found[path] = tab.axe()
    tab.goto("/espace/registres/traitements/nouveau/")
    tab.page.locator("#id_transfers").fill("Cloud ; États-Unis")
    tab.submit()
    assert tab.page.locator("[aria-invalid=true]").count() >= 2
    tab.screenshot("registers-processing-errors")
    found["new processing, errors"] = tab.axe()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
