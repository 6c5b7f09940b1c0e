"""The lineage of an anonymised version, and the rule that says whether it may be opened.

A derived version records where it comes from (dataset, version number and Parquet checksum of
its source), the plan that made it, the k-anonymity check run on the file that became the
version (with that file's checksum), who ran it and when. Publishing such a dataset without the
data officer's decision is allowed only when all of it holds together (:func:`lineage_verdict`):

- the check passed (every class at least k rows, l distinct sensitive values when asked);
- the check was run on the very file served (its checksum is the version's);
- the source version it names is still the one checked (same checksum);
- nothing left in the result looks like personal data (the lake's detector flags nothing):
  a passing check on the quasi-identifiers says nothing of an e-mail column the plan kept.

Django-free: the lake passes the rows' values in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .transforms.plan import STEPS

KIND = "anonymisation"


@dataclass
class Verdict:
    passes: bool
    reasons_fr: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)

    def refuse(self, fr: str, en: str) -> None:
        self.passes = False
        self.reasons_fr.append(fr)
        self.reasons_en.append(en)


def lineage_verdict(
    lineage: Mapping[str, Any] | None,
    *,
    parquet_checksum: str,
    source_checksum: str | None,
    flags: Sequence[Mapping] = (),
) -> Verdict:
    """May the version described by ``lineage`` be opened without the data officer's decision?
    ``parquet_checksum``: the version's file; ``source_checksum``: the checksum the source
    version has today (None when it no longer exists); ``flags``: its personal-data flags."""
    verdict = Verdict(passes=True)
    if not lineage or lineage.get("kind") != KIND:
        verdict.refuse(
            "cette version n'a pas été produite par une anonymisation enregistrée",
            "this version was not produced by a recorded anonymisation",
        )
        return verdict
    check = lineage.get("check") or {}
    if not check.get("may_open"):
        verdict.refuse(
            "le contrôle de k-anonymat enregistré n'est pas passé",
            "the recorded k-anonymity check did not pass",
        )
    if check.get("parquet_checksum") != parquet_checksum:
        verdict.refuse(
            "le contrôle n'a pas porté sur le fichier servi",
            "the check was not run on the file served",
        )
    source = lineage.get("source") or {}
    if source_checksum is None:
        verdict.refuse(
            f"la version source {source.get('version')} n'existe plus",
            f"source version {source.get('version')} no longer exists",
        )
    elif source.get("parquet_checksum") != source_checksum:
        verdict.refuse(
            "la version source n'est pas celle qui a été contrôlée",
            "the source version is not the one that was checked",
        )
    if flags:
        columns = ", ".join(sorted({str(f.get("label") or f.get("column")) for f in flags}))
        verdict.refuse(
            f"des colonnes semblent encore contenir des données personnelles ({columns})",
            f"columns still look like personal data ({columns})",
        )
    return verdict


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def step_words(step: Mapping[str, Any], language: str = "fr") -> str:
    """One step of a plan in words: what it does, then its parameters."""
    kind = STEPS.get(str(step.get("op")))
    french = not language.startswith("en")
    if kind is None:
        return str(step.get("op"))
    what = kind.description_fr if french else kind.description_en
    details = [f"{name} = {_value(value)}" for name, value in step.items() if name != "op"]
    return f"{what} ({'; '.join(details)})" if details else what


def plan_words(steps: Sequence[Mapping[str, Any]], language: str = "fr") -> list[str]:
    return [step_words(step, language) for step in steps]
