"""where: every filter of the grammar, checked against the same filter computed in Python."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from zoneinfo import ZoneInfo

import pytest

PARIS = ZoneInfo("Europe/Paris")


def fold(text: str | None) -> str:
    """Lower case without accents or ligatures: what an accent-insensitive search compares."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .replace("œ", "oe")
        .replace("æ", "ae")
    )


def haversine(lat1, lon1, lat2, lon2) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ---------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("where", "predicate"),
    [
        ("n = 42", lambda r: r["n"] == 42),
        ("n: 42", lambda r: r["n"] == 42),
        ("n > 90", lambda r: r["n"] > 90),
        ("n >= 90", lambda r: r["n"] >= 90),
        ("n < 3", lambda r: r["n"] < 3),
        ("n <= 3", lambda r: r["n"] <= 3),
        ("3 >= n", lambda r: r["n"] <= 3),
        ("value > 900.5", lambda r: r["value"] is not None and r["value"] > 900.5),
        ("value < -49", lambda r: r["value"] is not None and r["value"] < -49),
        ('category = "École"', lambda r: r["category"] == "École"),
        ("category = 'Crèche'", lambda r: r["category"] == "Crèche"),
        ("n * 2 + 1 > 190", lambda r: r["n"] * 2 + 1 > 190),
        ("n / 4 = 2.5", lambda r: r["n"] / 4 == 2.5),
        ("-n < -97", lambda r: -r["n"] < -97),
    ],
)
def test_comparisons_match_python(synthetic, where, predicate):
    assert synthetic.ids(where=where) == synthetic.expect(predicate)


def test_not_equal_keeps_records_without_value(synthetic):
    # Deliberate: != and NOT mean "does not match", so records with no value are kept.
    got = synthetic.ids(where="flag != true")
    assert got == synthetic.expect(lambda r: r["flag"] is not True)
    assert any(r["flag"] is None for r in synthetic.rows if r["id"] in set(got))


def test_boolean_field_alone_and_is_true_false(synthetic):
    assert synthetic.ids(where="flag") == synthetic.expect(lambda r: r["flag"] is True)
    assert synthetic.ids(where="flag is true") == synthetic.expect(lambda r: r["flag"] is True)
    assert synthetic.ids(where="flag is false") == synthetic.expect(lambda r: r["flag"] is False)
    assert synthetic.ids(where="flag = false") == synthetic.expect(lambda r: r["flag"] is False)
    assert synthetic.ids(where="flag is not true") == synthetic.expect(lambda r: r["flag"] is False)


def test_and_binds_tighter_than_or_and_parentheses_change_it(synthetic):
    plain = synthetic.ids(where='n < 5 or category = "Mairie" and flag')
    assert plain == synthetic.expect(
        lambda r: r["n"] < 5 or (r["category"] == "Mairie" and r["flag"] is True)
    )
    grouped = synthetic.ids(where='(n < 5 or category = "Mairie") and flag')
    assert grouped == synthetic.expect(
        lambda r: (r["n"] < 5 or r["category"] == "Mairie") and r["flag"] is True
    )
    assert plain != grouped


def test_not_and_keywords_in_any_case(synthetic):
    got = synthetic.ids(where='NoT (category = "École" Or n >= 10) AnD value IS NOT NULL')
    assert got == synthetic.expect(
        lambda r: not (r["category"] == "École" or r["n"] >= 10) and r["value"] is not None
    )


def test_in_and_not_in_lists(synthetic):
    assert synthetic.ids(where="n IN (1, 2, 3)") == synthetic.expect(lambda r: r["n"] in (1, 2, 3))
    got = synthetic.ids(where='category not in ("École", "Mairie", "Piscine")')
    assert got == synthetic.expect(lambda r: r["category"] not in ("École", "Mairie", "Piscine"))


@pytest.mark.parametrize(
    ("where", "predicate"),
    [
        ("n in [10..20]", lambda r: 10 <= r["n"] <= 20),
        ("n: [10..20]", lambda r: 10 <= r["n"] <= 20),
        ("n in ]10..20[", lambda r: 10 < r["n"] < 20),
        ("n in [10 TO 20[", lambda r: 10 <= r["n"] < 20),
        ("value in [-10.5..0]", lambda r: r["value"] is not None and -10.5 <= r["value"] <= 0),
    ],
)
def test_ranges(synthetic, where, predicate):
    assert synthetic.ids(where=where) == synthetic.expect(predicate)


def test_null_filters(synthetic, velo):
    assert synthetic.ids(where="value is null") == synthetic.expect(lambda r: r["value"] is None)
    assert synthetic.ids(where="value IS NOT NULL and flag is null") == synthetic.expect(
        lambda r: r["value"] is not None and r["flag"] is None
    )
    assert velo.ids(where="id_correspondance is not null") == velo.expect(
        lambda r: r["id_correspondance"] is not None
    )
    assert velo.ids(where="id_correspondance = null") == velo.expect(
        lambda r: r["id_correspondance"] is None
    )


def test_several_where_parameters_are_anded(synthetic):
    got = synthetic.ids(where=["n > 50", 'category = "Gymnase"', "flag"])
    assert got == synthetic.expect(
        lambda r: r["n"] > 50 and r["category"] == "Gymnase" and r["flag"] is True
    )


def test_text_field_compared_with_a_number_keeps_leading_zeros(nantes):
    got = nantes.ids(where="code_insee = 44109")
    assert got == nantes.expect(lambda r: r["code_insee"] == "44109")
    assert got  # Nantes itself is in the file


def test_labels_are_accepted_for_column_ids(nantes):
    got = nantes.ids(where='`Places PMR` >= 10 and `Nom de la commune` = "Nantes"')
    assert got == nantes.expect(
        lambda r: r["places_pmr"] is not None and r["places_pmr"] >= 10 and r["commune"] == "Nantes"
    )
    assert got


def test_arithmetic_between_two_columns(nantes):
    got = nantes.ids(where="places_pmr * 20 > places")
    assert got == nantes.expect(
        lambda r: (
            r["places_pmr"] is not None
            and r["places"] is not None
            and r["places_pmr"] * 20 > r["places"]
        )
    )


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("where", "predicate"),
    [
        ("day = date'2021'", lambda r: r["day"].year == 2021),
        ("day: date'2021-03'", lambda r: (r["day"].year, r["day"].month) == (2021, 3)),
        ("day = date'2021/03/15'", lambda r: r["day"] == dt.date(2021, 3, 15)),
        ("day >= date'2023-06'", lambda r: r["day"] >= dt.date(2023, 6, 1)),
        ("day > date'2023-06'", lambda r: r["day"] >= dt.date(2023, 7, 1)),
        ("day <= date'2020-02'", lambda r: r["day"] < dt.date(2020, 3, 1)),
        ("day < date'2020-02'", lambda r: r["day"] < dt.date(2020, 2, 1)),
        ("day in [date'2021'..date'2022']", lambda r: 2021 <= r["day"].year <= 2022),
        ("day in ]date'2021'..date'2022'[", lambda r: False),
        (
            "day in [date'2021-01-10' TO date'2021-01-20']",
            lambda r: dt.date(2021, 1, 10) <= r["day"] <= dt.date(2021, 1, 20),
        ),
        ("day != date'2021'", lambda r: r["day"].year != 2021),
        ("day = '2022-02'", lambda r: (r["day"].year, r["day"].month) == (2022, 2)),
        (
            "year(day) = 2022 and month(day) in (1, 12)",
            lambda r: r["day"].year == 2022 and r["day"].month in (1, 12),
        ),
    ],
)
def test_date_literals_name_a_period(synthetic, where, predicate):
    assert synthetic.ids(where=where) == synthetic.expect(predicate)


def test_datetime_compared_with_a_local_date(synthetic):
    # A date without offset is a time in the platform's zone (Europe/Paris), on aware columns too.
    start = dt.datetime(2021, 7, 1, tzinfo=PARIS)
    end = dt.datetime(2021, 7, 2, tzinfo=PARIS)
    assert synthetic.ids(where="ts = date'2021-07-01'") == synthetic.expect(
        lambda r: start <= r["ts"] < end
    )
    noon = dt.datetime(2021, 7, 1, 12, 0, tzinfo=dt.UTC)
    got = synthetic.ids(where="ts >= date'2021-07-01T12:00:00Z' and ts < date'2021-07-02'")
    assert got == synthetic.expect(lambda r: noon <= r["ts"] < end)
    assert synthetic.ids(where="hour(ts) = 23") == synthetic.expect(
        lambda r: r["ts"].astimezone(PARIS).hour == 23
    )


def test_a_field_named_date(etat):
    got = etat.ids(where="date = date'2018-04-25' and velos_disponibles > 10")
    assert got == etat.expect(lambda r: r["velos_disponibles"] > 10)
    assert got


# ---------------------------------------------------------------- full text


@pytest.mark.parametrize("term", ["ecole", "ÉCOLE", "École", "eCoLe"])
def test_search_ignores_accents_and_case(synthetic, term):
    got = synthetic.ids(where=f'search(category, "{term}")')
    assert got == synthetic.expect(lambda r: "ecole" in fold(r["category"]))
    assert got


def test_search_all_text_fields_with_a_bare_string(synthetic):
    expected = synthetic.expect(lambda r: any("ecole" in fold(r[c]) for c in ("category", "label")))
    assert synthetic.ids(where='"ecole"') == expected
    assert synthetic.ids(where='search(*, "Ecole")') == expected


def test_search_several_words_means_all_of_them(synthetic):
    got = synthetic.ids(where='"jean moulin"')
    assert got == synthetic.expect(
        lambda r: all(
            any(w in fold(r[c]) for c in ("category", "label")) for w in ("jean", "moulin")
        )
    )
    assert got


def test_search_handles_ligatures_and_french_elisions(synthetic):
    assert synthetic.ids(where='search(category, "oeuvre")') == synthetic.expect(
        lambda r: r["category"] == "Œuvre sociale"
    )
    assert synthetic.ids(where='search(label, "coeur")') == synthetic.expect(
        lambda r: r["label"].startswith("Cœur")
    )
    # "l'école" looks for "ecole": the elided article is not a word of its own.
    assert synthetic.ids(where='search(label, "l\'école")') == synthetic.expect(
        lambda r: "ecole" in fold(r["label"])
    )


def test_search_on_real_names(velo):
    assert velo.ids(where='"laennec"', key="nom") == ["Laënnec"]
    assert velo.ids(where='"REPUBLIQUE"', key="nom") == ["République"]
    assert velo.ids(where='search(nom, "musee") or search(nom, "hotel")', key="nom") == velo.expect(
        lambda r: "musee" in fold(r["nom"]) or "hotel" in fold(r["nom"]), key="nom"
    )


def test_like_contains_every_word(velo):
    got = velo.ids(where='adresse_voie like "rue"', key="nom")
    assert got == velo.expect(lambda r: "rue" in fold(r["adresse_voie"]), key="nom")


def test_startswith_is_an_exact_prefix(synthetic):
    assert synthetic.ids(where='startswith(label, "Salle \\"Jean")') == synthetic.expect(
        lambda r: r["label"].startswith('Salle "Jean')
    )
    assert synthetic.ids(where='startswith(category, "Bib")') == synthetic.expect(
        lambda r: r["category"].startswith("Bib")
    )
    assert synthetic.ids(where='startswith(category, "bib")') == []


# ---------------------------------------------------------------- geo


@pytest.mark.parametrize(
    ("distance", "meters"), [("300m", 300), ("1.2km", 1200), ("0.5mi", 804.672), ("2000ft", 609.6)]
)
def test_within_distance_on_points(velo, distance, meters):
    lon, lat = -1.6780, 48.1100  # place de la République, Rennes
    got = velo.ids(where=f"within_distance(geo, geom'POINT({lon} {lat})', {distance})")
    assert got == velo.expect(
        lambda r: haversine(lat, lon, r["geo"]["lat"], r["geo"]["lon"]) <= meters
    )
    assert got


def test_within_distance_on_the_generated_table(synthetic):
    got = synthetic.ids(
        where='within_distance(geo, geom\'{"type": "Point", "coordinates": [3.86, 43.60]}\', 2km)',
    )
    assert got == synthetic.expect(
        lambda r: haversine(43.60, 3.86, r["geo"]["lat"], r["geo"]["lon"]) <= 2000
    )
    assert 0 < len(got) < len(synthetic.rows)


def test_within_distance_on_a_geometry_column_agrees_with_points(fontaines):
    center = "geom'POINT(2.3522 48.8566)'"
    on_points = fontaines.ids(where=f"within_distance(geo, {center}, 700m)")
    on_shapes = fontaines.ids(where=f"within_distance(geo_shape, {center}, 700m)")
    assert (
        on_shapes
        == on_points
        == fontaines.expect(
            lambda r: haversine(48.8566, 2.3522, r["geo"]["lat"], r["geo"]["lon"]) <= 700
        )
    )
    assert on_points


def test_in_bbox_on_points_and_geometries(fontaines):
    expected = fontaines.expect(
        lambda r: 48.85 <= r["geo"]["lat"] <= 48.86 and 2.34 <= r["geo"]["lon"] <= 2.36
    )
    assert expected
    assert fontaines.ids(where="in_bbox(geo, 48.85, 2.34, 48.86, 2.36)") == expected
    assert (
        fontaines.ids(where="in_bbox(geo, 48.86, 2.36, 48.85, 2.34)") == expected
    )  # corners in any order
    assert fontaines.ids(where="in_bbox(geo_shape, 48.85, 2.34, 48.86, 2.36)") == expected


def test_geo_filters_combine_with_others(fontaines):
    got = fontaines.ids(where="in_bbox(geo, 48.80, 2.25, 48.90, 2.42) and not disponible")
    assert got == fontaines.expect(
        lambda r: (
            48.80 <= r["geo"]["lat"] <= 48.90
            and 2.25 <= r["geo"]["lon"] <= 2.42
            and r["disponible"] is False
        )
    )
    assert got


def test_word_patterns_match_every_accented_latin_letter(con):
    from territoire.records.odsql.sqlgen import normalize_text, search_terms, word_pattern

    letters = [
        chr(c)
        for c in range(0xC0, 0x250)
        if normalize_text(chr(c)).isascii() and normalize_text(chr(c)).isalpha()
    ]
    assert len(letters) > 250
    forms = sorted(
        {f for letter in letters for f in (letter, letter.upper(), letter.lower()) if len(f) == 1}
    )
    texts = [f"--x{form}x--" for form in forms]
    patterns = [word_pattern(search_terms(f"x{form}x")[0]) for form in forms]
    rows = con.execute(
        "SELECT t, regexp_matches(t, p) FROM (SELECT unnest(?) AS t, unnest(?) AS p)",
        [texts, patterns],
    ).fetchall()
    assert len(rows) == len(forms) > 250
    assert [text for text, matched in rows if not matched] == []
