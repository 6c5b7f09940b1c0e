from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "territoire.records"
    label = "records"
    verbose_name = "Enregistrements (moteur de requêtes)"
