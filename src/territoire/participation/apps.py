from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "territoire.participation"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The lake imports nothing above it: the projects' timelines follow their indicators'
        # new values through its hook,
        from territoire.indicators import hooks as indicator_hooks
        from territoire.lake import hooks

        from .services.notifications import digests_send
        from .services.projects import (
            projects_note_evaluation_change,
            projects_note_indicator_version,
        )

        hooks.version_created_register(projects_note_indicator_version)
        # and a change of the evaluations they follow (the indicators import nothing above them)
        indicator_hooks.evaluation_changed_register(projects_note_evaluation_change)
        # and the participants' daily digest is sent by the worker's round
        hooks.daily_register("participation-digest", digests_send)
