from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "territoire.access"
    verbose_name = _("Accès aux données non ouvertes")
    default_auto_field = "django.db.models.BigAutoField"
