"""Exports of participation objects for the staff (CSV or JSON), limited to what the actor may
manage. Authors appear by pseudonym only (never an account or address); consultation responses
carry no participant at all, only their quartier when given. Each export is an audited read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable

from django.db import transaction

from territoire.core.errors import NotFound
from territoire.records.spreadsheet import neutral_row
from territoire.trust.services import audit_record

from . import selectors
from .models import Answer, Comment, Question

KINDS = ("proposals", "comments", "questions", "responses")


def _pseudonym(author) -> str:
    return author.pseudonym if author else ""


def _rows(actor, kind: str) -> Iterable[dict]:
    projects = selectors.project_list_manageable(actor)
    if kind == "proposals":
        for p in selectors.proposal_list_answerable(actor):
            yield {"id": p.pk, "title": p.title, "text": p.text, "category": p.category,
                   "project": p.project.slug if p.project else "", "status": p.status,
                   "answer": p.answer, "supports": p.support_count, "author": _pseudonym(p.author),
                   "latitude": p.latitude, "longitude": p.longitude, "hidden": p.is_hidden,
                   "created_at": p.created_at.isoformat()}  # fmt: skip
    elif kind == "comments":
        proposals = selectors.proposal_list_answerable(actor).values("pk")
        for c in Comment.objects.filter(proposal_id__in=proposals).select_related("author"):
            yield {"id": c.pk, "proposal": c.proposal_id, "parent": c.parent_id or "",
                   "text": c.text, "author": _pseudonym(c.author), "hidden": c.is_hidden,
                   "created_at": c.created_at.isoformat()}  # fmt: skip
    elif kind == "questions":
        qs = Question.objects.filter(project__in=projects).select_related("author", "project")
        for q in qs:
            yield {"id": q.pk, "project": q.project.slug, "text": q.text, "answer": q.answer,
                   "author": _pseudonym(q.author), "hidden": q.is_hidden,
                   "created_at": q.created_at.isoformat()}  # fmt: skip
    elif kind == "responses":
        answers = Answer.objects.filter(response__consultation__project__in=projects)
        for a in answers.select_related("response__quartier", "response__consultation", "question"):
            yield {"consultation": a.response.consultation.slug, "response": a.response_id,
                   "quartier": a.response.quartier.code if a.response.quartier else "",
                   "question": a.question.label, "value": json.dumps(a.value, ensure_ascii=False)
                   if a.value is not None else "", "text": a.text, "text_review": a.text_review}  # fmt: skip
    else:
        raise NotFound(f"Export inconnu : {kind}.", f"Unknown export: {kind}.", where="kind")


def export(*, actor, kind: str, fmt: str) -> tuple[bytes, str]:
    """The export's body and media type; the read is audited."""
    if kind not in KINDS or fmt not in ("csv", "json"):
        raise NotFound(f"Export inconnu : {kind}.{fmt}.", f"Unknown export: {kind}.{fmt}.")
    rows = list(_rows(actor, kind))
    with transaction.atomic():
        audit_record(actor=actor, action="read", object_type=f"participation.{kind}",
                     object_repr=f"export {kind} ({len(rows)} lignes)")  # fmt: skip
    writers: dict[str, Callable[[list[dict]], bytes]] = {"csv": _csv, "json": _json}
    media = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
    return writers[fmt](rows), media[fmt]


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(neutral_row(row) for row in rows)  # citizens' text: never a formula
    return buffer.getvalue().encode()


def _json(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=2).encode()
