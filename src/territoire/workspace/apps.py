from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The staff's workspace (/espace/): datasets described and documented, publication with
    review, and the data officer's tools. Writes go through the catalogue's services."""

    name = "territoire.workspace"
    verbose_name = _("Espace de travail")

    def ready(self) -> None:
        # The worker belongs to the lake, below this app: the hourly round is registered with it
        # (imports here: models are not ready when this module is imported).
        from territoire.lake.hooks import maintenance_register

        from .services import worker_round

        maintenance_register(worker_round)
