from django.apps import AppConfig


class LakeConfig(AppConfig):
    name = "territoire.lake"
    label = "lake"
    verbose_name = "Lac de données (versions Parquet)"
