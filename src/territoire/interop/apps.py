from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "territoire.interop"
    label = "interop"
    verbose_name = "Interopérabilité (DCAT, CKAN, OpenDataSoft)"
