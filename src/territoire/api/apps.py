from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "territoire.api"
    label = "api"
    verbose_name = "API"
