from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "territoire.indicators"
    label = "indicators"
    verbose_name = "Indicateurs"

    def ready(self):
        # Imported here, not at the top: an AppConfig module is imported before the models are
        # loaded. A new version of any dataset recomputes the indicators built on it.
        from territoire.lake import hooks

        from . import services

        hooks.version_created_register(services.indicators_recompute_for_version)
