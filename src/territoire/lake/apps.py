from django.apps import AppConfig


class LakeConfig(AppConfig):
    name = "territoire.lake"
    label = "lake"
    verbose_name = "Lac de données (versions Parquet)"

    def ready(self):
        # Imported here, not at the top: an AppConfig module is imported before the models are
        # loaded, and the lake's selectors and services use them.
        from territoire.catalog import hooks

        from . import selectors, services

        # The personal-data flags of the served version gate publication; a deleted dataset's
        # Parquet versions and source copies go once the deletion commits.
        hooks.personal_data_source_register(selectors.dataset_personal_flags)
        hooks.derivation_source_register(selectors.dataset_derivation_verdict)
        hooks.deletion_effect_register(services.dataset_files_remove_on_commit)
