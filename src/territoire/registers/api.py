"""The registers in the native API, read-only: what the portal shows, to whoever asks (published
entries for the public, every entry for the territory's agents)."""

from __future__ import annotations

from ninja import Router

from territoire.accounts.authentication import actor_of
from territoire.core.schemas import COMMON_ERRORS, ErrorOut

from . import exports, selectors
from .models import Algorithm, ProcessingActivity
from .schemas import AlgorithmOut, ProcessingOut

router = Router(tags=["registres"])


def _processing_out(e: ProcessingActivity) -> dict:
    return {
        "reference": e.slug,
        "name": e.name,
        "service": str(e.service),
        "purposes": e.purposes,
        "legal_bases": e.legal_bases,
        "legal_basis_detail": e.legal_basis_detail,
        "data_categories": e.data_categories,
        "data_categories_detail": e.data_categories_detail,
        "sensitive_data": e.has_sensitive_data,
        "sensitive_categories": e.sensitive_categories,
        "people_categories": e.people_categories,
        "recipients": e.recipients,
        "transfers": e.transfers,
        "retention": e.retention,
        "security_measures": e.security_measures,
        "controller": e.controller_name,
        "controller_contact": e.controller_contact,
        "dpo": e.dpo_name,
        "dpo_contact": e.dpo_contact,
        "datasets": [d.slug for d in getattr(e, "visible_datasets", [])],
        "dpia_criteria": e.dpia_criteria,
        "dpia_mandatory": e.dpia_mandatory,
        "dpia_required": e.dpia_required,
        "dpia": exports.dpia_verdict(e),
        "is_published": e.is_published,
        "modified_at": e.modified_at,
    }


def _algorithm_out(e: Algorithm) -> dict:
    return {
        "reference": e.slug,
        "name": e.name,
        "service": str(e.service),
        "purpose": e.purpose,
        "decision": e.decision,
        "legal_basis": e.legal_basis,
        "automation": e.automation,
        "parameters": e.parameters,
        "datasets": [d.slug for d in getattr(e, "visible_datasets", [])],
        "processing_activities": [p.slug for p in getattr(e, "visible_processing", [])],
        "human_oversight": e.human_oversight,
        "how_to_contest": e.how_to_contest,
        "contact": e.contact,
        "source_code_url": e.source_code_url,
        "is_published": e.is_published,
        "modified_at": e.modified_at,
    }


@router.get(
    "/registers/processing-activities",
    response={200: list[ProcessingOut], **COMMON_ERRORS},
    summary="Le registre des traitements de données personnelles (article 30 du RGPD)",
    operation_id="registers_processing_list",
)
def processing_list(request):
    return [_processing_out(e) for e in selectors.processing_list_for_actor(actor_of(request))]


@router.get(
    "/registers/processing-activities/{reference}",
    response={200: ProcessingOut, 404: ErrorOut, **COMMON_ERRORS},
    summary="Un traitement du registre RGPD",
    operation_id="registers_processing_detail",
)
def processing_detail(request, reference: str):
    return _processing_out(selectors.processing_get_for_actor(actor_of(request), reference))


@router.get(
    "/registers/algorithms",
    response={200: list[AlgorithmOut], **COMMON_ERRORS},
    summary="Le registre des algorithmes publics (CRPA L312-1-3)",
    operation_id="registers_algorithm_list",
)
def algorithm_list(request):
    return [_algorithm_out(e) for e in selectors.algorithm_list_for_actor(actor_of(request))]


@router.get(
    "/registers/algorithms/{reference}",
    response={200: AlgorithmOut, 404: ErrorOut, **COMMON_ERRORS},
    summary="Un algorithme public",
    operation_id="registers_algorithm_detail",
)
def algorithm_detail(request, reference: str):
    return _algorithm_out(selectors.algorithm_get_for_actor(actor_of(request), reference))
