"""The indicator builder's form: every field of an indicator and of its structured definition,
no code needed. It only parses what people type (``definition()`` assembles the JSON the
indicators' services check); a service's refusal lands on the field it names."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.catalog.models import Theme
from territoire.catalog.vocabularies import AccessLevel, Frequency
from territoire.core.errors import TerritoireError
from territoire.indicators import selectors as indicator_selectors
from territoire.indicators.vocabularies import (
    BOUNDARIES,
    JOIN_COMBINATIONS,
    JOIN_KEYS,
    MEASURES,
    NORMALISATIONS,
    OPERATORS,
    TRUNCATIONS,
    Direction,
    Granularity,
)

from . import selectors
from .forms import AccessibleForm

# A definition's field (as the services name it) → the form's field.
WHERE = {
    "dataset": "dataset", "measure.kind": "measure", "measure.column": "measure_column",
    "measure.denominator_column": "denominator_column", "measure.share_filters": "share_column",
    "period": "period_column", "period.column": "period_column", "period.truncate": "truncate",
    "territory": "territory_column", "territory.column": "territory_column",
    "territory.code": "territory_code", "reference_period": "reference_period",
    "normalisation.kind": "normalisation", "normalisation.base_period": "base_period",
    "territory.longitude": "spatial_longitude", "territory.latitude": "spatial_latitude",
    "territory.point": "spatial_point", "territory.boundaries": "spatial_boundaries",
    "join": "join_dataset", "join.dataset": "join_dataset", "join.measure.kind": "join_measure",
    "join.measure.column": "join_column", "join.territory": "join_territory_column",
    "join.territory.column": "join_territory_column", "join.on": "join_on",
    "join.period": "join_period_column", "join.period.column": "join_period_column",
    "join.combine": "join_combine", "join.key": "join_key", "join.joined_key": "join_joined_key",
}  # fmt: skip
LEVELS = [(v, label) for v, label in AccessLevel.choices if v != AccessLevel.PERSONAL]


def _choices(vocabulary: dict) -> list[tuple[str, str]]:
    return [(key, values[0]) for key, values in vocabulary.items()]


def _where(where: str) -> str:
    if where.startswith("measure.share_filters["):
        return "share_value" if where.endswith(".value") else "share_column"
    if where.startswith("filters["):
        return "filter_value" if where.endswith(".value") else "filter_column"
    return WHERE.get(where, where)


class IndicatorForm(AccessibleForm):
    title = forms.CharField(label=_("Titre"), max_length=300)
    description = forms.CharField(label=_("Description en clair"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    method = forms.CharField(label=_("Méthode de calcul en clair"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    unit = forms.CharField(label=_("Unité"), max_length=50, required=False)
    direction = forms.ChoiceField(
        label=_("Sens"), choices=Direction.choices, widget=forms.RadioSelect
    )
    publisher_service = forms.ModelChoiceField(
        label=_("Service responsable"), queryset=None, empty_label=None
    )
    themes = forms.ModelMultipleChoiceField(label=_("Thèmes"), queryset=Theme.objects.all(), to_field_name="code",
                                            required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    frequency = forms.ChoiceField(label=_("Périodicité"), choices=Frequency.choices)
    granularity = forms.ChoiceField(label=_("Maille territoriale"), choices=Granularity.choices)
    access_level = forms.ChoiceField(
        label=_("Niveau d'accès"), choices=LEVELS, widget=forms.RadioSelect,
        help_text=_("Un indicateur calculé sur un jeu non public reste interne : seul l'administrateur "
                    "des données peut décider de le publier."),
    )  # fmt: skip
    # The definition
    dataset = forms.ChoiceField(label=_("Jeu de données source"))
    measure = forms.ChoiceField(label=_("Mesure"), choices=_choices(MEASURES))
    measure_column = forms.CharField(label=_("Colonne mesurée"), required=False,
                                     help_text=_("Identifiant de la colonne (somme, moyenne, médiane, taux)."))  # fmt: skip
    denominator_column = forms.CharField(label=_("Colonne du dénominateur (taux)"), required=False)
    share_column = forms.CharField(label=_("Part : colonne"), required=False)
    share_op = forms.ChoiceField(
        label=_("Part : comparaison"), choices=[(k, k) for k in OPERATORS], required=False
    )
    share_value = forms.CharField(label=_("Part : valeur"), required=False)
    filter_column = forms.CharField(label=_("Filtre : colonne"), required=False)
    filter_op = forms.ChoiceField(
        label=_("Filtre : comparaison"), choices=[(k, k) for k in OPERATORS], required=False
    )
    filter_value = forms.CharField(label=_("Filtre : valeur"), required=False)
    period_column = forms.CharField(label=_("Colonne de dates"), required=False,
                                    help_text=_("Des dates, ou des années en nombres entiers."))  # fmt: skip
    truncate = forms.ChoiceField(label=_("Regrouper par"), choices=_choices(TRUNCATIONS))
    reference_period = forms.CharField(label=_("Période de référence (sans colonne de dates)"), required=False,
                                       help_text=_("2024, 2024-T1 ou 2024-03."))  # fmt: skip
    territory_column = forms.CharField(label=_("Colonne des codes INSEE"), required=False)
    territory_code = forms.CharField(label=_("Ou un seul territoire (code INSEE)"), required=False)
    # Spatial join: the rows' points into the boundaries of communes or quartiers
    spatial_longitude = forms.CharField(
        label=_("Jointure spatiale : colonne des longitudes"), required=False
    )
    spatial_latitude = forms.CharField(
        label=_("Jointure spatiale : colonne des latitudes"), required=False
    )
    spatial_point = forms.CharField(label=_("Ou une colonne de points (geo_point)"), required=False)
    spatial_boundaries = forms.ChoiceField(label=_("Placer les points dans les contours des"), required=False,
                                           choices=[("", "—"), *_choices(BOUNDARIES)])  # fmt: skip
    # Join with a dataset of another service, on the territory (and the period)
    join_dataset = forms.ChoiceField(label=_("Jointure : jeu de données joint"), required=False)
    join_measure = forms.ChoiceField(
        label=_("Jointure : mesure"), choices=_choices(MEASURES), required=False
    )
    join_column = forms.CharField(label=_("Jointure : colonne mesurée"), required=False)
    join_territory_column = forms.CharField(
        label=_("Jointure : colonne des codes INSEE"), required=False
    )
    join_period_column = forms.CharField(label=_("Jointure : colonne de dates (clé période et territoire)"),
                                         required=False)  # fmt: skip
    join_key = forms.CharField(
        label=_("Jointure sur un identifiant : colonne de ce jeu"), required=False
    )
    join_joined_key = forms.CharField(label=_("Jointure sur un identifiant : colonne du jeu joint"),
                                      required=False)  # fmt: skip
    join_on = forms.ChoiceField(
        label=_("Jointure : clé"), choices=_choices(JOIN_KEYS), required=False
    )
    join_combine = forms.ChoiceField(label=_("Jointure : combinaison"), choices=_choices(JOIN_COMBINATIONS),
                                     required=False)  # fmt: skip
    normalisation = forms.ChoiceField(label=_("Normalisation"), choices=_choices(NORMALISATIONS))
    base_period = forms.CharField(label=_("Période de base (indice 100)"), required=False)
    # Baseline, thresholds, targets
    baseline_date = forms.DateField(label=_("Date de référence"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip
    baseline_value = forms.FloatField(label=_("Valeur de référence"), required=False)
    alert_below = forms.FloatField(label=_("Alerte sous"), required=False)
    alert_above = forms.FloatField(label=_("Alerte au-dessus de"), required=False)
    targets = forms.CharField(
        label=_("Cibles"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une par ligne : échéance (jj/mm/aaaa) ; valeur. Exemple : 31/12/2030 ; 200"),
    )  # fmt: skip

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher_service"].queryset = selectors.service_list_assignable(actor)
        self.fields["dataset"].choices = [
            (d.slug, d.title) for d in indicator_selectors.source_list_for_actor(actor)
        ]
        self.fields["join_dataset"].choices = [("", "—"), *self.fields["dataset"].choices]

    def clean_targets(self) -> list[tuple[dt.date, float]]:
        found = []
        for n, line in enumerate(self.cleaned_data["targets"].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                day, value = (part.strip() for part in line.split(";"))
                found.append(
                    (dt.datetime.strptime(day, "%d/%m/%Y").date(), float(value.replace(",", ".")))
                )
            except ValueError:
                raise forms.ValidationError(
                    _("Ligne %(n)s : écrivez « jj/mm/aaaa ; valeur ».") % {"n": n}
                ) from None
        return found

    def definition(self) -> dict:
        d = self.cleaned_data
        definition: dict = {
            "dataset": d["dataset"],
            "measure": {
                "kind": d["measure"],
                "column": d["measure_column"],
                "denominator_column": d["denominator_column"],
            },  # fmt: skip
            "territory": {"column": d["territory_column"], "code": d["territory_code"]},
            "normalisation": {"kind": d["normalisation"], "base_period": d["base_period"]},
            "reference_period": d["reference_period"],
        }
        if d["share_column"]:
            definition["measure"]["share_filters"] = [
                {"column": d["share_column"], "op": d["share_op"] or "=", "value": d["share_value"]}
            ]
        if d["filter_column"]:
            definition["filters"] = [
                {
                    "column": d["filter_column"],
                    "op": d["filter_op"] or "=",
                    "value": d["filter_value"],
                }
            ]
        if d["period_column"]:
            definition["period"] = {"column": d["period_column"], "truncate": d["truncate"]}
        spatial = {
            key: d[f"spatial_{key}"] for key in ("longitude", "latitude", "point", "boundaries")
        }
        if any(spatial.values()):
            definition["territory"] = {k: v for k, v in spatial.items() if v}
        if d["join_dataset"]:
            join: dict = {
                "dataset": d["join_dataset"],
                "measure": {"kind": d["join_measure"] or "count", "column": d["join_column"]},
                "territory": {"column": d["join_territory_column"]},
                "on": d["join_on"] or "territory", "combine": d["join_combine"] or "ratio",
            }  # fmt: skip
            if d["join_period_column"]:
                join["period"] = {"column": d["join_period_column"], "truncate": d["truncate"]}
            if join["on"] == "identifier":
                join.update(key=d["join_key"], joined_key=d["join_joined_key"])
                definition["territory"] = {}
            definition["join"] = join
        return definition

    def values(self) -> dict:
        d = self.cleaned_data
        keys = ("description", "method", "unit", "direction", "frequency", "granularity", "access_level",
                "baseline_date", "baseline_value", "alert_below", "alert_above")  # fmt: skip
        return {key: d[key] for key in keys}

    def refuse(self, exc: TerritoireError) -> None:
        where = _where(exc.where or "")
        self.add_error(where if where in self.fields else None, exc.localized())

    @staticmethod
    def initial_of(indicator) -> dict:
        d = indicator.definition
        share = (d["measure"].get("share_filters") or [{}])[0]
        first = (d.get("filters") or [{}])[0]
        period = d.get("period") or {}
        return {
            "title": indicator.title, "description": indicator.description, "method": indicator.method,
            "unit": indicator.unit, "direction": indicator.direction,
            "publisher_service": indicator.publisher_service_id,
            "themes": list(indicator.themes.all()), "frequency": indicator.frequency,
            "granularity": indicator.granularity, "access_level": indicator.access_level,
            "dataset": d["dataset"], "measure": d["measure"]["kind"],
            "measure_column": d["measure"].get("column", ""),
            "denominator_column": d["measure"].get("denominator_column", ""),
            "share_column": share.get("column", ""), "share_op": share.get("op", "="),
            "share_value": share.get("value", ""),
            "filter_column": first.get("column", ""), "filter_op": first.get("op", "="),
            "filter_value": first.get("value", ""),
            "period_column": period.get("column", ""), "truncate": period.get("truncate", "year"),
            "reference_period": d.get("reference_period", ""),
            "territory_column": d["territory"].get("column", ""), "territory_code": d["territory"].get("code", ""),
            "normalisation": d["normalisation"]["kind"], "base_period": d["normalisation"].get("base_period", ""),
            **{f"spatial_{k}": d["territory"].get(k, "") for k in ("longitude", "latitude", "point", "boundaries")},
            **_join_initial(d.get("join")),
            "baseline_date": indicator.baseline_date, "baseline_value": indicator.baseline_value,
            "alert_below": indicator.alert_below, "alert_above": indicator.alert_above,
            "targets": "\n".join(f"{t.date:%d/%m/%Y} ; {t.value:g}" for t in indicator.targets.order_by("date")),
        }  # fmt: skip


def _join_initial(join: dict | None) -> dict:
    if not join:
        return {}
    return {
        "join_dataset": join["dataset"], "join_measure": join["measure"]["kind"],
        "join_column": join["measure"].get("column", ""),
        "join_territory_column": join["territory"].get("column", ""),
        "join_period_column": (join.get("period") or {}).get("column", ""),
        "join_on": join.get("on", "territory"), "join_combine": join.get("combine", "ratio"),
        "join_key": join.get("key", ""), "join_joined_key": join.get("joined_key", ""),
    }  # fmt: skip


class PublishForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Motif de la décision"), widget=forms.Textarea(attrs={"rows": 3})
    )
