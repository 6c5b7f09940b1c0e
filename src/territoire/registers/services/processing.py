"""Writes to the GDPR article 30 register."""

from __future__ import annotations

from typing import Any

from territoire.core.errors import ValidationFailed

from ..models import ProcessingActivity
from ..vocabularies import (
    CnilMandatory,
    DataCategory,
    DpiaCriterion,
    LegalBasis,
    Safeguard,
    SecurityMeasure,
    SensitiveCategory,
)
from .common import check_codes, check_datasets, check_texts, entry_delete, entry_save, require

FIELDS = {
    "name",
    "slug",
    "service",
    "purposes",
    "legal_bases",
    "legal_basis_detail",
    "data_categories",
    "data_categories_detail",
    "sensitive_categories",
    "people_categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
    "security_detail",
    "controller_name",
    "controller_contact",
    "dpo_name",
    "dpo_contact",
    "dpia_criteria",
    "dpia_mandatory",
    "dpia_reference",
    "is_published",
    "internal_notes",
}


def _check_transfers(values: dict[str, Any]) -> None:
    """Each transfer outside the EU names its recipient, its country and its safeguard."""
    if "transfers" not in values:
        return
    transfers = values["transfers"]
    cleaned = []
    for item in transfers if isinstance(transfers, list) else [None]:
        if not isinstance(item, dict):
            raise ValidationFailed(
                "Chaque transfert hors de l'UE est un destinataire, un pays et une garantie.",
                "Each transfer outside the EU is a recipient, a country and a safeguard.",
                where="transfers",
            )
        recipient = str(item.get("recipient") or "").strip()
        country = str(item.get("country") or "").strip()
        safeguard = str(item.get("safeguard") or "").strip()
        if not recipient or not country or safeguard not in Safeguard.values:
            raise ValidationFailed(
                f"Transfert vers « {recipient or '?'} » ({country or '?'}) : indiquez le "
                "destinataire, le pays et la garantie (adéquation, clauses types, BCR, code de "
                "conduite ou dérogation).",
                f"Transfer to '{recipient or '?'}' ({country or '?'}): give the recipient, the "
                "country and the safeguard (adequacy, scc, bcr, code or derogation).",
                where="transfers",
            )
        cleaned.append({"recipient": recipient, "country": country, "safeguard": safeguard})
    values["transfers"] = cleaned


def _check_retention(values: dict[str, Any]) -> None:
    if "retention" not in values:
        return
    periods = values["retention"]
    cleaned = []
    for item in periods if isinstance(periods, list) else [None]:
        category = str(item.get("category") or "").strip() if isinstance(item, dict) else ""
        period = str(item.get("period") or "").strip() if isinstance(item, dict) else ""
        if not period:
            raise ValidationFailed(
                "Chaque durée de conservation dit sa durée (« 5 ans après la clôture du dossier »).",
                "Each retention period states its duration ('5 years after the file closes').",
                where="retention",
            )
        cleaned.append({"category": category, "period": period})
    values["retention"] = cleaned


def _check(values: dict[str, Any]) -> None:
    unknown = set(values) - FIELDS
    if unknown:
        raise ValidationFailed(
            f"Champs inconnus : {', '.join(sorted(unknown))}.",
            f"Unknown fields: {', '.join(sorted(unknown))}.",
        )
    for field, choices, label in [
        ("legal_bases", LegalBasis.values, "bases légales"),
        ("data_categories", DataCategory.values, "catégories de données"),
        ("sensitive_categories", SensitiveCategory.values, "données sensibles"),
        ("security_measures", SecurityMeasure.values, "mesures de sécurité"),
        ("dpia_criteria", DpiaCriterion.values, "critères du CEPD"),
        ("dpia_mandatory", CnilMandatory.values, "liste de la CNIL"),
    ]:
        check_codes(values, field, choices, label)
    for field, label in [
        ("purposes", "finalités"),
        ("people_categories", "catégories de personnes"),
        ("recipients", "destinataires"),
    ]:
        check_texts(values, field, label)
    _check_transfers(values)
    _check_retention(values)


def _check_complete(entry: ProcessingActivity) -> None:
    """What the register cannot do without: a name, a purpose, a legal basis, a controller."""
    values = {f: getattr(entry, f) for f in ("name", "purposes", "legal_bases", "controller_name")}
    require(values, "name", "nom du traitement")
    require(values, "purposes", "finalités")
    require(values, "legal_bases", "bases légales")
    require(values, "controller_name", "responsable du traitement")


def processing_create(
    *, actor, name: str, service, datasets: list | None = None, reason: str = "", **values: Any
) -> ProcessingActivity:
    values.update(name=name, service=service)
    _check(values)
    check_datasets(actor, datasets)
    entry = ProcessingActivity(**values)
    _check_complete(entry)
    return entry_save(  # type: ignore[return-value]
        actor=actor,
        instance=entry,
        values={},
        relations={"datasets": datasets or []},
        reason=reason,
    )


def processing_update(
    *,
    actor,
    entry: ProcessingActivity,
    datasets: list | None = None,
    reason: str = "",
    **values: Any,
) -> ProcessingActivity:
    _check(values)
    check_datasets(actor, datasets)
    required = ("name", "purposes", "legal_bases", "controller_name")
    _check_complete(ProcessingActivity(**{f: values.get(f, getattr(entry, f)) for f in required}))
    return entry_save(  # type: ignore[return-value]
        actor=actor,
        instance=entry,
        values=values,
        relations={"datasets": datasets},
        reason=reason,
    )


def processing_delete(*, actor, entry: ProcessingActivity, reason: str = "") -> None:
    entry_delete(actor=actor, instance=entry, reason=reason)
