"""The fixed lists of the participation app: phases, statuses, question kinds, answers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhaseKind(models.TextChoices):
    CONCERTATION = "concertation", _("Concertation")
    CONCEPTION = "conception", _("Conception")
    IMPLEMENTATION = "mise_en_oeuvre", _("Mise en œuvre")
    EVALUATION = "evaluation", _("Évaluation")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("En préparation")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Terminé")
    SUSPENDED = "suspended", _("Suspendu")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiple")
    RANKING = "ranking", _("Classement")
    SCALE = "scale", _("Échelle")
    TEXT = "text", _("Texte libre")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Déposée")
    UNDER_STUDY = "under_study", _("À l'étude")
    ACCEPTED = "accepted", _("Retenue")
    REJECTED = "rejected", _("Non retenue")


# A proposal still open to supports and comments.
OPEN_PROPOSAL_STATUSES = {ProposalStatus.SUBMITTED, ProposalStatus.UNDER_STUDY}


class ProposalCategory(models.TextChoices):
    MOBILITY = "mobilite", _("Mobilités")
    ENVIRONMENT = "environnement", _("Environnement")
    HEALTH = "sante", _("Santé et sécurité")
    PUBLIC_SPACE = "espace_public", _("Espace public")
    DIGITAL = "numerique", _("Numérique et données")
    SOCIAL = "solidarite", _("Solidarité")
    OTHER = "autre", _("Autre")


class TextReview(models.TextChoices):
    """A free-text answer is published only once a moderator approved it."""

    PENDING = "pending", _("À relire")
    APPROVED = "approved", _("Publiable")
    REJECTED = "rejected", _("Écarté")


class ResidencyMethod(models.TextChoices):
    NONE = "", _("Non vérifiée")
    POSTAL_CODE = "postal_code", _("Code postal d'une commune du territoire")
    INVITATION = "invitation", _("Code d'invitation")


class NotificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("À chaque nouveauté")
    DIGEST = "digest", _("Résumé quotidien")
    NONE = "none", _("Aucun courriel")


class ContentKind(models.TextChoices):
    """What a participant may report to the moderators, and follow."""

    PROPOSAL = "proposal", _("Proposition")
    COMMENT = "comment", _("Commentaire")
    QUESTION = "question", _("Question")


class FollowKind(models.TextChoices):
    PROJECT = "project", _("Projet")
    PROPOSAL = "proposal", _("Proposition")


class ModerationAct(models.TextChoices):
    HIDE = "hide", _("Masqué")
    RESTORE = "restore", _("Rétabli")
    EDIT = "edit", _("Modifié")
    AUTO_HIDE = "auto_hide", _("Masqué en attente de relecture (signalements)")
