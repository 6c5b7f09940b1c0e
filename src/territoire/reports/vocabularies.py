"""The words of reports: their statuses, how Open311 names them, and the default categories."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    ACKNOWLEDGED = "pris_en_charge", _("Pris en charge")
    RESOLVED = "resolu", _("Résolu")
    REJECTED = "rejete", _("Rejeté")


# Open311 GeoReport v2 knows two statuses: a request is open until the service closes it.
OPEN311_STATUS = {
    ReportStatus.NEW: "open",
    ReportStatus.ACKNOWLEDGED: "open",
    ReportStatus.RESOLVED: "closed",
    ReportStatus.REJECTED: "closed",
}
OPEN_STATUSES = [ReportStatus.NEW, ReportStatus.ACKNOWLEDGED]
CLOSED_STATUSES = [ReportStatus.RESOLVED, ReportStatus.REJECTED]

# The categories a territory starts with (code, name, description); each is routed to a service.
DEFAULT_CATEGORIES = [
    ("voirie", "Voirie", "Nid-de-poule, chaussée ou trottoir abîmé, signalisation au sol effacée."),
    ("proprete", "Propreté", "Dépôt sauvage, tags, déchets, corbeille pleine."),
    ("eclairage", "Éclairage public", "Lampadaire éteint, allumé en plein jour ou endommagé."),
    ("mobilier-urbain", "Mobilier urbain", "Banc, potelet, abribus ou barrière cassé."),
    (
        "espaces-verts",
        "Espaces verts",
        "Arbre dangereux, pelouse non entretenue, arrosage en panne.",
    ),
]


class ModerationState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    PENDING = "en_attente", _("Masqué en attente d'examen")
    HIDDEN = "masque", _("Masqué par la modération")
