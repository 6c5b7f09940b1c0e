"""Hot versions (territoire.records.hot): every structure gives the answers the Parquet file
gives — the word index for full-text search, the copies sorted for an order or an equality,
the strips for boxes — loads in the background without blocking, and the memory budget holds.

Each query is answered with hot versions off (Parquet) and on, and the answers compared; which
structure answered is checked through the store's statistics.
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    _clear_rate_limits,
    catalogue,
    home,
)
from territoire.lake.models import DatasetLake
from territoire.records import cursors, hot, selectors
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import pages, sources

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_hot_store")]


def served(dataset):
    return selectors.served_for(dataset, DatasetLake.objects.get(dataset=dataset).current_version)


def walk(target, query: RecordQuery) -> tuple[list[dict], int]:
    """Every record of the query through cursors: (records, total_count of the first page)."""
    page = selectors.record_page(target, query)
    total, records = page["total_count"], list(page["results"])
    while page["next_cursor"]:
        cursor = cursors.decode(page["next_cursor"])
        page = selectors.record_page(target, query, cursor=cursor)
        records += page["results"]
    return records, total


def both(settings, target, query: RecordQuery):
    settings.TERRITOIRE_RECORDS_HOT = "off"
    cold = walk(target, query)
    settings.TERRITOIRE_RECORDS_HOT = "sync"
    warm = walk(target, query)
    return cold, warm


def copies() -> set[str]:
    return {kind for s in hot.store().stats() for kind in s["copies"]}


SEARCHES = [
    'search(libelle_fonction, "administration")',
    '"enseignement"',  # every text field
    'libelle_fonction like "l\'etat"',
    'search(libelle_fonction, "SÉCURITÉ")',  # accents and case
    'search(libelle_fonction, "zzzz")',  # nothing
    'search(libelle_fonction, "admin generale")',  # two words, both needed
    'search(libelle_fonction, "ecole") and search(*, "F")',
]


@pytest.mark.parametrize("where", SEARCHES)
def test_word_index_gives_the_answers_of_a_scan(settings, catalogue, monkeypatch, where):
    monkeypatch.setattr(sources, "FTS_SHARE_LIMIT", 1.0)  # use the index even for common words
    calls = []
    original = pages._search_page
    monkeypatch.setattr(pages, "_search_page", lambda *a, **k: calls.append(1) or original(*a, **k))
    target = served(catalogue.budget)
    (cold, cold_total), (warm, warm_total) = both(
        settings, target, RecordQuery(where=where, limit=37, select="_id, libelle_fonction")
    )
    assert warm == cold and warm_total == cold_total == len(cold)
    assert "words" in copies() and calls  # answered from the postings


def test_word_index_serves_mixed_queries_and_facets(settings, catalogue, monkeypatch):
    monkeypatch.setattr(sources, "FTS_SHARE_LIMIT", 1.0)
    target = served(catalogue.budget)
    queries = [
        RecordQuery(where=['search(libelle_fonction, "enseignement")', "bp > 10000"], limit=13),
        RecordQuery(where='search(libelle_fonction, "enseignement")', order_by="bp desc", limit=13),
        RecordQuery(
            where='search(libelle_fonction, "enseignement")',
            select="d_r, count(*) as n",
            group_by="d_r",
        ),
    ]
    for query in queries:
        cold, warm = both(settings, target, query)
        assert warm == cold
    facets = {}
    for mode in ("off", "sync"):
        settings.TERRITOIRE_RECORDS_HOT = mode
        facets[mode] = selectors.record_facets(
            target, facet_fields=["d_r", "i_f"], where=['"enseignement"']
        )
    assert facets["off"] == facets["sync"]


def test_equality_filters_read_the_copy_sorted_by_their_column(settings, catalogue):
    target = served(catalogue.budget)
    for query in (
        RecordQuery(where='fonction = "020"', limit=7, select="_id, nature"),
        RecordQuery(where=['d_r = "D"', "bp > 50000"], limit=50, select="_id, bp"),
        RecordQuery(where='d_r = "R"', select="i_f, sum(bp) as total", group_by="i_f"),
    ):
        cold, warm = both(settings, target, query)
        assert warm == cold
    assert {"sorted/('fonction', False)", "sorted/('d_r', False)"} <= copies()


def test_sorted_copies_and_strips_give_the_same_pages(settings, catalogue):
    budget, fountains = served(catalogue.budget), served(catalogue.fountains)
    for target, query in (
        (budget, RecordQuery(order_by="nature, bp desc", limit=101, select="_id")),
        (budget, RecordQuery(order_by="bp", where="i_f = 'I'", limit=33, select="_id")),
        (fountains, RecordQuery(where="in_bbox(geo_point_2d, 48.8, 2.3, 48.9, 2.4)", limit=40)),
        (
            fountains,
            RecordQuery(
                where="within_distance(geo_point_2d, geom'POINT(2.35 48.86)', 1km)",
                order_by="commune",
                limit=40,
            ),
        ),
    ):
        cold, warm = both(settings, target, query)
        assert warm == cold
    assert {"sorted/('nature', False)/('bp', True)", "geo/geo_point_2d"} <= copies()


def test_background_load_answers_from_parquet_until_ready(settings, catalogue, monkeypatch):
    settings.TERRITOIRE_RECORDS_HOT = "background"
    monkeypatch.setattr(hot, "SYNC_ROWS", 0)  # the budget file is small: load it in background
    target = served(catalogue.budget)
    query = RecordQuery(where='d_r = "R"', order_by="bp desc", limit=5)
    first = selectors.record_page(target, query)
    assert hot.store().wait(target.version, timeout=60)
    hot.store().wait_copies(target.version, timeout=60)
    again = selectors.record_page(target, query)
    assert again["results"] == first["results"] and again["total_count"] == 219
    assert hot.store().stats()[0]["ready"]


def test_memory_budget_drops_what_does_not_fit(settings, catalogue):
    settings.TERRITOIRE_RECORDS_HOT = "sync"
    settings.TERRITOIRE_RECORDS_HOT_MB = 0  # nothing fits: every answer comes from Parquet
    target = served(catalogue.budget)
    page = selectors.record_page(target, RecordQuery(order_by="bp desc", limit=3))
    assert page["total_count"] == 1448 and len(page["results"]) == 3
    assert hot.store().stats() == []
    settings.TERRITOIRE_RECORDS_HOT = "off"
    again = selectors.record_page(target, RecordQuery(order_by="bp desc", limit=3))
    # (the signed cursor carries the second it was signed: compare what it says, not its bytes)
    assert cursors.decode(again.pop("next_cursor")) == cursors.decode(page.pop("next_cursor"))
    assert again == page


def test_counts_and_facets_are_remembered_per_version(settings, catalogue):
    settings.TERRITOIRE_RECORDS_HOT = "sync"
    target = served(catalogue.budget)
    query = RecordQuery(where="bp > 1000", limit=2)
    assert (
        selectors.record_page(target, query)["total_count"]
        == selectors.record_page(target, query)["total_count"]
    )
    selectors.record_facets(target, facet_fields=["d_r"])
    assert hot.store().stats()[0]["counts"] >= 2
    now = RecordQuery(where="year(now()) > 2000", limit=2)
    assert selectors.record_page(target, now)["total_count"] == 1448


def test_bad_configuration_is_refused(settings):
    settings.TERRITOIRE_RECORDS_HOT = "sometimes"
    with pytest.raises(ValueError, match="TERRITOIRE_RECORDS_HOT"):
        hot.config()
    settings.TERRITOIRE_RECORDS_HOT = "off"
    settings.TERRITOIRE_RECORDS_HOT_MB = "beaucoup"
    with pytest.raises(ValueError, match="TERRITOIRE_RECORDS_HOT_MB"):
        hot.config()
