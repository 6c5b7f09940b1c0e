from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "territoire.web"
    label = "web"
    verbose_name = "Portail"
