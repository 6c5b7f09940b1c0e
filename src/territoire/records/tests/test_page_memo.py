"""Pages remembered by a web process (records.serving.Store.page_*): the same query on the same
version read from its serving file runs once; what depends on the time, what is read from
Parquet and what is past the budget is read every time."""

from __future__ import annotations

import random

import duckdb
import pytest

from territoire.lake import services
from territoire.lake.engine import serving as building
from territoire.records import cursors, engine, selectors, serving
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import sources

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def delibs(home, make_dataset, steward, delibs_csv, fresh_serving_store):
    dataset = make_dataset("Délibérations")
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=delibs_csv)
    assert report.status == "created", report.errors
    return dataset


@pytest.fixture
def queries(monkeypatch):
    """The SQL texts DuckDB ran for pages and counts."""
    ran = []
    original = engine.execute

    def counted(con, sql, params, timeout_s):
        ran.append(sql)
        return original(con, sql, params, timeout_s)

    monkeypatch.setattr(engine, "execute", counted)
    return ran


def _page(dataset, actor, query):
    page = selectors.record_page(selectors.served_get(actor, dataset.slug), query)
    page.pop("next_cursor", None)  # signed with the time
    return page


def _both_ways(dataset, actor, query, settings, queries):
    """The page read from the serving file, then from the Parquet file, each with nothing
    remembered, and the SQL the first one ran."""
    pages, ran = {}, []
    for on in (True, False):
        settings.TERRITOIRE_RECORDS_SERVING = on
        serving.store().clear()
        queries.clear()
        pages[on] = _page(dataset, actor, query)
        if on:
            ran = list(queries)
    return pages[True], pages[False], ran


def test_the_same_page_on_the_same_version_is_read_once(delibs, data_officer, queries, settings):
    query = RecordQuery(order_by="_id desc", limit=20)
    first = _page(delibs, data_officer, query)
    ran = len(queries)
    assert ran >= 1 and first["results"]
    assert _page(delibs, data_officer, query) == first
    assert len(queries) == ran  # remembered: nothing ran
    other = _page(delibs, data_officer, RecordQuery(order_by="_id desc", limit=20, offset=20))
    assert len(queries) > ran and other["results"] != first["results"]
    # A query on the time is read each time; so is everything when the budget is 0.
    timed = RecordQuery(where="_id > 3 and now() > date'2000-01-01'", limit=5)
    _page(delibs, data_officer, timed)
    ran = len(queries)
    _page(delibs, data_officer, timed)
    assert len(queries) > ran
    settings.TERRITOIRE_RECORDS_PAGES_MB = 0
    serving.store().clear()
    _page(delibs, data_officer, query)
    ran = len(queries)
    assert _page(delibs, data_officer, query) == first and len(queries) > ran


def test_pages_read_from_parquet_are_not_remembered(delibs, data_officer, queries, settings):
    settings.TERRITOIRE_RECORDS_SERVING = False
    query = RecordQuery(order_by="_id desc", limit=20)
    first = _page(delibs, data_officer, query)
    ran = len(queries)
    assert _page(delibs, data_officer, query) == first and len(queries) > ran


def test_the_budget_bounds_what_a_process_remembers(settings):
    settings.TERRITOIRE_RECORDS_PAGES_MB = 1
    store = serving.Store()
    attached = serving.Attached(path=None, alias="v_test", manifest={})
    page = [(n, "x" * 120) for n in range(100)]  # about 14 KB
    for n in range(200):
        store.page_remember(attached, ("page", n), page)
    assert store._pages_bytes <= 1024 * 1024
    assert store.page_recall(attached, ("page", 199)) == page  # the newest kept
    assert store.page_recall(attached, ("page", 0)) is None  # the oldest forgotten
    store.page_remember(attached, ("big",), [(n, "x" * 400) for n in range(100)])  # > 1/64
    store.page_remember(attached, ("long",), page * 2)  # more than a page of 100
    assert store.page_recall(attached, ("big",)) is None
    assert store.page_recall(attached, ("long",)) is None


def test_a_count_on_one_value_is_read_from_the_stored_counts(
    delibs, data_officer, queries, settings, home
):
    delibs.lake.refresh_from_db()
    path = building.serving_path(home / "lake" / delibs.lake.current_version.path)
    manifest = building.manifest_of(path)
    assert manifest is not None, (path, path.exists(), list(path.parent.iterdir()))
    assert manifest["values"], manifest  # the file's columns with few values
    entry = manifest["values"][0]
    column = entry["column"]
    with duckdb.connect(str(path), read_only=True) as con:
        values = [
            v
            for (v,) in con.execute(
                f'SELECT "{column}" FROM {entry["table"]} ORDER BY 1'
            ).fetchall()
            if v is not None and '"' not in str(v)
        ]
    checked = 0
    for value in values[:5]:
        literal = f'"{value}"' if isinstance(value, str) else str(value).lower()
        query = RecordQuery(where=f"{column} = {literal}", limit=1)
        settings.TERRITOIRE_RECORDS_SERVING = True
        serving.store().clear()
        queries.clear()
        stored = _page(delibs, data_officer, query)["total_count"]
        assert any('sum("' in sql for sql in queries), queries  # read, not counted
        settings.TERRITOIRE_RECORDS_SERVING = False
        assert _page(delibs, data_officer, query)["total_count"] == stored
        checked += 1
    # Two conditions: counted as before.
    settings.TERRITOIRE_RECORDS_SERVING = True
    serving.store().clear()
    queries.clear()
    _page(delibs, data_officer, RecordQuery(where=f"{column} is not null and _id > 3", limit=1))
    assert not any('sum("' in sql for sql in queries)
    assert checked


def test_an_equality_with_other_conditions_reads_the_clustered_copy(
    delibs, data_officer, queries, settings, home
):
    delibs.lake.refresh_from_db()
    path = building.serving_path(home / "lake" / delibs.lake.current_version.path)
    manifest = building.manifest_of(path)
    copies = [e for e in manifest["sorted"] if e["table"].startswith("sorted_c")]
    assert len(copies) == 1, manifest["sorted"]
    column = copies[0]["keys"][0][0]
    with duckdb.connect(str(path), read_only=True) as con:
        counts = dict(
            con.execute(f'SELECT "{column}", count(*) FROM records GROUP BY 1').fetchall()
        )
        ordered = [
            r[0] for r in con.execute(f'SELECT "{column}" FROM {copies[0]["table"]}').fetchall()
        ]
    # The column with the most values among those with few; its copy in that order.
    assert 2 <= len(counts) <= 1000
    assert ordered == sorted(ordered, key=lambda v: (v is None, v))
    value = max((n, str(v)) for v, n in counts.items() if v is not None and '"' not in str(v))[1]
    textual = any(isinstance(v, str) for v in counts)
    literal = f'"{value}"' if textual else value.lower()
    query = RecordQuery(where=f"{column} = {literal} and _id > 3", limit=5)
    served, scanned, ran = _both_ways(delibs, data_officer, query, settings, queries)
    assert any(copies[0]["table"] in sql for sql in ran), ran
    assert served == scanned and served["total_count"] >= 1


def _ids_page_after_page(dataset, actor, query, settings) -> list[int]:
    """The record ids of every page of the query read from the serving file, following the
    cursors from a store with nothing remembered."""
    settings.TERRITOIRE_RECORDS_SERVING = True
    serving.store().clear()
    served = selectors.served_get(actor, dataset.slug)
    seen, cursor = [], None
    while True:
        page = selectors.record_page(served, query, cursor=cursor)
        seen += [r["_id"] for r in page["results"]]
        if page["next_cursor"] is None:
            return seen
        cursor = cursors.decode(page["next_cursor"])


def _ingested(home, make_dataset, steward, tmp_path, title, lines):
    """The dataset of these CSV lines, ingested, and its serving file's manifest."""
    source = tmp_path / f"{title.lower()}.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = make_dataset(title)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=source)
    assert report.status == "created", report.errors
    dataset.lake.refresh_from_db()
    path = building.serving_path(home / "lake" / dataset.lake.current_version.path)
    return dataset, building.manifest_of(path)


def _clustered_on_service(home, make_dataset, steward, tmp_path, lines):
    """The dataset of these CSV lines, ingested, and its serving file's clustered copy (on
    ``service``)."""
    dataset, manifest = _ingested(home, make_dataset, steward, tmp_path, "Travaux", lines)
    copy = next(e for e in manifest["sorted"] if e["table"].startswith("sorted_c"))
    assert copy["keys"] == [["service", False]], manifest["sorted"]
    return dataset, copy


def test_an_equality_alone_reads_the_rows_in_file_order_when_its_value_is_common(
    home, make_dataset, steward, data_officer, queries, settings, tmp_path, monkeypatch,
    fresh_serving_store,
):  # fmt: skip
    """One equality on the clustered column: a value common enough that a scan of the rows in
    file order finds the page early is read there (its first blocks are warm for every page),
    a rare one from the copy's run; the same pages and counts as the Parquet file's."""
    services_of = ["voirie"] * 6 + ["eau"] * 3 + ["culture"]
    lines = ["code;service;montant"]
    lines += [
        f"T{n:05d};{'sport' if n % 500 == 7 else services_of[(n * 7) % 10]};{n * 3 % 1000}.5"
        for n in range(3000)
    ]
    dataset, copy = _clustered_on_service(home, make_dataset, steward, tmp_path, lines)
    counts = {"voirie": 0, "eau": 0, "culture": 0, "sport": 0}
    for line in lines[1:]:
        counts[line.split(";")[1]] += 1
    assert counts["sport"] == 6 and counts["voirie"] > 1500
    # The scan's reach set so that 7 rows (offset 1, 5 and one more) of "culture", a tenth of
    # the rows, come within it: "voirie" and "eau" too, not "sport".
    monkeypatch.setattr(sources, "SCAN_EARLY_ROWS", -(-7 * 3000 // counts["culture"]))
    for value, from_copy in (("voirie", False), ("culture", False), ("sport", True)):
        for query in (
            RecordQuery(where=f'service = "{value}"', limit=5),
            RecordQuery(where=f'service = "{value}"', limit=5, offset=1),
        ):
            served, scanned, ran = _both_ways(dataset, data_officer, query, settings, queries)
            assert any(copy["table"] in sql for sql in ran) is from_copy, ran
            # A common value is looked for in the first rows, bounded (then the whole table).
            head = f'"_id" <= {sources.SCAN_EARLY_ROWS}'
            assert any(head in sql for sql in ran) is not from_copy, ran
            assert any('sum("' in sql for sql in ran), ran  # the stored counts
            assert served == scanned, (value, query)
            assert served["total_count"] == counts[value]
            assert [r["service"] for r in served["results"]] == [value] * 5
    # In another order than the file's, every match is sorted: on the copy's run, not the table.
    ordered = RecordQuery(where='service = "voirie"', order_by="code desc", limit=5)
    served, scanned, ran = _both_ways(dataset, data_officer, ordered, settings, queries)
    assert served == scanned
    assert any(copy["table"] in sql for sql in ran), ran
    # An aggregate on a common value reads the copy's run: its groups are counted from its page
    # or on that run, never by a count of every row before the page.
    grouped = RecordQuery(
        select="montant, count(*) as n", where='service = "voirie"', group_by="montant", limit=5
    )
    served, scanned, ran = _both_ways(dataset, data_officer, grouped, settings, queries)
    assert served == scanned and served["results"]
    assert ran and all(copy["table"] in sql for sql in ran), ran


def test_an_equality_with_other_conditions_looks_for_its_page_in_the_first_rows(
    home, make_dataset, steward, data_officer, queries, settings, tmp_path, monkeypatch,
    fresh_serving_store,
):  # fmt: skip
    """An equality on the clustered column with other conditions: its page is looked for in
    the first rows in file order, and taken from there only when they hold all of it and one
    row more; else from the copy's run. The count always comes from the copy's run. The same
    pages and counts as the Parquet file's, through the cursors too."""
    services_of = ["voirie"] * 6 + ["eau"] * 3 + ["culture"]
    lines = ["code;service;montant"]
    lines += [f"T{n:05d};{services_of[(n * 7) % 10]};{n * 37 % 1000}.5" for n in range(3000)]
    dataset, copy = _clustered_on_service(home, make_dataset, steward, tmp_path, lines)
    monkeypatch.setattr(sources, "SCAN_EARLY_ROWS", 600)
    head = '"_id" <= 600'

    def rows_of(value, above):
        return [
            n + 1
            for n, line in enumerate(lines[1:])
            if line.split(";")[1] == value and float(line.split(";")[2]) > above
        ]

    # voirie above 500: 184 matches in the first 600 rows; above 993 three (nine in all), fewer than a
    # page of 5 and one more: the copy's run answers.
    for value, above, from_head in (("voirie", 500, True), ("voirie", 993, False)):
        expected = rows_of(value, above)
        for query in (
            RecordQuery(where=f'service = "{value}" and montant > {above}', limit=5),
            RecordQuery(where=f'service = "{value}" and montant > {above}', limit=5, offset=2),
        ):
            served, scanned, ran = _both_ways(dataset, data_officer, query, settings, queries)
            assert served == scanned, (value, above, query)
            assert served["total_count"] == len(expected)
            assert [r["_id"] for r in served["results"]] == expected[query.offset or 0 :][:5]
            pages = [sql for sql in ran if "count(*)" not in sql]
            assert any(head in sql for sql in pages) is True  # always looked for there first
            assert any(copy["table"] in sql for sql in pages) is not from_head, ran
            counts = [sql for sql in ran if "count(*)" in sql]
            assert counts and all(copy["table"] in sql for sql in counts), ran
    # Page after page through the cursors: the first ones from the first rows, the last from
    # the copy's run, every match once, in file order.
    query = RecordQuery(where='service = "culture" and montant > 200', limit=7)
    assert _ids_page_after_page(dataset, data_officer, query, settings) == rows_of("culture", 200)
    # Another order than the file's, or an aggregate: never the first rows.
    for other in (
        RecordQuery(where='service = "voirie" and montant > 500', order_by="code desc", limit=5),
        RecordQuery(
            select="service, count(*) as n", where='service = "voirie" and montant > 500',
            group_by="service", limit=5,
        ),
    ):  # fmt: skip
        served, scanned, ran = _both_ways(dataset, data_officer, other, settings, queries)
        assert served == scanned and served["results"]
        assert not any(head in sql for sql in ran), ran


def test_a_box_looks_for_its_page_in_the_first_rows_and_counts_on_the_geo_strips(
    home, make_dataset, steward, data_officer, queries, settings, tmp_path, monkeypatch,
    fresh_serving_store,
):  # fmt: skip
    """A bounding box in file order: counted on the geo strips; its page looked for in the first
    rows when the box is common enough, taken from there when they hold all of it and one row
    more, else from the strips (sorted back into file order). The same pages and counts as
    the Parquet file's, through the cursors too; another order never reads the first rows."""
    rnd = random.Random(7)
    points = []
    for n in range(3000):  # rows 2001 to 2100 alone in the north-east corner
        low = 43.9 if 2000 <= n < 2100 else 43.0
        size = 0.1 if 2000 <= n < 2100 else 0.8
        lat, lon = low + rnd.random() * size, low - 40.0 + rnd.random() * size
        points.append((round(lat, 3), round(lon, 3)))
    lines = ["code,position"] + [f'T{n:05d},"{la},{lo}"' for n, (la, lo) in enumerate(points)]
    dataset, manifest = _ingested(home, make_dataset, steward, tmp_path, "Points", lines)
    (strips,) = [c["table"] for c in manifest["geo"]]
    monkeypatch.setattr(sources, "SCAN_EARLY_ROWS", 600)
    head = '"_id" <= 600'

    def inside(south, north, west, east):
        return [
            n + 1
            for n, (lat, lon) in enumerate(points)
            if south <= lat <= north and west <= lon <= east
        ]

    # 759 matches, 176 in the first 600 rows: the page is there. The corner: 100 matches, none
    # there: looked for, then the strips answer. 16 matches: too rare to look there.
    for box, looked, from_head in (
        ((43.0, 43.4, 3.0, 3.4), True, True),
        ((43.9, 44.0, 3.9, 4.0), True, False),
        ((43.0, 43.06, 3.0, 3.06), False, False),
    ):
        expected = inside(*box)
        where = f"in_bbox(position, {box[0]}, {box[2]}, {box[1]}, {box[3]})"
        for query in (
            RecordQuery(where=where, limit=5),
            RecordQuery(where=where, limit=5, offset=2),
        ):
            served, scanned, ran = _both_ways(dataset, data_officer, query, settings, queries)
            assert served == scanned, (box, query)
            assert served["total_count"] == len(expected)
            assert [r["_id"] for r in served["results"]] == expected[query.offset or 0 :][:5]
            pages = [sql for sql in ran if "count(*)" not in sql]
            assert any(head in sql for sql in pages) is looked, ran
            assert any(strips in sql for sql in pages) is not from_head, ran
            # In file order already: no sort, the scan stops at the page's last row.
            assert not any(head in sql and "ORDER BY" in sql for sql in pages), ran
            counts = [sql for sql in ran if "count(*)" in sql]
            assert counts and all(strips in sql for sql in counts), ran
    # Page after page through the cursors: every match once, in file order.
    query = RecordQuery(where="in_bbox(position, 43.0, 3.0, 43.3, 3.3)", limit=7)
    assert _ids_page_after_page(dataset, data_officer, query, settings) == inside(
        43.0, 43.3, 3.0, 3.3
    )
    # Another order than the file's: never the first rows.
    where = "in_bbox(position, 43.0, 3.0, 43.4, 3.4)"
    other = RecordQuery(where=where, order_by="code desc", limit=5)
    served, scanned, ran = _both_ways(dataset, data_officer, other, settings, queries)
    assert served == scanned and served["results"]
    assert not any(head in sql for sql in ran), ran


def test_pages_of_every_record_in_file_order_are_read_from_the_rows_file(
    delibs, data_officer, queries, settings, monkeypatch
):
    """No filter, no order, every field: the rows file gives the page (no query at all), the
    same records as the query gives, page after page through the cursors and by offset."""
    served = selectors.served_get(data_officer, delibs.slug)
    rows = int(served.version.row_count)
    assert rows > 12

    def pages(**kwargs):
        query = RecordQuery(limit=5, **kwargs)
        found, cursor = [], None
        while True:
            page = selectors.record_page(served, query, cursor=cursor)
            found.append((page["total_count"], page["results"]))
            if page["next_cursor"] is None:
                return found
            cursor = cursors.decode(page["next_cursor"])

    queries.clear()
    from_file = pages()
    assert queries == []  # no query ran
    offset = selectors.record_page(served, RecordQuery(limit=5, offset=10))
    assert queries == [] and [r["_id"] for r in offset["results"]] == list(range(11, 16))
    ids = [r["_id"] for _, results in from_file for r in results]
    assert ids == list(range(1, rows + 1))
    assert {total for total, _ in from_file} == {rows}
    # The same pages from the query: equal, values and types.
    settings.TERRITOIRE_RECORDS_PAGES_MB = 0
    serving.store().clear()
    monkeypatch.setattr(sources, "rows_in_file_order", lambda *args: None)
    from_query = pages()
    assert queries  # the query ran this time
    assert from_query == from_file
    # Anything else is a query: a filter, an order, a selection.
    for other in (RecordQuery(where="_id > 2", limit=5), RecordQuery(order_by="_id desc", limit=5),
                  RecordQuery(select="_id", limit=5)):  # fmt: skip
        queries.clear()
        selectors.record_page(served, other)
        assert queries, other


def test_first_pages_in_a_sorted_copys_order_are_read_from_the_rows_file(
    home, make_dataset, steward, delibs_csv, fresh_serving_store, data_officer, queries,
    settings, monkeypatch,
):  # fmt: skip
    """No filter, every field, the order of a sorted copy: the pages within the copy's head
    (the record ids of its first rows, in the manifest) are read from the rows file, no query
    and none of the copy's blocks; every page, through the cursors and by offset, and past the
    head, is the one the query gives, values, types and cursors."""
    monkeypatch.setattr(building, "SORTED_HEAD", 7)
    dataset = make_dataset("Délibérations triées")
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=delibs_csv)
    assert report.status == "created", report.errors
    served = selectors.served_get(data_officer, dataset.slug)
    manifest = building.manifest_of(building.serving_path(home / "lake" / served.version.path))
    copies = [c for c in manifest["sorted"] if "head" in c]  # not the clustered copy
    assert len(copies) >= 2 and all(len(c["head"]) == 7 for c in copies), manifest
    column, descending = copies[1]["keys"][0]
    order = f"{column} {'desc' if descending else 'asc'}"

    def pages(**kwargs):
        query = RecordQuery(limit=3, order_by=order, **kwargs)
        found, cursor, ran = [], None, []
        while True:
            queries.clear()
            page = selectors.record_page(served, query, cursor=cursor)
            ran.append(bool(queries))
            found.append((page["total_count"], page["results"]))
            if page["next_cursor"] is None:
                return found, ran
            cursor = cursors.decode(page["next_cursor"])

    settings.TERRITOIRE_RECORDS_PAGES_MB = 0
    from_head, ran = pages()
    # The first two pages (rows 1–6, and the 7th to know there is more), the second through
    # its cursor, come from the head; the third (rows 7–9) goes past it: the copy answers.
    assert ran[:3] == [False, False, True], ran
    queries.clear()
    offset = selectors.record_page(served, RecordQuery(limit=3, offset=3, order_by=order))
    assert queries == [] and offset["results"] == from_head[1][1]
    serving.store().clear()
    by_ids = sources.rows_by_ids
    monkeypatch.setattr(sources, "rows_by_ids", lambda *args: None)
    from_query, ran = pages()
    assert ran[0] and from_query == from_head
    ids = [r["_id"] for _, results in from_head for r in results]
    assert sorted(ids) == list(range(1, int(served.version.row_count) + 1))
    # A filter or a selection is a query.
    monkeypatch.setattr(sources, "rows_by_ids", by_ids)
    for other in (RecordQuery(where="_id > 2", limit=3, order_by=order),
                  RecordQuery(select=column, limit=3, order_by=order)):  # fmt: skip
        queries.clear()
        selectors.record_page(served, other)
        assert queries, other
