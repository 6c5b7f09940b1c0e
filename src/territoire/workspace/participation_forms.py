"""The staff's participation forms: a project (its sheet, links and results). Fields parse; the
services decide (who may, what is valid) and write with their audit event."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.participation.models import Project

PROJECT_FIELDS = [
    "title", "service", "territory", "summary", "presentation", "is_published", "purpose",
    "processes_personal_data", "personal_data_detail", "benefits", "risks", "decision_maker",
    "contact", "status", "progress", "datasets", "algorithms", "processing_activities",
    "indicators",
]  # fmt: skip
LINK_FIELDS = ("datasets", "algorithms", "processing_activities", "indicators")


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        widgets = {
            "datasets": forms.CheckboxSelectMultiple,
            "algorithms": forms.CheckboxSelectMultiple,
            "processing_activities": forms.CheckboxSelectMultiple,
            "indicators": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "presentation": _("En Markdown : titres, listes, liens. Le HTML est retiré."),
            "progress": _("De 0 à 100 ; un changement apparaît sur le fil du projet."),
        }

    def __init__(self, *args, services=None, territories=None, links=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["territory"].queryset = territories
        for name, queryset in (links or {}).items():
            self.fields[name].queryset = queryset
            self.fields[name].required = False
        self.fields["progress"].widget.attrs.update({"min": 0, "max": 100})
        if self.instance.pk:
            self.fields["service"].disabled = True  # a project stays with its service
            self.fields["service"].help_text = _("Un projet reste au service qui l'a créé.")

    def _post_clean(self):
        """No model validation here: the services check and write (with their audit)."""
