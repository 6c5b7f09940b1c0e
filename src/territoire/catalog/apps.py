from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "territoire.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
