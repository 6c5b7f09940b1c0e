"""« Créer une version anonymisée »: the transform steps with the widgets that fit them, the
quasi-identifiers and k; the form builds the plan (docs/anonymisation.md), every rule stays the
lake's service (a refusal lands on the field it names)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.lake.services import AnonymisationSpec

from .forms import AccessibleForm

NUMERIC = {"integer", "decimal"}
DATES = {"date", "datetime"}


def _checkboxes(label, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class AnonymiseForm(AccessibleForm):
    drop = _checkboxes(
        _("Colonnes à supprimer"), _("Noms, téléphones, adresses exactes : ce qui n'est pas utile.")
    )
    pseudonymise = _checkboxes(
        _("Colonnes à pseudonymiser"),
        _(
            "Chaque valeur devient un code (empreinte à clé secrète du serveur) : les lignes d'une "
            "même personne restent reliées, sans dire qui elle est."
        ),
    )
    dates_to_month = _checkboxes(_("Dates ramenées au mois"))
    dates_to_year = _checkboxes(_("Dates ramenées à l'année"))
    age_column = forms.ChoiceField(label=_("Âges regroupés en tranches : colonne"), required=False)
    age_edges = forms.CharField(
        label=_("Bornes des tranches d'âge"),
        required=False,
        initial="18, 35, 55, 70",
        help_text=_("Des âges croissants séparés par des virgules, par exemple 18, 35, 55, 70."),
    )
    point_column = forms.ChoiceField(label=_("Coordonnées rendues moins précises"), required=False)
    point_to = forms.ChoiceField(
        label=_("Coordonnées remplacées par"),
        required=False,
        initial="grid",
        choices=[
            ("grid", _("le centre de leur carreau (grille INSPIRE)")),
            ("commune", _("le code de la commune qui les contient")),
        ],
        widget=forms.RadioSelect,
    )
    cell_metres = forms.IntegerField(
        label=_("Taille du carreau (mètres)"), required=False, min_value=50, initial=1000
    )
    top_code_column = forms.ChoiceField(
        label=_("Valeurs les plus élevées plafonnées : colonne"), required=False
    )
    top_code_quantile = forms.DecimalField(
        label=_("Plafond au quantile"),
        required=False,
        min_value=0.5,
        max_value=0.999,
        decimal_places=3,
        initial="0.99",
        help_text=_("0,99 : le 1 % des valeurs les plus élevées prend la valeur du plafond."),
    )
    rare = _checkboxes(_("Modalités rares regroupées"))
    rare_min_count = forms.IntegerField(
        label=_("Effectif minimal d'une modalité"), required=False, min_value=1, initial=11
    )
    rare_replacement = forms.CharField(
        label=_("Modalité de regroupement"), required=False, initial="Autre", max_length=100
    )
    quasi_identifiers = _checkboxes(
        _("Quasi-identifiants"),
        _("Les colonnes qui, croisées, peuvent désigner une personne (âge, sexe, commune…)."),
    )
    k = forms.IntegerField(
        label=_("k : taille minimale d'un groupe"),
        min_value=2,
        initial=11,
        help_text=_("Chaque combinaison de quasi-identifiants doit concerner au moins k lignes."),
    )
    sensitive = forms.ChoiceField(
        label=_("Attribut sensible (facultatif)"),
        required=False,
        help_text=_("Dans chaque groupe, au moins l valeurs distinctes de cette colonne."),
    )
    l_diversity = forms.IntegerField(label=_("l : diversité minimale"), min_value=2, initial=2)

    def __init__(self, *args, columns: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns

        def choices(types=None, empty=False):
            options = [
                (c["id"], f"{c.get('label') or c['id']} ({c['id']})")
                for c in columns
                if types is None or c.get("type") in types
            ]
            return [("", "—")] + options if empty else options

        for name in ("drop", "pseudonymise", "quasi_identifiers"):
            self.fields[name].choices = choices()
        self.fields["dates_to_month"].choices = choices(DATES)
        self.fields["dates_to_year"].choices = choices(DATES)
        self.fields["age_column"].choices = choices(NUMERIC, empty=True)
        points = choices({"geo_point"}, empty=True)
        roles = {c.get("geo_role"): c["id"] for c in columns if c.get("geo_role")}
        if {"latitude", "longitude"} <= set(roles):
            points.append(
                (
                    f"{roles['latitude']},{roles['longitude']}",
                    _("latitude %(lat)s et longitude %(lon)s")
                    % {"lat": roles["latitude"], "lon": roles["longitude"]},
                )
            )
        self.fields["point_column"].choices = points
        self.fields["top_code_column"].choices = choices(NUMERIC, empty=True)
        self.fields["rare"].choices = choices({"text"})
        self.fields["sensitive"].choices = choices(empty=True)
        for name in ("dates_to_month", "dates_to_year", "point_column", "rare", "age_column"):
            if len(self.fields[name].choices) <= (1 if name.endswith("column") else 0):
                del self.fields[name]
        if "point_column" not in self.fields:
            del self.fields["cell_metres"], self.fields["point_to"]
        if "age_column" not in self.fields:
            del self.fields["age_edges"]
        if "rare" not in self.fields:
            del self.fields["rare_min_count"], self.fields["rare_replacement"]

    def clean_age_edges(self) -> list[int]:
        text = (self.cleaned_data.get("age_edges") or "").strip()
        if not text:
            return []
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Des nombres entiers séparés par des virgules.")
            ) from None

    def clean(self):
        data = super().clean()
        if not self.errors and not self.plan():
            raise forms.ValidationError(_("Choisissez au moins une transformation."))
        return data

    def plan(self) -> list[dict]:
        """The steps in a fixed order: drop, pseudonymise, dates, ages, grid, ceiling, rare."""
        data = self.cleaned_data
        steps: list[dict] = []
        if data.get("drop"):
            steps.append({"op": "drop", "columns": list(data["drop"])})
        steps += [{"op": "pseudonymise", "column": c} for c in data.get("pseudonymise") or []]
        for field, to in (("dates_to_month", "month"), ("dates_to_year", "year")):
            steps += [
                {"op": "generalise_date", "column": c, "to": to} for c in data.get(field) or []
            ]
        if data.get("age_column"):
            step = {"op": "age_bands", "column": data["age_column"]}
            if data.get("age_edges"):
                step["edges"] = data["age_edges"]
            steps.append(step)
        if data.get("point_column"):
            latitude, _comma, longitude = data["point_column"].partition(",")
            where = (
                {"latitude": latitude, "longitude": longitude}
                if longitude
                else {"point": data["point_column"]}
            )
            if data.get("point_to") == "commune":
                steps.append(
                    {
                        "op": "coordinates_to_area",
                        **where,
                        "boundaries": "communes",
                        "output": "commune_insee",
                    }
                )
            else:
                steps.append(
                    {
                        "op": "coordinates_to_grid",
                        **where,
                        "cell_metres": data.get("cell_metres") or 1000,
                    }
                )
        if data.get("top_code_column"):
            steps.append(
                {
                    "op": "top_code",
                    "column": data["top_code_column"],
                    "quantile": float(data.get("top_code_quantile") or 0.99),
                }
            )
        for column in data.get("rare") or []:
            steps.append(
                {
                    "op": "rare_categories",
                    "column": column,
                    "min_count": data.get("rare_min_count") or 11,
                    "replacement": data.get("rare_replacement") or "Autre",
                }
            )
        return steps

    def spec(self) -> AnonymisationSpec:
        data = self.cleaned_data
        return AnonymisationSpec.build(
            plan=self.plan(),
            quasi_identifiers=list(data.get("quasi_identifiers") or []),
            k=data["k"],
            l=data["l_diversity"],
            sensitive=[data["sensitive"]] if data.get("sensitive") else [],
        )

    def refuse(self, exc) -> None:
        """A refusal of the plan (``steps[2].column``…) or of the check lands on the form; one
        of the check's parameters on its field."""
        where = {"l": "l_diversity"}.get(exc.where or "", exc.where)
        self.add_error(where if where in self.fields else None, exc.localized())
