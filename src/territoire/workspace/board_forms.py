"""The workspace's forms for dashboards (title, access, the tiles: each visible indicator with
its position, blank to leave it out) and evaluations (the intervention, the treated and the
comparison territories). They only parse; the indicators' services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.catalog.vocabularies import AccessLevel
from territoire.indicators.vocabularies import BlockKind

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
                help_text=_("Position du bloc (vide : pas sur ce tableau de bord)."),
            )  # fmt: skip
            self.fields[f"kind_{indicator.pk}"] = forms.ChoiceField(
                label=_("Forme : %(t)s") % {"t": indicator.title}, required=False,
                choices=[(k, label) for k, label in BlockKind.choices if k != BlockKind.TEXT],
            )  # fmt: skip
        self.fields["text_position"] = forms.IntegerField(
            label=_("Position du texte"), required=False, min_value=1, max_value=99
        )
        self.fields["text"] = forms.CharField(
            label=_("Texte (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_("Un bloc de texte, à la position donnée (vide : aucun)."),
        )  # fmt: skip

    def tile_fields(self):
        return [(self[f"tile_{i.pk}"], self[f"kind_{i.pk}"]) for i in self.indicators]

    def blocks(self) -> list[dict]:
        """The chosen blocks, by position (then title)."""
        d = self.cleaned_data
        picked = [
            (d[f"tile_{i.pk}"], i.title,
             {"kind": d.get(f"kind_{i.pk}") or BlockKind.KPI, "indicator": i.slug, "text": ""})
            for i in self.indicators
            if d.get(f"tile_{i.pk}")
        ]  # fmt: skip
        if d.get("text", "").strip():
            picked.append((d.get("text_position") or 99, "",
                           {"kind": BlockKind.TEXT, "indicator": None, "text": d["text"]}))  # fmt: skip
        return [block for _position, _title, block in sorted(picked, key=lambda p: (p[0], p[1]))]


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
