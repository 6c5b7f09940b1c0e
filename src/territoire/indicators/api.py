"""Indicators, evaluations and dashboards in the native API: read for whoever may see them,
create and change with a "write" token (or a session with its CSRF token) of the data officer
or a steward of the owner service — the same services as the workspace."""

from __future__ import annotations

from ninja import Router, Status

from territoire.accounts.authentication import actor_of, writer_of
from territoire.core.errors import NotFound
from territoire.core.schemas import COMMON_ERRORS, ErrorOut
from territoire.organizations.models import Service

from . import selectors, services
from .models import Dashboard, Evaluation, Indicator
from .schemas import (
    ComparisonOut,
    DashboardIn,
    DashboardOut,
    DashboardPatch,
    EvaluationIn,
    EvaluationOut,
    EvaluationPatch,
    IndicatorIn,
    IndicatorOut,
    IndicatorPatch,
    PublicationDecisionIn,
)

router = Router(tags=["indicateurs"])
READ_ERRORS = {404: ErrorOut, **COMMON_ERRORS}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}
DELETE_RESPONSES = {204: None, **WRITE_ERRORS}


def _run_out(run) -> dict | None:
    if run is None:
        return None
    return {
        "status": run.status, "definition_version": run.definition_version,
        "series_version": run.series_version, "source_versions": run.source_versions,
        "error": run.error, "disclosure": run.disclosure, "trigger": run.trigger,
        "created_at": run.created_at,
    }  # fmt: skip


def _indicator_out(i: Indicator, run=None) -> dict:
    return {
        "slug": i.slug, "title": i.title, "description": i.description, "method": i.method,
        "unit": i.unit, "direction": i.direction, "frequency": i.frequency,
        "granularity": i.granularity, "access_level": i.access_level,
        "is_published": i.is_published, "publisher_service": str(i.publisher_service),
        "definition": i.definition, "definition_version": i.definition_version,
        "state": i.state, "error": i.error, "disclosure": i.disclosure,
        "series": i.series.slug if i.series_id else None, "computed_at": i.computed_at,
        "last_run": _run_out(run),
    }  # fmt: skip


def _service(reference: str) -> Service:
    organization, _, slug = reference.partition("/")
    service = (
        Service.objects.filter(organization__slug=organization, slug=slug)
        .select_related("organization")
        .first()
    )
    if service is None:
        raise NotFound(f"Service « {reference} » introuvable (attendu : organisation/service).",
                       f"Service '{reference}' not found (expected: organisation/service).",
                       where="service")  # fmt: skip
    return service


@router.get("/indicators", response={200: list[IndicatorOut], **COMMON_ERRORS},
            summary="Les indicateurs visibles", operation_id="indicators_list")  # fmt: skip
def indicator_list(request):
    return [_indicator_out(i) for i in selectors.indicator_list_for_actor(actor_of(request))]


@router.get("/indicators/{slug}", response={200: IndicatorOut, **READ_ERRORS},
            summary="Un indicateur et sa définition", operation_id="indicators_get")  # fmt: skip
def indicator_detail(request, slug: str):
    indicator = selectors.indicator_get_for_actor(actor_of(request), slug)
    return _indicator_out(indicator, indicator.runs.first())


@router.post("/indicators", response={201: IndicatorOut, **WRITE_ERRORS},
             summary="Créer un indicateur (et calculer sa série)",
             description="Jeton « write » (ou session) de l'administrateur des données ou d'un relais "
             "du service responsable. La définition est refusée avec sa raison avant tout enregistrement.",
             operation_id="indicators_create")  # fmt: skip
def indicator_create(request, payload: IndicatorIn):
    actor = writer_of(request)
    data = payload.dict()
    compute = data.pop("compute")
    indicator = services.indicator_create(
        actor=actor, title=data.pop("title"), publisher_service=_service(data.pop("service")),
        definition=data.pop("definition"), slug=data.pop("slug"), themes=data.pop("themes"), **data,
    )  # fmt: skip
    run = services.indicator_compute(actor=actor, indicator=indicator) if compute else None
    return Status(201, _indicator_out(indicator, run))


@router.patch("/indicators/{slug}", response={200: IndicatorOut, **WRITE_ERRORS},
              summary="Modifier un indicateur (une définition changée est une nouvelle version)",
              operation_id="indicators_update")  # fmt: skip
def indicator_update(request, slug: str, payload: IndicatorPatch):
    actor = writer_of(request)
    indicator = selectors.indicator_get_editable(actor, slug)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    compute = data.pop("compute", True)
    services.indicator_update(actor=actor, indicator=indicator, **data)
    run = services.indicator_compute(actor=actor, indicator=indicator) if compute else None
    return _indicator_out(indicator, run)


@router.post("/indicators/{slug}/compute", response={200: IndicatorOut, **WRITE_ERRORS},
             summary="Recalculer la série maintenant", operation_id="indicators_compute")  # fmt: skip
def indicator_compute(request, slug: str):
    actor = writer_of(request)
    indicator = selectors.indicator_get_editable(actor, slug)
    run = services.indicator_compute(actor=actor, indicator=indicator, trigger="API")
    return _indicator_out(indicator, run)


@router.delete("/indicators/{slug}", response=DELETE_RESPONSES,
               summary="Supprimer un indicateur et sa série",
               description="L'administrateur des données seulement. Refusé (400, avec les noms) tant "
               "qu'un tableau de bord ou une évaluation l'utilise.",
               operation_id="indicators_delete")  # fmt: skip
def indicator_delete(request, slug: str, reason: str = ""):
    actor = writer_of(request)
    indicator = selectors.indicator_get_for_actor(actor, slug)
    services.indicator_delete(actor=actor, indicator=indicator, reason=reason)
    return Status(204, None)


@router.get("/indicators/{slug}/comparison", response={200: ComparisonOut, **READ_ERRORS},
            summary="L'indicateur comparé entre territoires (classement, valeur de référence)",
            operation_id="indicators_comparison")  # fmt: skip
def indicator_comparison(request, slug: str, period: str | None = None):
    actor = actor_of(request)
    indicator = selectors.indicator_get_for_actor(actor, slug)
    return selectors.comparison_for(actor, indicator, period=period)


def _evaluation_out(actor, e: Evaluation) -> dict:
    r = selectors.evaluation_assess(actor, e)
    return {
        "slug": e.slug, "title": e.title, "description": e.description,
        "indicator": e.indicator.slug, "intervention_date": e.intervention_date,
        "treated": e.treated, "comparison": e.comparison,
        "treated_means": {**vars(r.treated), "change": r.treated.change},
        "comparison_means": {**vars(r.comparison), "change": r.comparison.change},
        "periods_before": r.periods_before, "periods_after": r.periods_after,
        "estimate": r.estimate, "confidence_interval": [r.low, r.high], "p_value": r.p_value,
        "standard_errors": r.errors, "sentence_fr": r.fr, "sentence_en": r.en,
    }  # fmt: skip


@router.get("/evaluations", response={200: list[EvaluationOut], **COMMON_ERRORS},
            summary="Les évaluations (effets mesurés)", operation_id="evaluations_list")  # fmt: skip
def evaluation_list(request):
    actor = actor_of(request)
    return [_evaluation_out(actor, e) for e in selectors.evaluation_list_for_actor(actor)]


@router.get("/evaluations/{slug}", response={200: EvaluationOut, **READ_ERRORS},
            summary="Une évaluation : avant/après et différence de différences",
            operation_id="evaluations_get")  # fmt: skip
def evaluation_detail(request, slug: str):
    actor = actor_of(request)
    return _evaluation_out(actor, selectors.evaluation_get_for_actor(actor, slug))


@router.post("/evaluations", response={201: EvaluationOut, **WRITE_ERRORS},
             summary="Créer une évaluation", operation_id="evaluations_create")  # fmt: skip
def evaluation_create(request, payload: EvaluationIn):
    actor = writer_of(request)
    data = payload.dict()
    indicator = selectors.indicator_get_for_actor(actor, data.pop("indicator"))
    evaluation = services.evaluation_create(actor=actor, indicator=indicator, **data)
    return Status(201, _evaluation_out(actor, evaluation))


@router.patch("/evaluations/{slug}", response={200: EvaluationOut, **WRITE_ERRORS},
              summary="Modifier une évaluation", operation_id="evaluations_update")  # fmt: skip
def evaluation_update(request, slug: str, payload: EvaluationPatch):
    actor = writer_of(request)
    evaluation = selectors.evaluation_get_for_actor(actor, slug)
    services.evaluation_update(actor=actor, evaluation=evaluation,
                               **{k: v for k, v in payload.dict().items() if v is not None})  # fmt: skip
    return _evaluation_out(actor, evaluation)


@router.delete("/evaluations/{slug}", response=DELETE_RESPONSES,
               summary="Supprimer une évaluation", operation_id="evaluations_delete")  # fmt: skip
def evaluation_delete(request, slug: str, reason: str = ""):
    actor = writer_of(request)
    evaluation = selectors.evaluation_get_for_actor(actor, slug)
    services.evaluation_delete(actor=actor, evaluation=evaluation, reason=reason)
    return Status(204, None)


def _dashboard_out(actor, d: Dashboard) -> dict:
    tiles = selectors.dashboard_tiles(actor, d)
    return {
        "slug": d.slug, "title": d.title, "description": d.description,
        "publisher_service": str(d.publisher_service), "access_level": d.access_level,
        "published_at": d.published_at, "publication_reason": d.publication_reason,
        "tiles": [{
            "kind": t.kind, "text": t.text,
            "indicator": t.indicator.slug if t.indicator else None,
            "title": t.indicator.title if t.indicator else "",
            "unit": t.indicator.unit if t.indicator else "",
            "period": t.period, "territory": t.territory, "value": t.value,
            "target_status": t.progress.status if t.progress else None,
            "target_sentence_fr": t.progress.fr if t.progress else None, "values": t.values,
        } for t in tiles],
    }  # fmt: skip


@router.get("/dashboards", response={200: list[DashboardOut], **COMMON_ERRORS},
            summary="Les tableaux de bord visibles", operation_id="dashboards_list")  # fmt: skip
def dashboard_list(request):
    actor = actor_of(request)
    return [_dashboard_out(actor, d) for d in selectors.dashboard_list_for_actor(actor)]


@router.get("/dashboards/{slug}", response={200: DashboardOut, **READ_ERRORS},
            summary="Un tableau de bord et ses tuiles", operation_id="dashboards_get")  # fmt: skip
def dashboard_detail(request, slug: str):
    actor = actor_of(request)
    return _dashboard_out(actor, selectors.dashboard_get_for_actor(actor, slug))


@router.post("/dashboards", response={201: DashboardOut, **WRITE_ERRORS},
             summary="Créer un tableau de bord", operation_id="dashboards_create")  # fmt: skip
def dashboard_create(request, payload: DashboardIn):
    actor = writer_of(request)
    data = payload.dict()
    dashboard = services.dashboard_create(actor=actor, publisher_service=_service(data.pop("service")),
                                          **data)  # fmt: skip
    return Status(201, _dashboard_out(actor, dashboard))


@router.patch("/dashboards/{slug}", response={200: DashboardOut, **WRITE_ERRORS},
              summary="Modifier un tableau de bord (titre, accès, tuiles)",
              operation_id="dashboards_update")  # fmt: skip
def dashboard_update(request, slug: str, payload: DashboardPatch):
    actor = writer_of(request)
    dashboard = selectors.dashboard_get_for_actor(actor, slug)
    services.dashboard_update(actor=actor, dashboard=dashboard,
                              **{k: v for k, v in payload.dict().items() if v is not None})  # fmt: skip
    return _dashboard_out(actor, dashboard)


@router.delete("/dashboards/{slug}", response=DELETE_RESPONSES,
               summary="Supprimer un tableau de bord (ses indicateurs restent)",
               operation_id="dashboards_delete")  # fmt: skip
def dashboard_delete(request, slug: str, reason: str = ""):
    actor = writer_of(request)
    dashboard = selectors.dashboard_get_for_actor(actor, slug)
    services.dashboard_delete(actor=actor, dashboard=dashboard, reason=reason)
    return Status(204, None)


@router.post("/dashboards/{slug}/publish", response={200: DashboardOut, **WRITE_ERRORS},
             summary="Rendre public un tableau de bord (décision motivée de l'administrateur des données)",
             description="Publie aussi les indicateurs non publics qu'il montre, avec le même motif.",
             operation_id="dashboards_publish")  # fmt: skip
def dashboard_publish(request, slug: str, payload: PublicationDecisionIn):
    actor = writer_of(request)
    dashboard = selectors.dashboard_get_for_actor(actor, slug)
    services.dashboard_publish(actor=actor, dashboard=dashboard, reason=payload.reason)
    return _dashboard_out(actor, dashboard)
