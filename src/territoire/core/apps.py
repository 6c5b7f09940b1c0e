from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "territoire.core"
    label = "core"
    verbose_name = "Noyau"
