"""Writes of the participation app; each runs in a transaction with its audit event."""

from .consultations import (
    answer_text_review,
    consultation_create,
    consultation_locks,
    consultation_update,
    is_open,
    questions_of,
    response_submit,
    results_publish,
)
from .moderation import content_get, content_moderate, content_report
from .notifications import digests_send, follow_set, followers_notify, is_following
from .participants import (
    participant_confirm,
    participant_delete,
    participant_export,
    participant_profile_create,
    participant_resend_confirmation,
    participant_set_notifications,
    participant_signup,
    participant_unsubscribe,
    residency_verify,
)
from .projects import (
    milestone_add,
    milestone_reach,
    phase_set,
    project_check_manageable,
    project_create,
    project_set_links,
    project_update,
    question_answer,
    question_ask,
    timeline_add,
)
from .proposals import check_point, comment_add, proposal_answer, proposal_create, proposal_support

__all__ = [
    "answer_text_review", "check_point", "comment_add", "consultation_create",
    "consultation_locks", "consultation_update", "questions_of", "content_get",
    "content_moderate", "content_report", "digests_send", "follow_set", "followers_notify",
    "is_following", "is_open", "milestone_add", "milestone_reach", "participant_confirm",
    "participant_delete", "participant_export", "participant_profile_create", "participant_resend_confirmation",
    "participant_set_notifications", "participant_signup", "participant_unsubscribe", "phase_set",
    "project_check_manageable", "project_create", "project_set_links", "project_update",
    "proposal_answer", "proposal_create", "proposal_support", "question_answer", "question_ask",
    "residency_verify", "response_submit", "results_publish", "timeline_add",
]  # fmt: skip
