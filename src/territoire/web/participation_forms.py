"""The portal's participation forms. Fields only parse; the rules are the services'. A refused
form is shown again with what was typed and the service's message beside the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.core.errors import TerritoireError
from territoire.participation.vocabularies import NotificationMode, ProposalCategory

HONEYPOT_LABEL = _("Ne pas remplir ce champ")


class ParticipationForm(forms.Form):
    """Every contribution form: the one-use token, and a honeypot hidden from people."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(label=HONEYPOT_LABEL, required=False)

    def refuse(self, exc: TerritoireError) -> None:
        where = exc.where if exc.where in self.fields and exc.where != "form_token" else None
        self.add_error(where, exc.localized())


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"), max_length=254)
    pseudonym = forms.CharField(
        label=_("Pseudonyme public"),
        max_length=40,
        help_text=_("Le seul nom affiché à côté de vos contributions."),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("10 caractères au moins."),
    )
    website = forms.CharField(label=HONEYPOT_LABEL, required=False)

    def refuse(self, exc: TerritoireError) -> None:
        self.add_error(exc.where if exc.where in self.fields else None, exc.localized())


class ProfileForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonyme public"),
        max_length=40,
        help_text=_("Le seul nom affiché à côté de vos contributions."),
    )
    website = forms.CharField(label=HONEYPOT_LABEL, required=False)

    refuse = SignupForm.refuse


class ResidencyForm(forms.Form):
    postal_code = forms.CharField(label=_("Code postal"), max_length=5, required=False)
    invitation_code = forms.CharField(
        label=_("ou code d'invitation"), max_length=32, required=False
    )

    refuse = SignupForm.refuse


class NotificationForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label=_("Courriels sur ce que je suis"),
        choices=NotificationMode.choices,
        widget=forms.RadioSelect,
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe actuel"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    refuse = SignupForm.refuse


class QuestionForm(ParticipationForm):
    text = forms.CharField(label=_("Votre question"), widget=forms.Textarea(attrs={"rows": 4}))


class ProposalForm(ParticipationForm):
    title = forms.CharField(label=_("Titre"), max_length=150)
    text = forms.CharField(label=_("Votre proposition"), widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ChoiceField(label=_("Catégorie"), choices=ProposalCategory.choices)
    project = forms.ModelChoiceField(
        label=_("Projet concerné"), queryset=None, required=False, empty_label=_("— aucun —")
    )
    service = forms.ModelChoiceField(
        label=_("ou service destinataire"),
        queryset=None,
        required=False,
        empty_label=_("— choisir —"),
    )
    latitude = forms.FloatField(label=_("Latitude (facultatif)"), required=False)
    longitude = forms.FloatField(label=_("Longitude (facultatif)"), required=False)

    def __init__(self, *args, projects=None, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["service"].queryset = services


class CommentForm(ParticipationForm):
    text = forms.CharField(label=_("Votre commentaire"), widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi signalez-vous cette contribution ?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    refuse = SignupForm.refuse
