"""Participation in the native API: read projects with their transparency sheet and
results, consultations with their published results, proposals (JSON and CSV, anonymised: no
author, no pseudonym); a project's links replaced with a "write" token."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router

from territoire.accounts.authentication import actor_of, writer_of
from territoire.core.schemas import COMMON_ERRORS, ErrorOut
from territoire.records.spreadsheet import neutral_row

from . import selectors, services
from .models import Consultation, Project, Proposal
from .results import HIDDEN_MARK, consultation_results
from .schemas import ConsultationOut, ConsultationPatch, ProjectLinksIn, ProjectOut, ProposalOut
from .services import is_open

router = Router(tags=["participation"])
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}


def _links(objects, key: str, label: str) -> list[dict]:
    return [{"reference": getattr(o, key), "title": getattr(o, label)} for o in objects]


def _effect_out(evaluation, result) -> dict:
    return {
        "reference": evaluation.slug, "title": evaluation.title,
        "indicator": evaluation.indicator.slug,
        "estimate": result.estimate if result else None,
        "confidence_interval": [result.low, result.high] if result else [None, None],
        "sentence_fr": result.fr if result else "", "sentence_en": result.en if result else "",
    }  # fmt: skip


def _project_out(actor, p: Project) -> dict:
    sheet = selectors.project_sheet(actor, p)
    return {
        "reference": p.slug, "title": p.title, "summary": p.summary, "service": str(p.service),
        "territory_kind": p.territory.kind, "territory_code": p.territory.code,
        "territory": p.territory.name, "status": p.status, "progress": p.progress,
        "purpose": p.purpose, "processes_personal_data": p.processes_personal_data,
        "personal_data_detail": p.personal_data_detail, "benefits": p.benefits, "risks": p.risks,
        "decision_maker": p.decision_maker, "contact": p.contact,
        "datasets": _links(sheet.datasets, "slug", "title"),
        "algorithms": _links(sheet.algorithms, "slug", "name"),
        "processing_activities": _links(sheet.processing_activities, "slug", "name"),
        "indicators": _links(sheet.indicators, "slug", "title"),
        "evaluations": [_effect_out(e, r)
                        for e, r in selectors.project_evaluations(actor, sheet.evaluations)],
        "report_count": selectors.project_reports(p).count,
        "phases": list(p.phases.values("kind", "starts_on", "ends_on")),
        "milestones": list(p.milestones.values("title", "due_on", "reached_on")),
        "timeline": [{"date": t.created_at, "text": t.text} for t in p.timeline.all()[:100]],
        "questions": [{"text": q.text, "answer": q.answer, "asked_at": q.created_at,
                       "answered_at": q.answered_at}
                      for q in p.questions.filter(is_hidden=False)],
        "url": reverse("web:project", args=[p.slug]),
    }  # fmt: skip


@router.get("/participation/projects", response={200: list[ProjectOut], **COMMON_ERRORS},
            summary="Les projets de données, avec leur fiche de transparence et leurs résultats",
            operation_id="participation_project_list")  # fmt: skip
def project_list(request):
    actor = actor_of(request)
    return [_project_out(actor, p) for p in selectors.project_list_for_actor(actor)]


@router.get("/participation/projects/{reference}",
            response={200: ProjectOut, 404: ErrorOut, **COMMON_ERRORS},
            summary="Un projet de données", operation_id="participation_project_detail")  # fmt: skip
def project_detail(request, reference: str):
    actor = actor_of(request)
    return _project_out(actor, selectors.project_get_for_actor(actor, reference))


@router.put("/participation/projects/{reference}/links",
            response={200: ProjectOut, **WRITE_ERRORS},
            summary="Remplacer les liens d'un projet (jeux de données, registres, indicateurs, "
                    "évaluations)", operation_id="participation_project_links")  # fmt: skip
def project_links(request, reference: str, payload: ProjectLinksIn):
    """A "write" token (or a session with its CSRF token) of an agent of the owner service or
    the data officer; each reference must be one the actor may see (else 400 naming it)."""
    actor = writer_of(request)
    project = selectors.project_get_for_actor(actor, reference)
    links = selectors.project_links_resolve(
        actor, {k: v for k, v in payload.dict().items() if v is not None}
    )
    services.project_set_links(actor=actor, project=project, **links)
    return _project_out(actor, project)


def _consultation_out(c: Consultation) -> dict:
    published = c.results_published_at is not None
    results = consultation_results(c) if published else None
    rows = results.rows() if results else []
    keys = ["question", "question_label", "kind", "quartier_code", "quartier", "answer", "count",
            "respondents", "share", "average_rank"]  # fmt: skip
    return {
        "reference": c.slug, "title": c.title, "project": c.project.slug, "opens_at": c.opens_at,
        "closes_at": c.closes_at, "is_open": is_open(c),
        "respondents": results.respondents if results else None,
        "results_published_at": c.results_published_at,
        "results_dataset": c.results_dataset.slug if c.results_dataset_id else None,
        "results": [dict(zip(keys, [*r[:5], str(r[5]), *r[6:10]], strict=True),
                         hidden=r[10] == HIDDEN_MARK) for r in rows],
        "hidden_quartiers": list(results.hidden) if results else [],
        "disclosure": results.explanation() if results else [],
        "disclosure_en": results.explanation(french=False) if results else [],
    }  # fmt: skip


@router.get("/participation/consultations", response={200: list[ConsultationOut], **COMMON_ERRORS},
            summary="Les consultations et leurs résultats publiés (agrégés, seuil par quartier)",
            operation_id="participation_consultation_list")  # fmt: skip
def consultation_list(request):
    qs = selectors.consultation_list_for_actor(actor_of(request)).select_related("results_dataset")
    return [_consultation_out(c) for c in qs]


@router.get("/participation/consultations/{reference}",
            response={200: ConsultationOut, 404: ErrorOut, **COMMON_ERRORS},
            summary="Une consultation et ses résultats publiés",
            operation_id="participation_consultation_detail")  # fmt: skip
def consultation_detail(request, reference: str):
    return _consultation_out(selectors.consultation_get_for_actor(actor_of(request), reference))


@router.patch("/participation/consultations/{reference}",
              response={200: ConsultationOut, **WRITE_ERRORS},
              summary="Modifier une consultation (questions avant l'ouverture ; après la première "
                      "réponse, seulement les dates et la description)",
              operation_id="participation_consultation_update")  # fmt: skip
def consultation_update(request, reference: str, payload: ConsultationPatch):
    actor = writer_of(request)
    consultation = selectors.consultation_get_for_actor(actor, reference)
    values = payload.dict(exclude_none=True)
    services.consultation_update(actor=actor, consultation=consultation, **values)
    return _consultation_out(consultation)


def _proposal_out(p: Proposal) -> dict:
    return {
        "id": p.pk, "title": p.title, "text": p.text, "category": p.category,
        "project": p.project.slug if p.project_id else None, "service": str(p.service),
        "status": p.status, "answer": p.answer, "answered_at": p.answered_at,
        "supports": p.support_count, "comments": getattr(p, "comment_count", 0),
        "latitude": p.latitude, "longitude": p.longitude, "created_at": p.created_at,
    }  # fmt: skip


def _public_proposals(request):
    return selectors.proposal_list_for_actor(actor_of(request)).filter(is_hidden=False)


@router.get("/participation/proposals", response={200: list[ProposalOut], **COMMON_ERRORS},
            summary="Les propositions des participants (sans auteur)",
            operation_id="participation_proposal_list")  # fmt: skip
def proposal_list(request):
    return [_proposal_out(p) for p in _public_proposals(request)]


@router.get("/participation/proposals.csv", response={200: None, **COMMON_ERRORS},
            summary="Les propositions des participants en CSV (sans auteur)",
            operation_id="participation_proposal_csv",
            openapi_extra={"responses": {200: {"description": "Le fichier CSV",
                                               "content": {"text/csv": {"schema": {}}}}}})  # fmt: skip
def proposal_csv(request):
    buffer = io.StringIO()
    fields = list(ProposalOut.model_fields)
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for p in _public_proposals(request):
        writer.writerow(neutral_row(_proposal_out(p)))  # citizens' text: never a formula
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="propositions.csv"'
    return response


@router.get("/participation/proposals/{proposal_id}",
            response={200: ProposalOut, 404: ErrorOut, **COMMON_ERRORS},
            summary="Une proposition", operation_id="participation_proposal_detail")  # fmt: skip
def proposal_detail(request, proposal_id: int):
    return _proposal_out(selectors.proposal_get_for_actor(actor_of(request), proposal_id))
