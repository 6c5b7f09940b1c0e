from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "territoire.territories"
    label = "territories"
    verbose_name = "Territoires"
