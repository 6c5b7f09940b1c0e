"""Proposals: a participant proposes, others support (one support per account, counted exactly
under concurrent clicks) and comment (threaded); the service answers; accepted, the proposal
joins the project."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.core.errors import ValidationFailed
from territoire.territories import selectors as territories
from territoire.territories.geometry import contains_point
from territoire.trust.services import audit_record, audited_save

from ..models import Comment, Project, Proposal, Support
from ..vocabularies import OPEN_PROPOSAL_STATUSES, FollowKind, ProposalCategory, ProposalStatus
from .guard import check_honeypot, check_rate, clean_text, require_participant
from .notifications import follow_set, followers_notify
from .projects import project_check_manageable, timeline_add


def _closed() -> ValidationFailed:
    return ValidationFailed(
        "Cette proposition a reçu sa réponse officielle : elle n'accepte plus de soutiens ni de "
        "commentaires.",
        "This proposal has its official answer: it takes no more supports or comments.",
    )


def check_point(latitude: float | None, longitude: float | None) -> None:
    """An optional point, inside the territory's outline when the territory has one."""
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        raise ValidationFailed("Indiquez la latitude et la longitude, ou aucune des deux.",
                               "Give both latitude and longitude, or neither.",
                               where="latitude")  # fmt: skip
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationFailed("Coordonnées impossibles (latitude −90 à 90, longitude −180 à 180).",
                               "Impossible coordinates (latitude −90 to 90, longitude −180 to 180).",
                               where="latitude")  # fmt: skip
    home = territories.home_territory()
    if (
        home is not None
        and home.geometry
        and not contains_point(home.geometry, longitude, latitude)
    ):
        raise ValidationFailed(
            f"Le point ({latitude:.5f}, {longitude:.5f}) est hors du territoire de {home.name} : "
            "placez-le à l'intérieur, ou ne placez pas de point.",
            f"The point ({latitude:.5f}, {longitude:.5f}) is outside {home.name}: place it "
            "inside, or place no point.",
            where="latitude",
        )


def proposal_create(*, actor, title: str, text: str, category: str, project: Project | None = None,
                    service=None, latitude: float | None = None, longitude: float | None = None,
                    address: str | None = None, honeypot: str = "") -> Proposal:  # fmt: skip
    check_honeypot(honeypot)
    participant = require_participant(actor)
    title = clean_text(title, field="title", label=_("Titre"), max_length=150)
    text = clean_text(text, field="text", label=_("Texte"))
    if category not in ProposalCategory.values:
        raise ValidationFailed("Choisissez une catégorie dans la liste.",
                               "Choose a category from the list.", where="category")  # fmt: skip
    if project is not None:
        if not project.is_published:
            raise ValidationFailed("Ce projet n'est pas publié.", "This project is not published.",
                                   where="project")  # fmt: skip
        service = project.service
    if service is None:
        raise ValidationFailed("Choisissez le projet ou le service auquel vous proposez.",
                               "Choose the project or the service you propose to.",
                               where="project")  # fmt: skip
    check_point(latitude, longitude)
    check_rate(actor=actor, address=address)
    with transaction.atomic():
        proposal = Proposal(service=service, project=project, author=participant, title=title,
                            text=text, category=category, latitude=latitude, longitude=longitude)  # fmt: skip
        audited_save(actor=actor, instance=proposal)
        follow_set(actor=actor, kind=FollowKind.PROPOSAL, object_id=proposal.pk, following=True)
    return proposal


def proposal_support(*, actor, proposal: Proposal, address: str | None = None) -> Proposal:
    """One support per account: the unique constraint refuses a second, and the count moves by
    one conditional UPDATE in the same transaction, so concurrent supports never lose one."""
    require_participant(actor)
    if proposal.status not in OPEN_PROPOSAL_STATUSES or proposal.is_hidden:
        raise _closed()
    check_rate(actor=actor, address=address)
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=actor)
            Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
            audit_record(actor=actor, action="create", object_type="participation.support",
                         object_id=str(proposal.pk), object_repr=f"soutien à « {proposal.title} »"[:300])  # fmt: skip
    except IntegrityError:
        raise ValidationFailed("Vous soutenez déjà cette proposition : un soutien par compte.",
                               "You already support this proposal: one support per account.") from None  # fmt: skip
    proposal.refresh_from_db(fields=["support_count"])
    return proposal


def comment_add(*, actor, proposal: Proposal, text: str, parent: Comment | None = None,
                address: str | None = None, honeypot: str = "") -> Comment:  # fmt: skip
    check_honeypot(honeypot)
    participant = require_participant(actor)
    if proposal.status not in OPEN_PROPOSAL_STATUSES or proposal.is_hidden:
        raise _closed()
    if parent is not None and parent.proposal_id != proposal.pk:
        raise ValidationFailed("Ce commentaire répond à une autre proposition.",
                               "This comment answers another proposal.", where="parent")  # fmt: skip
    text = clean_text(text, field="text", label=_("Commentaire"), max_length=2000)
    check_rate(actor=actor, address=address)
    with transaction.atomic():
        comment = audited_save(actor=actor, instance=Comment(proposal=proposal, parent=parent,
                                                             author=participant, text=text))  # fmt: skip
        followers_notify(kind=FollowKind.PROPOSAL, object_id=proposal.pk,
                         subject=_("Nouveau commentaire : %(title)s") % {"title": proposal.title},
                         body=text[:500], path=reverse("web:proposal", args=[proposal.pk]),
                         exclude_user_id=actor.pk)  # fmt: skip
    return comment


def proposal_answer(*, actor, proposal: Proposal, status: str, answer: str,
                    project: Project | None = None) -> Proposal:  # fmt: skip
    """The service's official answer. Rejected needs its reason; accepted joins a project of
    the service (the proposal's own, or the one given) and goes on its timeline."""
    project_check_manageable(actor, proposal.service_id)
    if status not in {ProposalStatus.UNDER_STUDY, ProposalStatus.ACCEPTED, ProposalStatus.REJECTED}:
        raise ValidationFailed("Réponse inconnue : à l'étude, retenue ou non retenue.",
                               "Unknown answer: under study, accepted or rejected.", where="status")  # fmt: skip
    answer = clean_text(answer, field="answer", label=_("Réponse"),
                        required=status == ProposalStatus.REJECTED)  # fmt: skip
    target = project or proposal.project
    if status == ProposalStatus.ACCEPTED:
        if target is None:
            raise ValidationFailed("Une proposition retenue rejoint un projet : choisissez-le.",
                                   "An accepted proposal joins a project: choose it.", where="project")  # fmt: skip
        if target.service_id != proposal.service_id:
            project_check_manageable(actor, target.service_id)
    with transaction.atomic():
        proposal.status, proposal.answer = status, answer
        proposal.answered_at, proposal.answered_by = timezone.now(), actor
        if status == ProposalStatus.ACCEPTED:
            proposal.project = target
        audited_save(actor=actor, instance=proposal, reason=answer[:300])
        if status == ProposalStatus.ACCEPTED and target is not None:
            timeline_add(project=target,
                         text=_("Proposition retenue : %(title)s") % {"title": proposal.title})  # fmt: skip
        followers_notify(kind=FollowKind.PROPOSAL, object_id=proposal.pk,
                         subject=_("Réponse officielle : %(title)s") % {"title": proposal.title},
                         body=f"{proposal.get_status_display()}\n\n{answer}",
                         path=reverse("web:proposal", args=[proposal.pk]))  # fmt: skip
    return proposal
