"""The workspace's forms for dashboards (title, access, the tiles: each visible indicator with
its position, blank to leave it out) and evaluations (the intervention, the treated and the
comparison territories). They only parse; the indicators' services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.catalog.vocabularies import AccessLevel

from . import selectors
from .forms import AccessibleForm

LEVELS = [(v, label) for v, label in AccessLevel.choices if v != AccessLevel.PERSONAL]


class DashboardForm(AccessibleForm):
    title = forms.CharField(label=_("Titre"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    publisher_service = forms.ModelChoiceField(
        label=_("Service responsable"), queryset=None, empty_label=None
    )
    access_level = forms.ChoiceField(
        label=_("Niveau d'accès"), choices=LEVELS, widget=forms.RadioSelect,
        help_text=_("Un tableau de bord public ne montre que des indicateurs publics."),
    )  # fmt: skip

    def __init__(self, *args, actor, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher_service"].queryset = selectors.service_list_assignable(actor)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"tile_{indicator.pk}"] = forms.IntegerField(
                label=indicator.title, required=False, min_value=1, max_value=99,
                help_text=_("Position de la tuile (vide : pas sur ce tableau de bord)."),
            )  # fmt: skip

    def tile_fields(self):
        return [self[f"tile_{i.pk}"] for i in self.indicators]

    def chosen(self) -> list[str]:
        """The slugs of the chosen indicators, by position (then title)."""
        picked = [
            (self.cleaned_data[f"tile_{i.pk}"], i.title, i.slug)
            for i in self.indicators
            if self.cleaned_data.get(f"tile_{i.pk}")
        ]
        return [slug for _position, _title, slug in sorted(picked)]


class EvaluationForm(AccessibleForm):
    title = forms.CharField(label=_("Titre"), max_length=300)
    description = forms.CharField(label=_("Le projet évalué, en clair"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    intervention_date = forms.DateField(label=_("Date de l'intervention"),
                                        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip
    treated = forms.CharField(label=_("Territoires concernés"),
                              help_text=_("Codes INSEE séparés par des virgules, ex. 34172, 34057."))  # fmt: skip
    comparison = forms.CharField(label=_("Territoires de comparaison"), required=False,
                                 help_text=_("Codes INSEE séparés par des virgules ; sans eux, seule "
                                             "l'évolution avant/après est montrée."))  # fmt: skip

    @staticmethod
    def codes(text: str) -> list[str]:
        return [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
