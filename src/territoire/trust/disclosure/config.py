"""What a protection must achieve, checked before any data is read.

A configuration that cannot protect the data is refused at once, with every reason in French and
English (``ValidationFailed``, ``where`` naming the parameters): a threshold below 1, a dominance
share outside (0, 100], a table without dimensions, a business table without its contributing
unit, no quasi-identifier for a k-anonymity check… ``check_columns`` then refuses names that the
data does not have. Both run before anything is computed, so a refused configuration produces
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from territoire.core.errors import ValidationFailed

INDIVIDUALS = "individuals"
BUSINESS = "business"
KINDS = (INDIVIDUALS, BUSINESS)
ROUNDINGS = ("controlled", "conventional")
COSTS = ("value", "unity")
MAX_DIMENSIONS = 4  # the hypercube search enumerates 2**D corners per candidate


class _Problems:
    """Collects every refusal reason so a person fixes the configuration in one go."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, where: str, fr: str, en: str) -> None:
        self.items.append((where, fr, en))

    def raise_if_any(self, what_fr: str, what_en: str) -> None:
        if not self.items:
            return
        raise ValidationFailed(
            f"{what_fr} refusée : " + " ; ".join(fr for _, fr, _ in self.items) + ".",
            f"{what_en} refused: " + "; ".join(en for _, _, en in self.items) + ".",
            where=", ".join(dict.fromkeys(where for where, _, _ in self.items)),
        )


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class DisclosureConfig:
    """How to protect a table of aggregates (see docs/disclosure.md).

    ``kind="individuals"``: a cell counting fewer than ``threshold`` people (default 11, the
    secret statistique rule) is hidden; the published measure is the count, or the sum of
    ``value_column`` when given. ``kind="business"``: the measure is the sum of ``value_column``
    and a cell is hidden when fewer than ``min_units`` distinct ``unit_column`` contribute, when
    the largest contributes more than ``dominance`` % of it, or, with ``nk=(n, k)``, when the
    ``n`` largest contribute more than ``k`` %; these need the microdata.

    Every hidden cell of a primary rule must keep, given all published cells and totals and
    non-negativity, an interval reaching at least ``max(protection_share × value,
    minimum_protection)`` above its value and ``protection_share × value`` below it (never below
    zero). ``rounding_base`` rounds the published values (``rounding``: ``controlled`` keeps the
    totals additive, ``conventional`` rounds each value on its own).
    """

    dimensions: tuple[str, ...]
    kind: str = INDIVIDUALS
    threshold: int = 11
    min_units: int = 3
    dominance: float = 85.0
    nk: tuple[int, float] | None = None
    protection_share: float = 0.0
    minimum_protection: float = 1.0
    rounding_base: int | None = None
    rounding: str = "controlled"
    count_column: str | None = None
    value_column: str | None = None
    unit_column: str | None = None
    hide_zeros: bool = False
    cost: str = "value"

    def __post_init__(self) -> None:
        if isinstance(self.dimensions, str):
            object.__setattr__(self, "dimensions", (self.dimensions,))
        else:
            object.__setattr__(self, "dimensions", tuple(self.dimensions or ()))
        if self.nk is not None and not isinstance(self.nk, tuple):
            object.__setattr__(self, "nk", tuple(self.nk))
        self._check()

    @property
    def measure(self) -> str:
        """Name of the published measure: the value column, else the count."""
        return self.value_column or self.count_column or "count"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["dimensions"] = list(self.dimensions)
        data["nk"] = list(self.nk) if self.nk else None
        return data

    def _check(self) -> None:
        problems = _Problems()
        dims = self.dimensions
        if not dims:
            problems.add(
                "dimensions",
                "aucune dimension : indiquez au moins une colonne de ventilation (commune…)",
                "no dimension: name at least one breakdown column (commune…)",
            )
        elif len(dims) > MAX_DIMENSIONS:
            problems.add(
                "dimensions",
                f"{len(dims)} dimensions : {MAX_DIMENSIONS} au plus",
                f"{len(dims)} dimensions: at most {MAX_DIMENSIONS}",
            )
        if any(not isinstance(d, str) or not d for d in dims):
            problems.add(
                "dimensions",
                "un nom de dimension est vide",
                "a dimension name is empty",
            )
        elif len(set(dims)) != len(dims):
            problems.add(
                "dimensions",
                "une dimension est nommée deux fois",
                "a dimension is named twice",
            )
        if self.kind not in KINDS:
            problems.add(
                "kind",
                f"type « {self.kind} » inconnu (attendu : individuals ou business)",
                f"unknown kind '{self.kind}' (expected individuals or business)",
            )
        if not _whole(self.threshold) or self.threshold < 1:
            problems.add(
                "threshold",
                f"seuil {self.threshold!r} : un nombre entier d'au moins 1 est attendu (11 pour le secret statistique)",
                f"threshold {self.threshold!r}: a whole number of at least 1 is expected (11 for statistical secrecy)",
            )
        if not _whole(self.min_units) or self.min_units < 1:
            problems.add(
                "min_units",
                f"nombre minimal d'unités {self.min_units!r} : un entier d'au moins 1 est attendu (3 en général)",
                f"minimum number of units {self.min_units!r}: a whole number of at least 1 is expected (usually 3)",
            )
        if not _number(self.dominance) or not 0 < self.dominance <= 100:
            problems.add(
                "dominance",
                f"dominance {self.dominance!r} % : une part dans ]0, 100] est attendue (85 en général)",
                f"dominance {self.dominance!r}%: a share in (0, 100] is expected (usually 85)",
            )
        if self.nk is not None:
            n, k = (list(self.nk) + [None, None])[:2]
            if len(self.nk) != 2 or not _whole(n) or n < 1 or not _number(k) or not 0 < k <= 100:
                problems.add(
                    "nk",
                    f"règle (n, k) {self.nk!r} : n entier ≥ 1 et k dans ]0, 100] attendus",
                    f"(n, k) rule {self.nk!r}: n a whole number ≥ 1 and k in (0, 100] expected",
                )
        if not _number(self.protection_share) or not 0 <= self.protection_share < 1:
            problems.add(
                "protection_share",
                f"part de protection {self.protection_share!r} : une part dans [0, 1[ est attendue",
                f"protection share {self.protection_share!r}: a share in [0, 1) is expected",
            )
        if not _number(self.minimum_protection) or self.minimum_protection <= 0:
            problems.add(
                "minimum_protection",
                f"protection minimale {self.minimum_protection!r} : un nombre positif est attendu (une case masquée doit pouvoir varier)",
                f"minimum protection {self.minimum_protection!r}: a positive number is expected (a hidden cell must be able to vary)",
            )
        if self.rounding_base is not None and (
            not _whole(self.rounding_base) or self.rounding_base < 2
        ):
            problems.add(
                "rounding_base",
                f"base d'arrondi {self.rounding_base!r} : un entier d'au moins 2 est attendu (ou aucune)",
                f"rounding base {self.rounding_base!r}: a whole number of at least 2 is expected (or none)",
            )
        if self.rounding not in ROUNDINGS:
            problems.add(
                "rounding",
                f"arrondi « {self.rounding} » inconnu (attendu : controlled ou conventional)",
                f"unknown rounding '{self.rounding}' (expected controlled or conventional)",
            )
        if self.cost not in COSTS:
            problems.add(
                "cost",
                f"coût « {self.cost} » inconnu (attendu : value ou unity)",
                f"unknown cost '{self.cost}' (expected value or unity)",
            )
        if self.kind == BUSINESS:
            if not self.unit_column:
                problems.add(
                    "unit_column",
                    "données d'entreprises sans colonne d'unité contributrice (SIRET…) : les règles des 3 unités et de dominance ne peuvent pas s'appliquer",
                    "business data without a contributing-unit column (SIRET…): the 3-unit and dominance rules cannot apply",
                )
            if not self.value_column:
                problems.add(
                    "value_column",
                    "données d'entreprises sans colonne de valeur : la règle de dominance porte sur une valeur (chiffre d'affaires, effectif…)",
                    "business data without a value column: the dominance rule is about a value (turnover, staff…)",
                )
        reserved = {"hidden", "total_of"} & {*dims, self.measure}
        if reserved:
            problems.add(
                "dimensions",
                f"nom réservé à la sortie : {', '.join(sorted(reserved))}",
                f"name reserved for the output: {', '.join(sorted(reserved))}",
            )
        named = [c for c in (self.count_column, self.value_column, self.unit_column) if c]
        if set(named) & set(dims):
            problems.add(
                "dimensions",
                "une même colonne sert de dimension et de mesure ou d'unité",
                "one column is both a dimension and a measure or unit",
            )
        problems.raise_if_any("Configuration du secret statistique", "Disclosure configuration")

    def check_columns(self, available: Iterable[str], *, microdata: bool) -> None:
        """Refuse names the data does not have (and a business table given already aggregated)."""
        names = set(available)
        problems = _Problems()
        wanted = [("dimensions", d) for d in self.dimensions]
        wanted += [
            (field, getattr(self, field))
            for field in ("count_column", "value_column", "unit_column")
            if getattr(self, field)
        ]
        for where, column in wanted:
            if column not in names:
                problems.add(
                    where,
                    f"la colonne « {column} » n'existe pas (colonnes : {', '.join(sorted(names))})",
                    f"column '{column}' does not exist (columns: {', '.join(sorted(names))})",
                )
        if not microdata and self.kind == BUSINESS:
            problems.add(
                "kind",
                "les règles des entreprises (3 unités, dominance) demandent les données détaillées par unité, pas un tableau déjà agrégé",
                "business rules (3 units, dominance) need the detailed data per unit, not an already aggregated table",
            )
        if not microdata and not self.count_column:
            problems.add(
                "count_column",
                "tableau agrégé sans colonne d'effectif : le seuil porte sur le nombre d'individus de chaque case",
                "aggregated table without a count column: the threshold is about the number of individuals in each cell",
            )
        problems.raise_if_any("Configuration du secret statistique", "Disclosure configuration")


@dataclass(frozen=True)
class AnonymityConfig:
    """What a table must satisfy to be opened: every combination of the quasi-identifiers shared
    by at least ``k`` rows, and (when sensitive attributes are named) at least ``l`` distinct
    values of each sensitive attribute within each of those groups."""

    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[str, ...] = ()
    k: int = 11
    l: int = 2  # noqa: E741 - the name of the property
    smallest: int = 5  # how many of the smallest groups to report

    def __post_init__(self) -> None:
        for name in ("quasi_identifiers", "sensitive"):
            value = getattr(self, name)
            object.__setattr__(
                self, name, (value,) if isinstance(value, str) else tuple(value or ())
            )
        problems = _Problems()
        if not self.quasi_identifiers:
            problems.add(
                "quasi_identifiers",
                "aucun quasi-identifiant : nommez les colonnes qui, croisées, peuvent désigner une personne (âge, commune, sexe…)",
                "no quasi-identifier: name the columns that, combined, can single out a person (age, commune, sex…)",
            )
        if len(set(self.quasi_identifiers)) != len(self.quasi_identifiers):
            problems.add(
                "quasi_identifiers",
                "un quasi-identifiant est nommé deux fois",
                "a quasi-identifier is named twice",
            )
        if set(self.sensitive) & set(self.quasi_identifiers):
            problems.add(
                "sensitive",
                "une colonne ne peut être à la fois quasi-identifiant et attribut sensible",
                "a column cannot be both a quasi-identifier and a sensitive attribute",
            )
        if not _whole(self.k) or self.k < 2:
            problems.add(
                "k",
                f"k = {self.k!r} : au moins 2 (k = 1 ne protège personne)",
                f"k = {self.k!r}: at least 2 (k = 1 protects no one)",
            )
        if self.sensitive and (not _whole(self.l) or self.l < 2):
            problems.add(
                "l",
                f"l = {self.l!r} : au moins 2 (l = 1 laisse deviner l'attribut sensible)",
                f"l = {self.l!r}: at least 2 (l = 1 lets the sensitive attribute be inferred)",
            )
        if not _whole(self.smallest) or self.smallest < 1:
            problems.add(
                "smallest",
                "nombre de plus petits groupes à montrer : au moins 1",
                "number of smallest groups to show: at least 1",
            )
        problems.raise_if_any("Contrôle de k-anonymat", "k-anonymity check")

    def check_columns(self, available: Iterable[str]) -> None:
        names = set(available)
        problems = _Problems()
        for where, columns in (
            ("quasi_identifiers", self.quasi_identifiers),
            ("sensitive", self.sensitive),
        ):
            for column in columns:
                if column not in names:
                    problems.add(
                        where,
                        f"la colonne « {column} » n'existe pas (colonnes : {', '.join(sorted(names))})",
                        f"column '{column}' does not exist (columns: {', '.join(sorted(names))})",
                    )
        problems.raise_if_any("Contrôle de k-anonymat", "k-anonymity check")
