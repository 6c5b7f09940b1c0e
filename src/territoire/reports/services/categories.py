"""Report categories: each routed to the service that handles it (the owner)."""

from __future__ import annotations

from django.db import transaction

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.services import audited_save

from ..models import ReportCategory
from ..text import clean_text


def category_save(
    *, actor, code: str, name: str, service, description: str = "", position: int = 0
) -> ReportCategory:
    """Create or update the category ``code`` routed to ``service`` (data officer only)."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données définit les catégories de signalement.",
            "Only the data officer defines report categories.",
            where="category",
        )
    if not code or len(code) > 60 or not code.replace("-", "").isalnum():
        raise ValidationFailed(
            "Le code d'une catégorie est fait de lettres, chiffres et tirets (60 au plus).",
            "A category code is letters, digits and hyphens (60 at most).",
            where="code",
        )
    name = clean_text(name, where="name", label_fr="Nom", label_en="Name", minimum=2, maximum=120)
    with transaction.atomic():
        category = ReportCategory.objects.filter(code=code).first() or ReportCategory(code=code)
        category.name, category.service, category.position = name, service, position
        category.description = description
        return audited_save(actor=actor, instance=category)
