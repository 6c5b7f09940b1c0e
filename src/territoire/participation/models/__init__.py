"""The participation app's models, one module per part (participants, projects, …)."""

from .consultations import Answer, Consultation, ConsultationQuestion, Response
from .moderation import ContentReport, Moderated, ModerationAction
from .participants import InvitationCode, Participant
from .projects import Milestone, Phase, Project, Question, TimelineEntry
from .proposals import Comment, Follow, PendingNotification, Proposal, Support

__all__ = [
    "Answer",
    "Comment",
    "Consultation",
    "ConsultationQuestion",
    "ContentReport",
    "Follow",
    "InvitationCode",
    "Milestone",
    "Moderated",
    "ModerationAction",
    "Participant",
    "PendingNotification",
    "Phase",
    "Project",
    "Proposal",
    "Question",
    "Response",
    "Support",
    "TimelineEntry",
]
