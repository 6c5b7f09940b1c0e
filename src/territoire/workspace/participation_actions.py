"""The staff's actions on the workspace's participation page, one entry per action: each finds
its object among those the actor may see and hands it to the participation service that holds
the rule (answering, publishing, moderating, reviewing, following a project's results)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.http import Http404, QueryDict

from territoire.core.errors import NotFound, ValidationFailed
from territoire.participation import selectors, services
from territoire.participation.models import Answer, Consultation, Milestone, Question

Action = Callable[[object, QueryDict], None]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(handler: Action) -> Action:
        ACTIONS[name] = handler
        return handler

    return register


def run(user, post: QueryDict) -> None:
    """Run the action the form names (an unknown one is a 404)."""
    handler = ACTIONS.get(post.get("action", ""))
    if handler is None:
        raise Http404
    handler(user, post)


def date_field(value: str | None, where: str, *, required: bool = True) -> datetime.date | None:
    if not value and not required:
        return None
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        raise ValidationFailed(f"Date invalide : « {value or ''} » (attendu AAAA-MM-JJ).",
                               f"Invalid date: '{value or ''}' (expected YYYY-MM-DD).",
                               where=where) from None  # fmt: skip


def _found(obj, fr: str, en: str):
    if obj is None:
        raise NotFound(fr, en)
    return obj


def _managed_project(user, post: QueryDict):
    project = selectors.project_list_manageable(user).filter(pk=post.get("id")).first()
    return _found(project, "Projet introuvable.", "Project not found.")


@action("answer_question")
def _answer_question(user, post):
    question = _found(Question.objects.select_related("project").filter(pk=post.get("id")).first(),
                      "Question introuvable.", "Question not found.")  # fmt: skip
    services.question_answer(actor=user, question=question, answer=post.get("answer", ""))


@action("answer_proposal")
def _answer_proposal(user, post):
    proposal = _found(selectors.proposal_list_answerable(user).filter(pk=post.get("id")).first(),
                      "Proposition introuvable.", "Proposal not found.")  # fmt: skip
    project = selectors.project_list_manageable(user).filter(pk=post.get("project") or 0).first()
    services.proposal_answer(actor=user, proposal=proposal, status=post.get("status", ""),
                             answer=post.get("answer", ""), project=project)  # fmt: skip


@action("publish_results")
def _publish_results(user, post):
    consultation = _found(
        Consultation.objects.select_related("project").filter(pk=post.get("id")).first(),
        "Consultation introuvable.", "Consultation not found.",
    )  # fmt: skip
    services.results_publish(actor=user, consultation=consultation)


@action("moderate")
def _moderate(user, post):
    try:
        object_id = int(post.get("id") or 0)
    except ValueError:
        object_id = 0
    services.content_moderate(actor=user, kind=post.get("kind", ""), object_id=object_id,
                              act=post.get("act", ""), reason=post.get("reason", ""),
                              text=post.get("text"))  # fmt: skip


@action("review_text")
def _review_text(user, post):
    answer = _found(Answer.objects.filter(pk=post.get("id")).first(),
                    "Réponse introuvable.", "Answer not found.")  # fmt: skip
    services.answer_text_review(actor=user, answer=answer, decision=post.get("decision", ""))


@action("reach_milestone")
def _reach_milestone(user, post):
    milestone = _found(Milestone.objects.select_related("project").filter(pk=post.get("id")).first(),
                       "Jalon introuvable.", "Milestone not found.")  # fmt: skip
    services.milestone_reach(actor=user, milestone=milestone)


@action("set_phase")
def _set_phase(user, post):
    services.phase_set(actor=user, project=_managed_project(user, post),
                       kind=post.get("kind", ""),
                       starts_on=date_field(post.get("starts_on"), "starts_on"),
                       ends_on=date_field(post.get("ends_on"), "ends_on", required=False),
                       description=post.get("description", "")[:1000])  # fmt: skip


@action("add_milestone")
def _add_milestone(user, post):
    services.milestone_add(actor=user, project=_managed_project(user, post),
                           title=post.get("title", ""),
                           due_on=date_field(post.get("due_on"), "due_on"))  # fmt: skip
