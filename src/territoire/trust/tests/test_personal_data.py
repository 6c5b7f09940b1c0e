"""Personal-data flags on real French files and on generated people with checksum-valid numbers."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import pytest
from schwifty import IBAN
from stdnum import luhn
from stdnum.fr import nir, siret

from territoire.trust.personal_data import detect_personal_data, is_iban, is_nir, is_phone, mask


def load(con: duckdb.DuckDBPyConnection, path: Path, scratch: Path) -> list[dict]:
    """The file as the ingestion engine leaves it: every column VARCHAR, safe ids, original labels."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    utf8 = scratch / (path.stem + ".csv")
    utf8.write_text(text, encoding="utf-8")
    delimiter = con.execute("SELECT Delimiter FROM sniff_csv(?)", [str(utf8)]).fetchone()[0]
    labels = next(csv.reader(text.splitlines(), delimiter=delimiter))
    ids = [f"c{i}" for i in range(len(labels))]
    con.execute(
        "CREATE OR REPLACE TABLE raw AS SELECT * FROM read_csv(?, all_varchar=true, header=true, delim=?, "
        f"quote='\"', escape='\"', names={ids!r}, null_padding=true, parallel=false)",
        [str(utf8), delimiter],
    )
    return [
        {"id": i, "label": label, "type": "string"} for i, label in zip(ids, labels, strict=True)
    ]


def flags_of(path: Path, tmp_path: Path, **options) -> dict[str, dict]:
    con = duckdb.connect()
    columns = load(con, path, tmp_path)
    return {flag["label"]: flag for flag in detect_personal_data(con, "raw", columns, **options)}


def test_defibrillators_phones_are_flagged_public_addresses_are_not(shared_data, tmp_path):
    flags = flags_of(
        shared_data / "city" / "montpellier-defibrillateurs" / "VilleMTP_MTP_Defibrillateurs.csv",
        tmp_path,
    )
    assert set(flags) == {"Tel,C,254"}
    phone = flags["Tel,C,254"]
    assert phone["kind"] == "phone"
    assert phone["share"] > 0.9 and phone["matches"] <= phone["checked"]
    assert "bâtiment public" in phone["reason_fr"]
    for example in phone["examples_masked"]:
        assert "•" in example and example.startswith("0")


def test_names_of_elected_officials_are_flagged(shared_data, tmp_path):
    flags = flags_of(
        shared_data / "city" / "montpellier-deliberations" / "VilleMTP_MTP_Delibs.csv", tmp_path
    )
    assert set(flags) == {"Elu(s)"}
    assert flags["Elu(s)"]["kind"] == "person_name"
    assert "MANDROUX" not in " ".join(flags["Elu(s)"]["examples_masked"])


@pytest.mark.parametrize(
    "relative",
    [
        "city/paris-fontaines-a-boire/fontaines-a-boire.csv",
        "city/paris-sanisettes/sanisettesparis.csv",
        "city/nantes-lieux-stationnement/244400404_lieux-stationnement-nantes-metropole.csv",
        "city/montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv",
        "city/rennes-velo-star-stations/topologie-des-stations-le-velo-star.csv",
        "schemas/fontaine-eau/exemple-valide.csv",  # SIREN of the managing bodies
        "schemas/scdl-prenoms/exemple-valide.csv",  # first names counted per year: statistics
        "schemas/scdl-subventions/exemple-valide.csv",  # SIRET of associations
    ],
)
def test_public_places_and_statistics_are_not_flagged(relative, shared_data, tmp_path):
    assert flags_of(shared_data / relative, tmp_path) == {}


def test_contact_emails_are_flagged(shared_data, tmp_path):
    flags = flags_of(
        shared_data / "schemas" / "catalogue-donnees-etalab" / "exemple-valide.csv", tmp_path
    )
    assert {label: flag["kind"] for label, flag in flags.items()} == {
        "contact_service": "email",
        "contact_personne": "email",
    }
    assert all("@" in e and "•" in e for f in flags.values() for e in f["examples_masked"])


FIRST = ["Jean", "Marie", "Camille", "Hélène", "Lucas", "Chloé", "Nicolas", "Inès", "Thomas", "Léa"]
LAST = [
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
]


def fake_nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return body + nir.calc_check_digits(body)


def people_file(path: Path, rows: int = 60, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Nom",
                "Prénom",
                "Date de naissance",
                "NIR",
                "IBAN",
                "Courriel",
                "Téléphone",
                "Adresse",
                "Quartier",
                "Montant aide",
            ]
        )
        for i in range(rows):
            writer.writerow(
                [
                    rng.choice(LAST),
                    rng.choice(FIRST),
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2005)}",
                    fake_nir(rng),
                    str(
                        IBAN.generate(
                            "FR",
                            bank_code="30006",
                            account_code=f"{rng.randint(0, 10**11 - 1):011d}",
                            branch_code="00001",
                        )
                    ),
                    f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}@exemple.fr",
                    f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    f"{rng.randint(1, 120)} rue {rng.choice(['des Lilas', 'Foch', 'de la Paix'])}",
                    rng.choice(["Antigone", "Boutonnet", "Celleneuve"]),
                    f"{rng.randint(50, 900)},00",
                ]
            )


def test_generated_people_with_checksum_valid_numbers(tmp_path):
    path = tmp_path / "aides.csv"
    people_file(path)
    flags = flags_of(path, tmp_path)
    kinds = {label: flag["kind"] for label, flag in flags.items()}
    assert kinds == {
        "Nom": "person_name",
        "Prénom": "person_name",
        "Date de naissance": "birth_date",
        "NIR": "nir",
        "IBAN": "iban",
        "Courriel": "email",
        "Téléphone": "phone",
        "Adresse": "address",
    }
    assert flags["NIR"]["share"] == 1.0 and flags["IBAN"]["share"] == 1.0
    for flag in flags.values():
        assert flag["reason_fr"].startswith(f"Colonne « {flag['label']} »") and flag["reason_en"]
        assert 0 < flag["matches"] <= flag["checked"] <= 60


def test_wrong_keys_are_not_nir_or_iban(tmp_path):
    rng = random.Random(3)
    good = fake_nir(rng)
    bad_key = good[:13] + f"{(int(good[13:]) + 1) % 97:02d}"
    assert is_nir(good) and not is_nir(bad_key)
    iban = str(
        IBAN.generate("FR", bank_code="30006", account_code="00010123456", branch_code="00001")
    )
    assert is_iban(iban) and is_iban(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)))
    assert not is_iban(iban[:-1] + str((int(iban[-1]) + 1) % 10))
    assert is_phone("04 67 02 21 60") and is_phone("+33 6 12 34 56 78")
    assert not is_phone("213401722") and not is_phone("-1.456789012") and not is_phone("45000158")


def test_siret_is_personal_only_for_individual_entrepreneurs(tmp_path):
    rng = random.Random(11)
    numbers = []
    while len(numbers) < 20:
        head = f"{rng.randint(10**7, 10**8 - 1)}"
        siren_number = head + luhn.calc_check_digit(head)
        body = siren_number + f"{rng.randint(1, 9999):04d}"
        numbers.append(body + luhn.calc_check_digit(body))
    assert all(siret.is_valid(n) for n in numbers)
    companies = tmp_path / "entreprises.csv"
    companies.write_text(
        "siret,activite\n" + "\n".join(f"{n},commerce" for n in numbers) + "\n", encoding="utf-8"
    )
    assert flags_of(companies, tmp_path) == {}
    individuals = tmp_path / "auto.csv"
    individuals.write_text(
        "siret,statut entrepreneur individuel\n" + "\n".join(f"{n},oui" for n in numbers) + "\n",
        encoding="utf-8",
    )
    flags = flags_of(individuals, tmp_path)
    assert {label: flag["kind"] for label, flag in flags.items()} == {"siret": "siret_of_person"}


def test_sample_is_bounded_and_deterministic(tmp_path):
    path = tmp_path / "aides.csv"
    people_file(path, rows=300)
    first = flags_of(path, tmp_path, sample=50)
    second = flags_of(path, tmp_path, sample=50)
    assert first == second
    assert all(flag["checked"] <= 50 for flag in first.values())


def test_masks_hide_the_value():
    assert mask("jean.dupont@ville-montpellier.fr", "email") == "j•••@v•••.fr"
    assert mask("04 67 02 21 60", "phone") == "04 •• •• •• 60"
    assert mask("FR76 3000 6000 0112 3456 7890 189", "iban") == "FR76 •••• •••• •••• •••• •••• •89"
    assert mask("Hélène MANDROUX", "person_name") == "H••• M•••"
    assert mask("12 rue des Lilas", "address") == "12 rue •••"


def test_a_large_table_is_checked_on_a_repeatable_sample(shared_data):
    """Past 250,000 rows the check reads a sample of about 200,000 rows, the same every run: the
    elected officials' names repeated over 300,000 rows are still flagged, with the same
    examples each time, and an empty rarity hidden in the rest does not change the verdict."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, delim = ';')",
        [str(shared_data / "city" / "montpellier-deliberations" / "VilleMTP_MTP_Delibs.csv")],
    )
    small = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    copies = 300_000 // small + 1
    con.execute(f"CREATE TABLE big AS SELECT raw.* FROM raw, range({copies})")
    assert con.execute("SELECT count(*) FROM big").fetchone()[0] > 250_000
    columns = [
        {"id": name, "label": name, "type": "text"}
        for (name, *_rest) in con.execute("DESCRIBE raw").fetchall()
    ]
    first = detect_personal_data(con, "big", columns)
    second = detect_personal_data(con, "big", columns)
    assert [f["column"] for f in first] == ["Elu(s)"]
    assert first == second
    assert con.execute("SELECT count(*) FROM big__personal_sample").fetchone()[0] == pytest.approx(
        200_000, rel=0.05
    )
