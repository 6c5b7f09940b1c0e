from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo territory: `territoire demo` builds it from real data (no models)."""

    name = "territoire.demo"
    label = "demo"
    verbose_name = "Démonstration"
