"""Disclosure control and anonymisation: the one module every aggregate goes through before it
leaves the platform (docs/disclosure.md).

Django-free: callers pass data (a DuckDB table or view, an Arrow table, rows) and a validated
configuration, and get back a protected result with its report.

- :func:`protect_microdata` / :func:`protect_table`: small-cell suppression (secret statistique,
  secret des affaires), complementary suppression verified by linear programming, rounding.
- :mod:`.transforms`: anonymising transforms as a JSON plan compiled to DuckDB SQL.
- :func:`check_anonymity`: k-anonymity and l-diversity of a table, and whether it may be opened.
"""

from .anonymity import AnonymityResult, check_anonymity
from .config import AnonymityConfig, DisclosureConfig
from .protect import ProtectedTable, protect, protect_microdata, protect_table
from .report import DisclosureReport, HiddenCell
from .table import CellTable
from .verify import ProtectionFailed, intervals

__all__ = [
    "AnonymityConfig",
    "AnonymityResult",
    "CellTable",
    "DisclosureConfig",
    "DisclosureReport",
    "HiddenCell",
    "ProtectedTable",
    "ProtectionFailed",
    "check_anonymity",
    "intervals",
    "protect",
    "protect_microdata",
    "protect_table",
]
