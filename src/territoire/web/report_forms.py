"""The portal's report forms. Fields are bounded here; the rules (text without markup, point
inside the territory, photo decoding) are the reports' services', whose errors land on the
field they name. What was typed is always given back."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.reports.photos import MAX_BYTES
from territoire.reports.text import ADDRESS_MAX, DESCRIPTION_MAX, REASON_MAX


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("Catégorie"))
    description = forms.CharField(
        label=_("Description du problème"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Texte simple, sans balises ; 10 à 2 000 caractères. Il sera public."),
    )
    address = forms.CharField(
        label=_("Adresse ou repère (facultatif)"), max_length=ADDRESS_MAX, required=False
    )
    latitude = forms.CharField(
        label=_("Latitude"), max_length=20, required=False,
        help_text=_("En degrés décimaux, par exemple 43.6085."),
    )  # fmt: skip
    longitude = forms.CharField(
        label=_("Longitude"), max_length=20, required=False,
        help_text=_("En degrés décimaux, par exemple 3.8795."),
    )  # fmt: skip
    photo = forms.FileField(
        label=_("Photo (facultatif)"),
        required=False,
        help_text=_("JPEG, PNG ou WebP, 8 Mo au plus ; sa position GPS et ses métadonnées sont effacées."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    # The honeypot: hidden from people by the stylesheet and from assistive technologies by
    # aria-hidden on its wrapper; robots fill it in.
    website = forms.CharField(
        label=_("Site web (laissez vide)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("— Choisissez —"))] + [
            (c.code, c.name) for c in categories
        ]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > MAX_BYTES:
            raise forms.ValidationError(
                _("La photo pèse plus de 8 Mo : réduisez-la ou choisissez-en une autre.")
            )
        return photo

    def refuse(self, exc) -> None:
        field = exc.where if exc.where in self.fields else None
        self.add_error(field, exc.localized())


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def refuse(self, exc) -> None:
        self.add_error("reason" if exc.where == "reason" else None, exc.localized())
