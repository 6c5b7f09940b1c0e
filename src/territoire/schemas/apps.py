from django.apps import AppConfig


class SchemasConfig(AppConfig):
    name = "territoire.schemas"
    label = "schemas"
    verbose_name = "Schémas de données"
