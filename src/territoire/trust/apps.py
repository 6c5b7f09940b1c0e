from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "territoire.trust"
    label = "trust"
    verbose_name = "Confiance et audit"
