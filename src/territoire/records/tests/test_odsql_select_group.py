"""select, group_by, order_by, limit and offset, checked against Python or hand-written SQL."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from territoire.records.odsql import QueryError, RecordQuery, compile_query

PARIS = ZoneInfo("Europe/Paris")


# ---------------------------------------------------------------- select


def test_default_select_is_every_column_with_json_ready_values(velo):
    answer = velo.run(where="id = 1")
    assert answer["results"] == [
        {
            "id": 1,
            "nom": "République",
            "adresse_voie": "Quai Lamartine",
            "commune": "Rennes",
            "geo": {"lat": 48.1100259201, "lon": -1.6780371631},
            "mise_en_service": "2009-06-22",
            "nb_emplacements": 30,
            "terminal_cb": True,
            "id_correspondance": 15006,
        }
    ]
    assert answer["total_count"] == 1
    assert answer["limits"] == []


def test_select_fields_aliases_labels_and_expressions(nantes):
    rows = nantes.run(
        select="nom, `Places PMR` as pmr, places - places_pmr AS autres, tarif_1h * 2, 'x' as constante",
        where='id = "44109-P-010"',
    )["results"]
    source = next(r for r in nantes.rows if r["id"] == "44109-P-010")
    assert rows == [
        {
            "nom": source["nom"],
            "pmr": source["places_pmr"],
            "autres": source["places"] - source["places_pmr"],
            "tarif_1h * 2": source["tarif_1h"] * 2,
            "constante": "x",
        }
    ]


def test_select_star_with_other_expressions(velo):
    row = velo.run(select="*, nb_emplacements * 2 as double", where="id = 2")["results"][0]
    assert row["double"] == 2 * row["nb_emplacements"]
    assert set(row) == {c["id"] for c in velo.columns} | {"double"}


def test_scalar_functions(synthetic):
    rows = synthetic.run(
        select="id, lower(category) as lo, upper(category) as up, length(label) as len, ifnull(value, -1) as v, "
        "year(day) as y, month(day) as m, day(day) as d, hour(ts) as h, date_format(day, 'dd/MM/yyyy') as fr, "
        "date_format(ts, \"EEEE d MMMM yyyy 'à' HH'h'mm\") as long",
        where="id < 40",
    )["results"]
    for row in rows:
        source = synthetic.rows[row["id"]]
        local = source["ts"].astimezone(PARIS)
        assert row["lo"] == source["category"].lower()
        assert row["up"] == source["category"].upper()
        assert row["len"] == len(source["label"])
        assert row["v"] == (source["value"] if source["value"] is not None else -1)
        assert (row["y"], row["m"], row["d"]) == (
            source["day"].year,
            source["day"].month,
            source["day"].day,
        )
        assert row["h"] == local.hour
        assert row["fr"] == source["day"].strftime("%d/%m/%Y")
        days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
        months = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ]
        assert (
            row["long"]
            == f"{days[local.weekday()]} {local.day} {months[local.month - 1]} {local.year} à {local:%H}h{local:%M}"
        )


def test_date_format_follows_the_query_language(synthetic):
    row = synthetic.run(select="date_format(day, 'EEEE') as d", where="id = 0", lang="en")[
        "results"
    ][0]
    assert row["d"] == synthetic.rows[0]["day"].strftime("%A").lower()


# ---------------------------------------------------------------- aggregates


def test_aggregates_without_group_by(synthetic):
    answer = synthetic.run(
        select="count(*) as n, count(value) as with_value, count(distinct category) as categories, sum(n) as total, "
        "avg(value) as mean, min(day) as first, max(ts) as last, median(n) as med, percentile(value, 90) as p90",
    )
    values = [r["value"] for r in synthetic.rows if r["value"] is not None]
    row = answer["results"][0]
    assert answer["total_count"] == 1
    assert row["n"] == 10000
    assert row["with_value"] == len(values)
    assert row["categories"] == len({r["category"] for r in synthetic.rows})
    assert row["total"] == sum(r["n"] for r in synthetic.rows)
    assert row["mean"] == pytest.approx(statistics.fmean(values))
    assert row["first"] == min(r["day"] for r in synthetic.rows).isoformat()
    assert row["last"] == max(r["ts"] for r in synthetic.rows).isoformat()
    assert row["med"] == pytest.approx(statistics.median(r["n"] for r in synthetic.rows))
    assert row["p90"] == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[-1])


def test_group_by_field_counts_and_default_order(synthetic):
    answer = synthetic.run(select="category, count(*) as n, sum(n) as s", group_by="category")
    counts = Counter(r["category"] for r in synthetic.rows)
    sums = defaultdict(int)
    for r in synthetic.rows:
        sums[r["category"]] += r["n"]
    assert answer["results"] == [
        {"category": c, "n": counts[c], "s": sums[c]} for c in sorted(counts)
    ]
    assert answer["total_count"] == len(counts)


def test_group_by_without_select_returns_the_groups(velo):
    answer = velo.run(group_by="commune")
    assert answer["results"] == [{"commune": c} for c in sorted({r["commune"] for r in velo.rows})]


def test_group_by_date_function_with_alias_ordered_by_aggregate(synthetic):
    answer = synthetic.run(
        select="annee, count(*) as n", group_by="year(day) as annee", order_by="n desc"
    )
    counts = Counter(r["day"].year for r in synthetic.rows)
    expected = sorted(
        ({"annee": y, "n": n} for y, n in counts.items()), key=lambda g: (-g["n"], g["annee"])
    )
    assert answer["results"] == expected


def test_order_by_aggregate_expression_and_group_key(synthetic):
    answer = synthetic.run(
        select="category, max(value)",
        group_by="category",
        order_by="max(value) asc, category desc",
        limit=3,
    )
    maxima = {}
    for r in synthetic.rows:
        if r["value"] is not None:
            maxima[r["category"]] = max(maxima.get(r["category"], r["value"]), r["value"])
    expected = sorted(maxima.items(), key=lambda kv: kv[1])[:3]
    assert [(g["category"], g["max(value)"]) for g in answer["results"]] == expected


def test_group_by_numeric_range_buckets(synthetic):
    answer = synthetic.run(
        select="range(n, 25) as tranche, count(*) as c", group_by="range(n, 25) as tranche"
    )
    counts = Counter((r["n"] // 25) * 25 for r in synthetic.rows)
    assert answer["results"] == [
        {"tranche": f"{lo}-{lo + 25}", "c": counts[lo]} for lo in sorted(counts)
    ]


def test_group_by_date_interval_and_date_format(synthetic):
    monthly = synthetic.run(select="count(*) as c", group_by="range(day, 1 month) as mois")[
        "results"
    ]
    counts = Counter(r["day"].replace(day=1) for r in synthetic.rows)
    assert [g["c"] for g in monthly] == [counts[m] for m in sorted(counts)]
    by_label = synthetic.run(
        select="m, count(*) as c", group_by="date_format(day, 'yyyy-MM') as m", limit=100
    )["results"]
    assert by_label == [{"m": m.strftime("%Y-%m"), "c": counts[m]} for m in sorted(counts)]


def test_group_by_two_keys_counts_groups(synthetic):
    answer = synthetic.run(
        select="category, flag, count(*) as c", group_by="category, flag", limit=5
    )
    counts = Counter((r["category"], r["flag"]) for r in synthetic.rows)
    assert answer["total_count"] == len(counts)  # null flags form their own group
    key = sorted(counts, key=lambda k: (k[0], (k[1] is None, k[1])))
    assert [(g["category"], g["flag"], g["c"]) for g in answer["results"]] == [
        (*k, counts[k]) for k in key[:5]
    ]


def test_group_by_against_hand_written_sql(con, velo):
    answer = velo.run(
        select="commune, avg(nb_emplacements) as moyenne",
        group_by="commune",
        where="terminal_cb",
    )
    expected = con.execute(
        "SELECT commune, avg(nb_emplacements) FROM read_parquet(?) WHERE terminal_cb GROUP BY commune ORDER BY commune",
        [str(velo.path)],
    ).fetchall()
    assert [(g["commune"], g["moyenne"]) for g in answer["results"]] == [
        (c, pytest.approx(m)) for c, m in expected
    ]


# ---------------------------------------------------------------- order, limit, offset


def test_order_by_with_ties_is_stable_across_pages(synthetic):
    expected = [r["id"] for r in sorted(synthetic.rows, key=lambda r: (-r["n"], r["id"]))]
    pages = []
    for offset in range(0, 300, 50):
        pages += synthetic.ids(order_by="n desc", limit=50, offset=offset)
    assert pages == expected[:300]


def test_order_by_several_keys_and_nulls_last(synthetic):
    got = synthetic.ids(order_by="category asc, value desc", limit=10000)
    expected = sorted(
        synthetic.rows,
        key=lambda r: (r["category"], r["value"] is None, -(r["value"] or 0), r["id"]),
    )
    assert got == [r["id"] for r in expected]


def test_order_by_select_alias(nantes):
    rows = nantes.run(select="nom, places - places_pmr as autres", order_by="autres desc", limit=3)[
        "results"
    ]
    expected = sorted(
        (r for r in nantes.rows if r["places"] is not None and r["places_pmr"] is not None),
        key=lambda r: -(r["places"] - r["places_pmr"]),
    )
    assert [r["autres"] for r in rows] == [r["places"] - r["places_pmr"] for r in expected[:3]]


def test_plain_pages_come_in_file_order(synthetic):
    assert synthetic.ids(limit=20, offset=9990) == list(range(9990, 10000))
    assert (
        synthetic.ids(where="n = 7", limit=5, offset=3)
        == synthetic.expect(lambda r: r["n"] == 7)[3:8]
    )


def test_default_limit_and_total_count(synthetic):
    answer = synthetic.run(where="n < 50", select="id", limit=None)
    assert len(answer["results"]) == 10
    assert answer["total_count"] == len(synthetic.expect(lambda r: r["n"] < 50))


def test_no_offset_cap_unlike_opendatasoft(synthetic):
    answer = synthetic.run(select="id", offset=9995, limit=100)
    assert [r["id"] for r in answer["results"]] == list(range(9995, 10000))
    assert answer["total_count"] == 10000


def test_limit_above_the_cap_is_refused_with_the_way_out(synthetic):
    with pytest.raises(QueryError) as caught:
        synthetic.run(limit=10001, max_limit=10000)
    error = caught.value
    assert error.clause == "limit"
    assert "10000" in error.message_fr and "exports" in error.message_fr
    assert "10000" in error.message_en and "exports" in error.message_en
    assert error.status == 400


def test_negative_paging_is_refused(synthetic):
    for query, clause in ((RecordQuery(limit=-5), "limit"), (RecordQuery(offset=-1), "offset")):
        with pytest.raises(QueryError) as caught:
            compile_query(query, columns=synthetic.columns)
        assert caught.value.clause == clause


def test_count_query_is_separate_and_cheap(synthetic):
    compiled = compile_query(
        RecordQuery(where="n > 3", order_by="value"),
        columns=synthetic.columns,
        source_params=["x.parquet"],
    )
    assert compiled.count_sql.startswith(
        'WITH "_src" AS (SELECT * FROM read_parquet(?)) SELECT count(*)'
    )
    assert "over" not in compiled.sql.lower()
    assert "ORDER BY" not in compiled.count_sql
    assert compiled.count_params == ["x.parquet", 3]
