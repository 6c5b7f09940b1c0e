"""What the apps built on the catalogue contribute to its rules, registered in their
``AppConfig.ready()``: the catalogue imports nothing above it, the lake plugs in here.

- personal-data sources: the columns flagged as personal data in what a dataset serves (the lake's
  served version), read by the publication rule (``catalog.services.dataset_personal_data_check``);
- derivation verdicts: whether the version a dataset serves (or a candidate version) was derived
  by a recorded anonymisation that may be opened (the lake's lineage), read by the same rule;
- deletion effects: what goes with a dataset when it is deleted (the lake's Parquet files), run
  inside the deletion's transaction (so an effect deferred with ``on_commit`` follows the outcome).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from territoire.trust.disclosure.lineage import Verdict

    from .models import Dataset

PersonalDataSource = Callable[["Dataset"], list[dict]]
DeletionEffect = Callable[["Dataset"], None]
# (dataset, candidate version or None for the served one) -> verdict, None when not derived
DerivationSource = Callable[["Dataset", "dict | None"], "Verdict | None"]

_personal_data_sources: list[PersonalDataSource] = []
_deletion_effects: list[DeletionEffect] = []
_derivation_sources: list[DerivationSource] = []


def derivation_source_register(source: DerivationSource) -> DerivationSource:
    """Add a source of derivation verdicts (registering the same one twice keeps one)."""
    if source not in _derivation_sources:
        _derivation_sources.append(source)
    return source


def derivation_verdict(dataset: Dataset, candidate: dict | None = None) -> Verdict | None:
    """The first verdict a registered source gives: is ``dataset`` an anonymised derivation,
    and may what it serves (or the ``candidate`` version: ``lineage``, ``parquet_checksum``,
    ``personal_data``) be opened without a decision? None: not a derived dataset."""
    for source in _derivation_sources:
        verdict = source(dataset, candidate)
        if verdict is not None:
            return verdict
    return None


def personal_data_source_register(source: PersonalDataSource) -> PersonalDataSource:
    """Add a source of personal-data flags (registering the same one twice keeps one)."""
    if source not in _personal_data_sources:
        _personal_data_sources.append(source)
    return source


def deletion_effect_register(effect: DeletionEffect) -> DeletionEffect:
    """Add what must happen when a dataset is deleted (registering it twice keeps one)."""
    if effect not in _deletion_effects:
        _deletion_effects.append(effect)
    return effect


def personal_data_flags(dataset: Dataset) -> list[dict]:
    """Every flag the registered sources report for what ``dataset`` serves."""
    return [flag for source in _personal_data_sources for flag in source(dataset)]


def deletion_effects_run(dataset: Dataset) -> None:
    for effect in _deletion_effects:
        effect(dataset)
