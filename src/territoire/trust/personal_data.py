"""Find the columns of a table that look like personal data, before anything is published.

For each column, a sample of distinct values is drawn in SQL (deterministic: the values with the
smallest hashes) and checked in Python with well-kept libraries: python-stdnum (NIR with its key,
SIREN/SIRET), phonenumbers (French numbering plan), schwifty (IBAN with its checksum), plus a
regex for emails, a list of French first names for names of people, and the column labels.

Rules (docs/personal-data.md has the reasoning):
- email, phone, NIR, IBAN: the share of sampled values that are one (or, for emails, contain one).
  Phones are flagged even when they may be public switchboards (Montpellier's defibrillators list
  the phone of each public building): only a person can tell, the data officer decides.
- names of people: a label that speaks of people (nom, prénom, titulaire, bénéficiaire, élu…) and
  values that look like names (a known first name, or Prénom NOM, or Mme/M.), minus values that
  name places (rue, école, hôtel de ville…); or, whatever the label, most values being
  « Prénom NOM ». "Nom" alone is not enough: Montpellier names its defibrillators' buildings "Nom".
- exact addresses: street number + street type, in a column whose label is an address, only when
  the table is about people (a column flagged as a name, or a label such as domicile, date de
  naissance). Addresses of public buildings (defibrillators, toilets) are not personal data.
- SIREN/SIRET identify companies and public bodies, not people: flagged ("siret_of_person") only
  when a label says the businesses are individual entrepreneurs (entrepreneur individuel,
  auto-entrepreneur, micro-entreprise, personne physique), whose SIREN points to one person.
- birth dates: a label about birth (date de naissance, né le).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import duckdb
import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.fr import nir, siren, siret

from territoire.core.duckdb import quote_identifier as quote

DATA = Path(__file__).resolve().parent / "data"
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
STREET = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter|quater|[a-d])?\s*,?\s+"
    r"(?:rue|avenue|av\.?|bd|boulevard|place|pl\.?|chemin|allée|allee|impasse|imp\.?|route|rte|"
    r"cours|quai|square|résidence|residence|lotissement|lot\.?|hameau|lieu-dit|montée|passage|"
    r"esplanade|promenade|faubourg|fbg|cité|cite|sentier|voie|rond-point|traverse)\b",
    re.IGNORECASE,
)
CIVILITY = re.compile(
    r"^(?:m\.|mr\.?|mme|mlle|melle|monsieur|madame|mademoiselle|dr\.?|docteur|me|maître)\s+\S",
    re.IGNORECASE,
)
PRENOM_NOM = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[ -][A-ZÀ-Ý][a-zà-ÿ'’-]+)?\s+[A-ZÀ-Ý'’ -]{2,}$")
PLACE_WORDS = frozenset(
    "rue avenue boulevard place ecole college lycee parc stade gymnase salle maison hotel "
    "centre mairie piscine eglise musee mediatheque bibliotheque jardin square parking gare "
    "zoo theatre halle marche creche espace complexe residence allee chemin impasse quai pont "
    "port domaine chateau institut universite hopital clinique cimetiere foyer club "
    "association direction service pole agence station aire zone quartier batiment site "
    "groupe scolaire maternelle elementaire primaire boulodrome patinoire cinema office "
    "conservatoire palais tribunal prefecture commune ville metropole departement region sarl "
    "sas sa eurl sci".split()
)
PERSON_LABELS = frozenset(
    "nom noms prenom prenoms nom_usage nom_naissance nom_prenom prenom_nom nom_complet "
    "titulaire beneficiaire beneficiaires demandeur proprietaire locataire patient eleve "
    "agent elu elus contact responsable redacteur signataire declarant auteur representant "
    "conjoint enfant personne habitant usager candidat exploitant gerant president firstname "
    "lastname first_name last_name surname full_name name referent interlocuteur dirigeant".split()
)
SURNAME_LABELS = frozenset(
    "nom noms nom_usage nom_naissance nom_famille nom_de_famille lastname last_name surname".split()
)
PEOPLE_CONTEXT = frozenset(
    "domicile naissance ne_le nee_le date_naissance prenom nom_usage civilite sexe age".split()
)
ADDRESS_LABELS = frozenset(
    "adresse adresses adr address domicile residence voie adresse_postale lieu".split()
)
INDIVIDUAL_BUSINESS = re.compile(
    r"entrepreneur[s]?[ _-]individuel|auto[ _-]?entrepreneur|micro[ _-]?entrepr|personne[s]?[ _-]physique",
    re.IGNORECASE,
)
BIRTH = re.compile(r"naissance|\bnee?[ _]le\b|birth", re.IGNORECASE)
THRESHOLDS = {
    "nir": 0.5,
    "iban": 0.5,
    "email": 0.3,
    "phone": 0.5,
    "person_name": 0.3,
    "address": 0.3,
    "siret_of_person": 0.5,
}


def detect_personal_data(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[dict], *, sample: int = 2000
) -> list[dict]:
    """One flag per column that looks like personal data (see the module docstring for the rules).

    columns: [{"id": column name in the table, "label": original header, "type": inferred type}].
    Returns [{"column", "label", "kind", "matches", "checked", "share", "examples_masked",
    "reason_fr", "reason_en"}], in column order.
    """
    samples = _samples(con, _sampled(con, table), columns, sample)
    labels = {column["id"]: _key(column.get("label") or column["id"]) for column in columns}
    all_labels = " ".join(str(column.get("label") or column["id"]) for column in columns)
    individual_businesses = bool(INDIVIDUAL_BUSINESS.search(all_labels))
    # a table with both a surname and a first-name column is about people
    split_names = any(label in SURNAME_LABELS for label in labels.values()) and any(
        set(label.split("_")) & {"prenom", "prenoms", "firstname"} or label == "first_name"
        for label in labels.values()
    )
    flags: dict[str, dict] = {}
    for column in columns:
        flag = _check_column(
            column, samples[column["id"]], labels[column["id"]], individual_businesses, split_names
        )
        if flag:
            flags[column["id"]] = flag
    about_people = any(f["kind"] in ("person_name", "birth_date") for f in flags.values()) or any(
        set(label.split("_")) & PEOPLE_CONTEXT or label in PEOPLE_CONTEXT
        for label in labels.values()
    )
    for column in columns:
        if column["id"] in flags:
            continue
        flag = _check_address(column, samples[column["id"]], labels[column["id"]], about_people)
        if flag:
            flags[column["id"]] = flag
    return [flags[column["id"]] for column in columns if column["id"] in flags]


SAMPLE_ROWS = 200_000  # a larger table is checked on this many rows, drawn the same every run


def _sampled(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table, or for a large one a repeatable sample of about SAMPLE_ROWS of its rows (each
    row kept with the same probability, fixed seed: the same rows every run): the values checked
    are a few thousand per column either way, and reading them out of a million rows cost
    seconds (ten scans of the whole table; a reservoir sample, single-threaded, as much)."""
    count = con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]  # noqa: S608
    if count <= SAMPLE_ROWS * 5 // 4:
        return table
    name = f"{table}__personal_sample"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT * FROM {quote(table)} "  # noqa: S608
        f"USING SAMPLE {100 * SAMPLE_ROWS / count:.6f} PERCENT (bernoulli, 20240601)"
    )
    return name


def _samples(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[dict], size: int
) -> dict[str, list[str]]:
    """Per column, up to `size` distinct non-empty values: those with the smallest hashes, so the
    same every run. One scan estimates each column's distinct count; a column with many distinct
    values is then read through a hash filter keeping about 3 × size of them, so a million-row
    column costs a filtered scan, not a full DISTINCT."""

    table_sql = quote(table)
    if not columns:
        return {}
    estimates = con.execute(
        "SELECT "  # noqa: S608
        + ", ".join(f"approx_count_distinct({quote(c['id'])})" for c in columns)
        + f" FROM {table_sql}"
    ).fetchone()
    samples = {}
    for column, estimate in zip(columns, estimates, strict=True):
        value = f"trim(CAST({quote(column['id'])} AS VARCHAR))"
        keep = ""
        if estimate and estimate > 3 * size:
            bound = int((2**64 - 1) * min(1.0, 3 * size / estimate))
            keep = f" AND hash({value}) < {bound}::UBIGINT"
        rows = con.execute(
            f"SELECT v FROM (SELECT DISTINCT {value} AS v FROM {table_sql} "  # noqa: S608
            f"WHERE {value} <> ''{keep}) ORDER BY hash(v), v LIMIT {int(size)}"
        ).fetchall()
        samples[column["id"]] = [row[0].strip() for row in rows if row[0].strip()]
    return samples


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return frozenset(
        _key(line)
        for line in (DATA / "prenoms.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )


def _digits(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value)


def is_email(value: str) -> bool:
    return EMAIL.search(value) is not None


def is_phone(value: str) -> bool:
    """A French number as people write it (0X XX XX XX XX, +33 …, 0033 …) or an international one
    (+CC …): a bare 9-digit SIREN or a coordinate is not a phone number."""
    compact = re.sub(r"[\s.\-/()]", "", value)
    if not re.fullmatch(r"0[1-9]\d{8}|(?:\+|00)33[1-9]\d{8}|\+(?!33)[1-9]\d{7,13}", compact):
        return False
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def is_nir(value: str) -> bool:
    compact = _digits(value).upper()
    return len(compact) == 15 and nir.is_valid(compact)


def is_iban(value: str) -> bool:
    compact = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    try:
        IBAN(compact)
    except (SchwiftyException, ValueError):
        return False
    return True


def is_siret_or_siren(value: str) -> bool:
    compact = _digits(value)
    return (len(compact) == 14 and siret.is_valid(compact)) or (
        len(compact) == 9 and siren.is_valid(compact)
    )


def _tokens(value: str) -> list[str]:
    return [t for t in _key(value).split("_") if t]


def names_a_place(value: str) -> bool:
    return bool(set(_tokens(value)) & PLACE_WORDS) or bool(re.search(r"\d", value))


def looks_like_full_name(value: str) -> bool:
    """« Hélène MANDROUX », « Mme Dupont », « Jean-Paul Martin »: civility, Prénom NOM, or two to
    five words one of which is a known first name; never a place (« École Jules Ferry »)."""
    if names_a_place(value) or len(value) > 60:
        return False
    tokens = _tokens(value)
    if not 1 <= len(tokens) <= 5:
        return False
    if CIVILITY.match(value) or PRENOM_NOM.match(value):
        return True
    return len(tokens) >= 2 and any(token in first_names() for token in tokens)


def _check_column(
    column: dict, values: list[str], label: str, individual_businesses: bool, split_names: bool
) -> dict | None:
    if not values:
        return None
    label_words = set(label.split("_"))
    if BIRTH.search(str(column.get("label") or "")) or "naissance" in label_words:
        dated = [v for v in values if re.search(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}", v)]
        if len(dated) >= 0.5 * len(values):
            return _flag(column, "birth_date", dated, values)
    checks = [("nir", is_nir), ("iban", is_iban), ("email", is_email), ("phone", is_phone)]
    for kind, check in checks:
        matching = [v for v in values if check(v)]
        if matching and len(matching) >= THRESHOLDS[kind] * len(values):
            return _flag(column, kind, matching, values)
    if individual_businesses:
        matching = [v for v in values if is_siret_or_siren(v)]
        if matching and len(matching) >= THRESHOLDS["siret_of_person"] * len(values):
            return _flag(column, "siret_of_person", matching, values)
    full_names = [v for v in values if looks_like_full_name(v)]
    labelled = label in PERSON_LABELS or bool(label_words & PERSON_LABELS)
    if labelled and full_names and len(full_names) >= THRESHOLDS["person_name"] * len(values):
        return _flag(column, "person_name", full_names, values)
    if len(full_names) >= 0.6 * len(values) and len(values) >= 5:
        return _flag(column, "person_name", full_names, values)
    is_first_name_column = (
        bool(label_words & {"prenom", "prenoms", "firstname"}) or label == "first_name"
    )
    if split_names and (is_first_name_column or label in SURNAME_LABELS):
        # separate « nom » and « prénom » columns: each holds one word per person
        if is_first_name_column:
            single = [
                v for v in values if _tokens(v) and all(t in first_names() for t in _tokens(v))
            ]
        else:
            single = [v for v in values if not names_a_place(v) and 1 <= len(_tokens(v)) <= 3]
        if single and len(single) >= THRESHOLDS["person_name"] * len(values):
            return _flag(column, "person_name", single, values)
    return None


def _check_address(column: dict, values: list[str], label: str, about_people: bool) -> dict | None:
    if not values or not about_people:
        return None
    if not (label in ADDRESS_LABELS or set(label.split("_")) & ADDRESS_LABELS):
        return None
    matching = [v for v in values if STREET.search(v)]
    if matching and len(matching) >= THRESHOLDS["address"] * len(values):
        return _flag(column, "address", matching, values)
    return None


REASONS = {
    "email": ("adresses électroniques", "email addresses"),
    "phone": (
        "numéros de téléphone (à vérifier : standard d'un bâtiment public ou ligne d'une personne ?)",
        "phone numbers (check: a public switchboard or a person's line?)",
    ),
    "nir": (
        "numéros de sécurité sociale (NIR, clé de contrôle vérifiée)",
        "social security numbers (NIR, check key verified)",
    ),
    "iban": ("IBAN (somme de contrôle vérifiée)", "IBANs (checksum verified)"),
    "person_name": ("noms ou prénoms de personnes", "names of people"),
    "address": (
        "adresses précises dans un tableau qui concerne des personnes",
        "exact addresses in a table about people",
    ),
    "siret_of_person": (
        "SIREN/SIRET d'entrepreneurs individuels (ils désignent une personne)",
        "SIREN/SIRET of individual entrepreneurs (they point to one person)",
    ),
    "birth_date": ("dates de naissance", "birth dates"),
}


def _flag(column: dict, kind: str, matching: list[str], values: list[str]) -> dict:
    share = len(matching) / len(values)
    what_fr, what_en = REASONS[kind]
    label = column.get("label") or column["id"]
    percent = f"{share:.0%}".replace("%", " %")
    return {
        "column": column["id"],
        "label": label,
        "kind": kind,
        "matches": len(matching),
        "checked": len(values),
        "share": round(share, 4),
        "examples_masked": [mask(v, kind) for v in sorted(matching)[:3]],
        "reason_fr": f"Colonne « {label} » : {percent} des {len(values)} valeurs distinctes examinées ressemblent à des {what_fr}.",
        "reason_en": f"Column '{label}': {share:.0%} of the {len(values)} distinct values checked look like {what_en}.",
    }


def mask(value: str, kind: str) -> str:
    """Enough to recognise the kind of value, not the person: j•••@v•••.fr, 04 •• •• •• 60."""
    if kind == "email":
        match = EMAIL.search(value)
        local, _, domain = (match.group(0) if match else value).partition("@")
        head, _, tld = domain.rpartition(".")
        return f"{local[:1]}•••@{head[:1]}•••.{tld}"
    if kind in ("phone", "nir", "iban", "siret_of_person"):
        kept = 4 if kind == "iban" else 2
        visible = 0
        out = []
        total = sum(c.isalnum() for c in value)
        for char in value:
            if char.isalnum():
                visible += 1
                out.append(char if visible <= kept or visible > total - 2 else "•")
            else:
                out.append(char)
        return "".join(out)
    if kind == "address":
        match = STREET.search(value)
        start = value[: match.end()] if match else ""
        return (start + " " + "•••").strip()
    return " ".join(word[:1] + "•••" for word in value.split())
