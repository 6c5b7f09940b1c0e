"""The access workflow's forms in the workspace: the grant (scope and expiry), the refusal, the
revocation, and the data-sharing agreement. Row conditions are typed one per line,
« colonne ; opérateur ; valeur »; every rule stays the access services' (a refusal lands on its
field)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.access.vocabularies import GRANT_DEFAULT_DAYS, PartnerKind
from territoire.accounts.models import User
from territoire.catalog.models import Dataset
from territoire.organizations.models import Organization, Service
from territoire.records.selectors.scope import OPERATORS

from .forms import AccessibleForm


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GrantForm(AccessibleForm):
    expires_on = forms.DateField(
        label=_("Accès jusqu'au (inclus)"),
        widget=_date_input(),
        help_text=_("Un accès n'est jamais sans fin : au plus trois ans, renouvelable."),
    )
    columns = forms.MultipleChoiceField(
        label=_("Colonnes accessibles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune case cochée : toutes les colonnes."),
    )
    row_filters = forms.CharField(
        label=_("Conditions sur les lignes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Une condition par ligne : « colonne ; opérateur ; valeur », par exemple "
            "« commune ; = ; Lattes ». Opérateurs : = != < <= > >= is_null is_not_null. "
            "Les conditions s'ajoutent (ET)."
        ),
    )
    period_column = forms.ChoiceField(label=_("Période : colonne de dates"), required=False)
    period_start = forms.DateField(label=_("Période : du"), required=False, widget=_date_input())
    period_end = forms.DateField(
        label=_("Période : au (inclus)"), required=False, widget=_date_input()
    )
    reason = forms.CharField(
        label=_("Motif de la décision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(c, c) for c in columns]
        self.fields["period_column"].choices = [("", "—"), *((c, c) for c in columns)]
        self.initial.setdefault(
            "expires_on", timezone.localdate() + dt.timedelta(days=GRANT_DEFAULT_DAYS)
        )

    def clean_row_filters(self) -> list[dict]:
        found = []
        for number, line in enumerate((self.cleaned_data["row_filters"] or "").splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) == 2 and parts[1] in ("is_null", "is_not_null"):
                parts.append("")
            if len(parts) != 3 or not parts[0] or parts[1] not in OPERATORS:
                raise forms.ValidationError(
                    _("Ligne %(n)s : écrivez « colonne ; opérateur ; valeur ».") % {"n": number}
                )
            value: str | int | float = parts[2]
            try:
                value = int(parts[2])
            except ValueError:
                try:
                    value = float(parts[2].replace(",", "."))
                except ValueError:
                    value = parts[2]
            found.append({"column": parts[0], "op": parts[1], "value": value})
        return found

    def values(self) -> dict:
        data = self.cleaned_data
        period = None
        if data.get("period_column"):
            period = {
                "column": data["period_column"],
                "start": data["period_start"].isoformat() if data.get("period_start") else None,
                "end": data["period_end"].isoformat() if data.get("period_end") else None,
            }
        expires = timezone.make_aware(
            dt.datetime.combine(data["expires_on"] + dt.timedelta(days=1), dt.time.min)
        )
        return {
            "expires_at": expires,
            "columns": list(data.get("columns") or []),
            "row_filters": data.get("row_filters") or [],
            "period": period,
            "reason": data.get("reason") or "",
        }


class ReasonForm(AccessibleForm):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 2}))


class AgreementForm(AccessibleForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    reference = forms.SlugField(
        label=_("Référence"), max_length=100, help_text=_("Lettres, chiffres et tirets.")
    )
    partner = forms.ModelChoiceField(label=_("Partenaire"), queryset=Organization.objects.all())
    partner_kind = forms.ChoiceField(label=_("Nature du partenaire"), choices=PartnerKind.choices)
    service = forms.ModelChoiceField(label=_("Service référent"), queryset=Service.objects.none())
    purpose = forms.CharField(label=_("Objet"), widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(
        label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label=_("Début"), widget=_date_input())
    ends_on = forms.DateField(label=_("Fin"), widget=_date_input())
    datasets_provided = forms.ModelMultipleChoiceField(
        label=_("Jeux fournis par le partenaire (données d'intérêt général)"),
        queryset=Dataset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    datasets_received = forms.ModelMultipleChoiceField(
        label=_("Jeux transmis au partenaire"),
        queryset=Dataset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Les jeux non publics deviennent des accès du partenaire pour la durée de la convention."
        ),
    )

    def __init__(self, *args, services, datasets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["datasets_provided"].queryset = datasets
        self.fields["datasets_received"].queryset = datasets

    @classmethod
    def initial_from(cls, agreement) -> dict:
        return {
            "title": agreement.title,
            "reference": agreement.reference,
            "partner": agreement.partner_id,
            "partner_kind": agreement.partner_kind,
            "service": agreement.service_id,
            "purpose": agreement.purpose,
            "conditions": agreement.conditions,
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
            "datasets_provided": list(agreement.datasets_provided.values_list("pk", flat=True)),
            "datasets_received": list(agreement.datasets_received.values_list("pk", flat=True)),
        }


class PartnerAccountForm(AccessibleForm):
    """Attach an existing account to a partner organisation (the data officer's)."""

    username = forms.CharField(
        label=_("Identifiant du compte"),
        max_length=150,
        help_text=_(
            "Un compte existant, qui n'est pas un agent du territoire : il lira ce que les "
            "conventions de l'organisation lui donnent et y déposera ce qu'elles prévoient."
        ),
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation partenaire"), queryset=Organization.objects.order_by("name")
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("Aucun compte ne porte cet identifiant."))
        return user
