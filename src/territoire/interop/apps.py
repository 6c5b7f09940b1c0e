from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "territoire.interop"
    label = "interop"
    verbose_name = "Interopérabilité (DCAT, CKAN, OpenDataSoft)"

    def ready(self) -> None:
        # The CKAN actions register themselves (ckan.registry) when their modules load.
        from .ckan import actions, datastore  # noqa: F401
