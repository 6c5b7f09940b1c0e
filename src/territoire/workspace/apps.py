from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The staff's workspace (/espace/): datasets described and documented, publication with
    review, and the data officer's tools. Writes go through the catalogue's services."""

    name = "territoire.workspace"
    verbose_name = _("Espace de travail")
