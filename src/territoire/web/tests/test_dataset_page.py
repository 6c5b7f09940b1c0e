"""The dataset page on real Montpellier files: table (sort, filters, pages), map, chart, columns,
downloads, API examples, history, Markdown, access and the visit counter."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from territoire.core import ratelimit
from territoire.lake import selectors as lake_selectors
from territoire.trust.models import AuditEvent
from territoire.web.models import DatasetDailyViews

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def _page(client, dataset, query: str = "", **headers) -> str:
    response = client.get(f"/jeux-de-donnees/{dataset.slug}/{query}", **headers)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> list[list[str]]:
    body = html.split('<table class="data-table records">', 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).replace("—vide", "") for c in cells])
    return rows


def _caption(html: str) -> str:
    return re.sub(
        r"<[^>]+>",
        "",
        re.search(r'<caption id="tableau-legende">(.*?)</caption>', html, re.S).group(1),
    )


def test_table_preview_first_page_with_caption_and_pages(client, defibrillators):
    html = _page(client, defibrillators)
    rows = _rows(html)
    assert len(rows) == 20
    assert rows[0][1] == "Maison de la Prévention Santé"
    assert _caption(html).startswith("Enregistrements 1 à 20 sur 167")
    assert 'href="?page=2#tableau"' in html and 'href="?page=9#tableau"' in html
    # dBase type suffixes are dropped from headers
    assert ">Nom<span" in html and "Nom,C,254" not in html.split("<thead>")[1].split("</thead>")[0]
    page9 = _page(client, defibrillators, "?page=9")
    assert len(_rows(page9)) == 7 and _caption(page9).startswith("Enregistrements 161 à 167")


def test_sorting_links_and_aria_sort(client, budget):
    html = _page(client, budget, "?tri=-bp")
    amounts = [r[5] for r in _rows(html)]
    assert amounts[0] == "181\u202f117\u202f300,00"  # the largest credit, French number format
    assert 'aria-sort="descending"' in html
    assert "triés par BP, décroissant" in html
    # the header link now sorts the other way
    assert 'href="?tri=bp#tableau"' in html


def test_filters_compile_to_odsql_and_combine(client, budget):
    html = _page(client, budget, "?f-libelle_fonction=ecoles&min-bp=1000000")
    rows = _rows(html)
    assert rows and all("ECOLE" in r[6] for r in rows)
    assert "Filtres appliqués" in html and "1 filtre actif" not in html
    exact = _page(client, budget, "?f-i_f=I&mode-i_f=egal&tri=bp")
    assert {r[1] for r in _rows(exact)} == {"I"}
    # range on the amount, both bounds
    ranged = _page(client, budget, "?min-bp=100&max-bp=200")
    values = [float(r[5].replace("\u202f", "").replace(",", ".")) for r in _rows(ranged)]
    assert values and all(100 <= v <= 200 for v in values)


def test_a_value_that_is_not_a_number_is_said_not_run(client, budget):
    html = _page(client, budget, "?min-bp=beaucoup")
    assert "« beaucoup » n&#x27;est pas un nombre." in html
    assert 'aria-invalid="true"' in html
    assert _caption(html).startswith("Enregistrements 1 à 20 sur 1")


def test_a_date_that_does_not_exist_is_said_not_run(
    client, make_dataset, ingest, data_officer, shared_data
):
    deliberations = make_dataset("Délibérations du conseil municipal")
    ingest(deliberations, shared_data / "city/montpellier-deliberations/VilleMTP_MTP_Delibs.csv")
    client.force_login(data_officer)  # not published: its elected officials' names are personal
    html = _page(client, deliberations, "?min-date_cm=2013-13-45&max-date_cm=2014")
    assert "« 2013-13-45 » n&#x27;est pas une date (AAAA-MM-JJ)." in html
    assert '<p class="form-errors" role="alert">' not in html  # the table itself ran
    assert _caption(html).startswith("Enregistrements 1 à 20 sur ")
    kept = _page(client, deliberations, "?min-date_cm=2013-11-25&max-date_cm=2013-11")
    assert "n&#x27;est pas une date" not in kept and _rows(kept)


@pytest.mark.parametrize(
    "value",
    [
        '" or 1=1 --',
        'x") or (true',
        "'; DROP TABLE catalog_dataset; --",
        '\\" or \\"',
        "`bp` > 0",
    ],
)
def test_hostile_filter_values_stay_literal_text(client, budget, value):
    from territoire.catalog.models import Dataset

    response = client.get(
        f"/jeux-de-donnees/{budget.slug}/",
        {"f-libelle_fonction": value, "mode-libelle_fonction": "egal"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aucun enregistrement ne correspond aux filtres." in html
    assert Dataset.objects.filter(pk=budget.pk).exists()


def test_unknown_columns_in_parameters_are_ignored(client, budget):
    html = _page(client, budget, "?tri=nope&f-nope=1&min-nope=2")
    assert _caption(html).startswith("Enregistrements 1 à 20 sur 1")
    assert "aria-sort" not in html


def test_map_of_positions_clustered_with_a_table_alternative(client, defibrillators):
    html = _page(client, defibrillators)
    svg = html.split('<figure class="territory-map feature-map">', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "167 positions" in svg
    counts = [int(n) for n in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
    singles = svg.count('<g class="marker">')
    assert sum(counts) + singles == 167 and counts  # clustered, nothing lost
    assert '<path d="M' in svg  # Montpellier's boundary under the points
    alternative = html.split('<details class="alternative">', 1)[1].split("</details>", 1)[0]
    assert "<td>Montpellier</td>" in alternative
    # the map follows the table's filters
    filtered = _page(client, defibrillators, "?f-nom=piscine")
    assert "La carte suit les filtres du tableau." in filtered
    # its latitude/longitude pair also makes a GeoJSON download
    assert f"/catalog/datasets/{defibrillators.slug}/exports/geojson" in html


def test_chart_builder_sums_by_group_with_a_data_table(client, budget):
    html = _page(client, budget, "?graphe-groupe=d_r&graphe-calcul=count")
    chart = html.split('<figure class="chart">', 1)[1]
    assert "Nombre de lignes par D_R" in chart
    table = chart.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = dict(re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', table))
    assert set(cells) == {"D", "R"}
    total = sum(int(v.replace("\u202f", "").replace("\xa0", "")) for v in cells.values())
    assert total == 1448
    summed = _page(client, budget, "?graphe-groupe=i_f&graphe-calcul=sum&graphe-mesure=bp")
    assert "Somme — BP par I_F" in summed and "<rect " in summed
    # the default chart of the budget adds up the amounts (by I_F: « Libellé fonction » has 43
    # values, counted exactly since issue 11, over the 40 a readable default chart shows)
    assert "Somme — BP par I_F" in _page(client, budget)


def test_columns_downloads_api_examples_and_history(client, budget, settings):
    html = _page(client, budget)
    columns = html.split('id="colonnes"', 1)[1].split("</section>", 1)[0]
    assert "<code>bp</code>" in columns and "nombre décimal" in columns and "148" in columns
    downloads = html.split('id="telechargements"', 1)[1].split("</section>", 1)[0]
    for fmt in ("csv", "json", "xlsx", "parquet"):
        assert f"/api/explore/v2.1/catalog/datasets/{budget.slug}/exports/{fmt}" in downloads
    assert "exports/geojson" not in downloads  # no position in a budget
    assert f"/api/v1/datasets/{budget.slug}/versions/1/parquet" in downloads
    assert "VilleMTP_MTP_BudgetPri_2014.csv" in downloads and "Kio" in downloads
    api = html.split('id="api"', 1)[1].split("</section>", 1)[0]
    assert "curl &quot;" in api and "import requests" in api
    assert "datastore_search(resource_id=&#x27;budget-primitif-2014&#x27;" in api
    assert "group_by=" in api
    history = html.split('id="historique"', 1)[1].split("</section>", 1)[0]
    assert "Premier chargement (VilleMTP_MTP_BudgetPri_2014.csv)" in history


def test_examples_use_the_origin_the_page_was_reached_at(client, budget, settings):
    """Served on another name and port than TERRITOIRE_BASE_URL, the copied curl still works."""
    settings.TERRITOIRE_BASE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["portail.example.fr"]
    html = _page(client, budget, HTTP_HOST="portail.example.fr:8443")
    api = html.split('id="api"', 1)[1].split("</section>", 1)[0]
    records = (
        f"http://portail.example.fr:8443/api/explore/v2.1/catalog/datasets/{budget.slug}/records"
    )
    assert f"curl &quot;{records}?limit=20&quot;" in api
    assert f"url = &quot;{records}&quot;" in api
    assert "RemoteCKAN(&quot;http://portail.example.fr:8443&quot;)" in api
    assert "127.0.0.1:8000" not in api
    secure = _page(client, budget, HTTP_HOST="portail.example.fr", secure=True)
    assert "https://portail.example.fr/api/explore/v2.1/" in secure
    # a Host that ALLOWED_HOSTS does not list never reaches the examples
    response = client.get(f"/jeux-de-donnees/{budget.slug}/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert b"evil.example.com" not in response.content


def _download_links(html: str) -> dict[str, str]:
    """{link text: href} of the downloads section (thousands separators read as plain spaces)."""
    section = html.split('id="telechargements"', 1)[1].split("</section>", 1)[0]
    return {
        re.sub(r"\s+", " ", html_lib.unescape(text)).strip(): href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', section, re.S)
    }


def _csv_rows(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    return len(lines) - 1  # the header


def test_downloads_offer_the_filtered_rows_and_the_whole_dataset_each_counted(client, budget):
    whole = lake_selectors.dataset_current_version(budget).row_count
    html = _page(client, budget, "?min-bp=1000000&tri=-bp")
    total = int(re.search(r"sur (\d+)", _caption(html)).group(1))
    links = _download_links(html)
    assert 0 < total < whole
    filtered_csv = links[f"Télécharger les {total} lignes filtrées en CSV"]
    assert "where=" in filtered_csv and "order_by=" in filtered_csv
    assert _csv_rows(client, filtered_csv) == total
    whole_csv = links[f"Télécharger tout le jeu ({whole:,} lignes) en CSV".replace(",", " ")]
    assert "?" not in whole_csv
    assert _csv_rows(client, whole_csv) == whole
    for fmt in ("JSON", "Excel (XLSX)"):
        assert f"Télécharger les {total} lignes filtrées en {fmt}" in links
    assert "taille selon les filtres" not in html
    assert "donnent toutes les lignes" not in html

    # without a filter only the whole dataset is offered, counted
    plain = _download_links(_page(client, budget))
    assert not [k for k in plain if "filtrée" in k]
    assert f"Télécharger tout le jeu ({whole:,} lignes) en CSV".replace(",", " ") in plain
    # a filter that matches nothing offers no empty file; a filter in error offers none either
    assert not [k for k in _download_links(_page(client, budget, "?min-bp=1e15")) if "filtrée" in k]
    errored = _download_links(_page(client, budget, "?min-bp=beaucoup"))
    assert not [k for k in errored if "filtrée" in k]


def test_examples_carry_the_table_filter(client, budget):
    html = _page(client, budget, "?min-bp=1000000")
    assert "where=%60bp%60+%3E%3D+1000000" in html


def test_a_second_version_says_what_changed(client, defibrillators, ingest, tmp_path, defib_csv):
    lines = defib_csv.read_bytes().splitlines(keepends=True)
    smaller = tmp_path / "defib-v2.csv"
    smaller.write_bytes(b"".join(lines[:-10]))
    ingest(defibrillators, smaller)
    html = _page(client, defibrillators)
    history = html.split('id="historique"', 1)[1].split("</section>", 1)[0]
    assert "(servie)" in history and "(-10)" in history
    assert "mêmes colonnes" in history
    assert _caption(html).startswith("Enregistrements 1 à 20 sur 157")


def test_original_file_is_downloadable(client, budget, budget_csv):
    response = client.get(f"/jeux-de-donnees/{budget.slug}/fichier-d-origine/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == budget_csv.read_bytes()
    assert "VilleMTP_MTP_BudgetPri_2014.csv" in response["Content-Disposition"]


def test_description_markdown_is_rendered_and_sanitised(client, make_dataset):
    dataset = make_dataset(
        "Jeu piégé",
        publish=True,
        description=(
            "# Titre\n\n**gras** et [lien](https://example.fr) "
            '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
            "[js](javascript:alert(3))"
        ),
    )
    html = _page(client, dataset)
    prose = html.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert "<h3>Titre</h3>" in prose and "<strong>gras</strong>" in prose
    assert '<a href="https://example.fr" rel="noopener noreferrer nofollow">lien</a>' in prose
    assert "<script" not in prose and "onerror" not in prose and "javascript:" not in prose
    assert "<img" not in prose


def test_dataset_without_data_still_has_its_page(client, make_dataset):
    dataset = make_dataset("Inventaire seul", publish=True)
    html = _page(client, dataset)
    assert "aucune donnée chargée" in html and "tableau-legende" not in html


def test_non_public_dataset_is_not_found_for_outsiders_and_audited_for_agents(
    client, make_dataset, ingest, defib_csv, agent, citizen
):
    dataset = make_dataset("Défibrillateurs internes", access_level="internal")
    ingest(dataset, defib_csv)
    before = AuditEvent.objects.filter(action="read").count()
    for who in (None, citizen):
        if who:
            client.force_login(who)
        page = client.get(f"/jeux-de-donnees/{dataset.slug}/")
        if who is None:
            assert page.status_code == 404
        else:  # a signed-in person learns that it exists and may ask for it (docs/access.md)
            assert page.status_code == 302
            assert page["Location"] == f"/jeux-de-donnees/{dataset.slug}/demande-d-acces/"
        assert client.get(f"/jeux-de-donnees/{dataset.slug}/fichier-d-origine/").status_code == 404
    assert AuditEvent.objects.filter(action="read").count() == before
    client.force_login(agent)
    html = _page(client, dataset)
    assert "badge-internal" in html, html[:3000]
    assert "jeton d'API" in html
    assert AuditEvent.objects.filter(action="read", actor=agent).count() == 1


def test_visits_are_counted_per_day_without_personal_data(client, defibrillators):
    _page(client, defibrillators, **BROWSER_UA)
    _page(client, defibrillators, **BROWSER_UA)
    _page(client, defibrillators, "?page=2", **BROWSER_UA)  # using the table is not a visit
    _page(client, defibrillators, HTTP_USER_AGENT="Googlebot/2.1")
    counter = DatasetDailyViews.objects.get(dataset=defibrillators)
    assert counter.count == 2
    assert {f.name for f in DatasetDailyViews._meta.get_fields()} == {
        "id",
        "dataset",
        "day",
        "count",
    }


def test_dataset_page_query_count_is_bounded(
    client, defibrillators, django_assert_max_num_queries, monkeypatch
):
    # The rate limit's counters are purged every PURGE_EVERY hits of the process (one DELETE):
    # whether this request is the one depends on the tests before; not this page's cost.
    monkeypatch.setattr(ratelimit, "PURGE_EVERY", 10**9)
    _page(client, defibrillators)
    with django_assert_max_num_queries(16):
        _page(client, defibrillators, **BROWSER_UA)
