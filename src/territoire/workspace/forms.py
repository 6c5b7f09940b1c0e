"""The workspace's forms. They only parse what people type; every rule is the catalogue services'
(a refusal from a service lands on the field it names, ``TerritoireError.where``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.accounts.models import User
from territoire.catalog.forms import KeywordsField
from territoire.catalog.models import Theme
from territoire.catalog.vocabularies import AccessLevel, Frequency, Licence
from territoire.core.errors import TerritoireError
from territoire.territories.models import Territory
from territoire.trust.models import AuditAction

from . import selectors


class AccessibleForm(forms.Form):
    """A form whose fields in error say so to assistive technologies: ``aria-invalid`` and
    ``aria-describedby`` pointing at the error message (and the help text)."""

    def full_clean(self):
        super().full_clean()
        self._mark_errors()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_errors()

    def refuse(self, exc: TerritoireError) -> None:
        """A service's refusal, on the field it names when the form has one."""
        where = exc.where if exc.where in self.fields else None
        self.add_error(where, exc.localized())

    def _mark_errors(self) -> None:
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_errors"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(described)


class StewardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class DatasetForm(AccessibleForm):
    """Every DCAT-AP field of a dataset, with the widget that fits it."""

    title = forms.CharField(label=_("Titre"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que contient le jeu, d'où viennent les données, leurs limites (Markdown)."),
    )
    publisher_service = forms.ModelChoiceField(
        label=_("Service producteur"), queryset=None, empty_label=None
    )
    steward = StewardChoiceField(
        label=_("Relais données"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— aucun pour l'instant —"),
        help_text=_("Un membre du service producteur."),
    )
    keywords = KeywordsField(label=_("Mots-clés"))
    themes = forms.ModelMultipleChoiceField(
        label=_("Thèmes"),
        queryset=Theme.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices)
    frequency = forms.ChoiceField(
        label=_("Fréquence de mise à jour"),
        choices=Frequency.choices,
        help_text=_("Sert à repérer les mises à jour en retard."),
    )
    territories = forms.ModelMultipleChoiceField(
        label=_("Territoires couverts"),
        queryset=Territory.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    temporal_start = forms.DateField(
        label=_("Début de la période couverte"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    temporal_end = forms.DateField(
        label=_("Fin de la période couverte"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact_name = forms.CharField(label=_("Point de contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Courriel de contact"), required=False)
    landing_page = forms.URLField(label=_("Page d'accueil"), required=False, assume_scheme="https")
    access_level = forms.ChoiceField(
        label=_("Niveau d'accès"), choices=AccessLevel.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        services = selectors.service_list_assignable(actor)
        self.fields["publisher_service"].queryset = services
        candidates = selectors.steward_candidates(services)
        self.fields["steward"].queryset = User.objects.filter(
            pk__in=[user.pk for _, users in candidates for user in users]
        )
        self.fields["steward"].choices = [
            ("", self.fields["steward"].empty_label),
            *[
                (str(service), [(u.pk, u.get_full_name() or u.username) for u in users])
                for service, users in candidates
            ],
        ]
        self.fields["territories"].queryset = Territory.objects.order_by("kind", "name")

    def values(self) -> dict:
        """What the catalogue services take (``publisher`` follows the service)."""
        data = dict(self.cleaned_data)
        data["themes"] = [t.code for t in data["themes"]]
        data["territories"] = list(data["territories"])
        data["publisher"] = data["publisher_service"].organization
        return data


class ReviewRuleForm(AccessibleForm):
    """The review rule of the installation and of each service."""

    CHOICES = [("yes", _("oui")), ("no", _("non"))]
    SERVICE_CHOICES = [("", _("comme l'installation")), *CHOICES]

    def __init__(self, *args, services, installation: bool | None, rules: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = list(services)
        self.fields["installation"] = forms.ChoiceField(
            label=_("Toute l'installation"),
            choices=self.CHOICES,
            initial="yes" if installation else "no",
            widget=forms.RadioSelect,
        )
        for service in self.services:
            value = rules.get(service.pk)
            self.fields[f"service_{service.pk}"] = forms.ChoiceField(
                label=str(service),
                choices=self.SERVICE_CHOICES,
                required=False,
                initial="" if value is None else ("yes" if value else "no"),
            )

    @staticmethod
    def as_bool(value: str) -> bool | None:
        return {"yes": True, "no": False}.get(value)


class ColumnsForm(AccessibleForm):
    """Label, description and unit of each column of the served version (fields named by the
    column's position: column identifiers may hold any character)."""

    def __init__(self, *args, columns: list, documented: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for index, field in enumerate(columns):
            doc = documented.get(field.id)
            self.fields[f"c{index}_label"] = forms.CharField(
                label=_("Libellé"),
                max_length=200,
                required=False,
                initial=doc.label if doc else "",
                widget=forms.TextInput(attrs={"placeholder": field.source_label}),
            )
            self.fields[f"c{index}_unit"] = forms.CharField(
                label=_("Unité"),
                max_length=50,
                required=False,
                initial=doc.unit if doc else "",
                widget=forms.TextInput(attrs={"size": 8}),
            )
            self.fields[f"c{index}_description"] = forms.CharField(
                label=_("Description"),
                max_length=5000,
                required=False,
                initial=doc.description if doc else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """Each column with its three bound fields, for the template."""
        for index, field in enumerate(self.columns):
            yield (
                field,
                self[f"c{index}_label"],
                self[f"c{index}_unit"],
                self[f"c{index}_description"],
            )

    def descriptions(self) -> dict[str, dict[str, str]]:
        return {
            field.id: {
                key: self.cleaned_data[f"c{index}_{key}"]
                for key in ("label", "description", "unit")
            }
            for index, field in enumerate(self.columns)
        }

    def refuse(self, exc: TerritoireError) -> None:
        column, _sep, key = (exc.where or "").rpartition(".")
        for index, field in enumerate(self.columns):
            if field.id == column and f"c{index}_{key}" in self.fields:
                self.add_error(f"c{index}_{key}", exc.localized())
                return
        self.add_error(None, exc.localized())


class AuditFilterForm(AccessibleForm):
    """Search the audit log: who, what, which object, which period."""

    who = forms.CharField(label=_("Qui (identifiant)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    what = forms.CharField(
        label=_("Objet"),
        required=False,
        max_length=300,
        help_text=_("Nom, type ou identifiant de l'objet."),
    )
    since = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("toutes")), *AuditAction.choices]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("La fin de la période précède son début."))
        return data
