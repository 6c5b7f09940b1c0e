"""Back-office forms of the lake: upload, column types, lake settings, personal-data decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.schemas.registry import schema_list

from .engine.names import clean_dbase_label
from .services import COLUMN_TYPES

TYPE_LABELS = {
    "integer": _("entier"),
    "decimal": _("décimal"),
    "boolean": _("booléen"),
    "date": _("date"),
    "datetime": _("date et heure"),
    "geo_point": _("point géographique"),
    "geometry": _("géométrie"),
    "text": _("texte"),
}


def schema_choices() -> list[tuple[str, str]]:
    """The bundled Table Schemas (schemas.registry.schema_list), as (reference, label) pairs."""
    choices = []
    for item in schema_list():
        if isinstance(item, str):
            choices.append((item, item))
            continue
        get = (
            item.get
            if isinstance(item, dict)
            else lambda key, default=None, item=item: getattr(item, key, default)
        )
        ref = get("ref") or get("name") or get("id")
        if ref:
            title = get("title") or ref
            choices.append((str(ref), f"{title} ({ref})" if title != ref else str(ref)))
    return choices


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "CSV, TSV, TXT, XLSX, ODS, JSON, NDJSON, GeoJSON, Shapefile zippé, GeoPackage ou Parquet."
        ),
    )
    schema = forms.ChoiceField(
        label=_("Schéma de données (facultatif)"),
        required=False,
        help_text=_("Chaque ligne sera validée contre ce schéma (schema.data.gouv.fr, SCDL)."),
    )
    publish = forms.BooleanField(label=_("Publier après l'ingestion"), required=False)

    def __init__(self, *args, current_schema: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = schema_choices()
        if current_schema and current_schema not in dict(choices):
            choices.insert(0, (current_schema, current_schema))
        self.fields["schema"].choices = [("", _("— aucun schéma —"))] + choices
        self.fields["schema"].initial = current_schema


def _column_label(column: dict) -> str:
    """« Nom (nom) »: the file's header without its dBase type suffix ("Nom,C,254"), then the id."""
    label = clean_dbase_label(str(column.get("label") or column["id"]))
    return f"{label} ({column['id']})"


class TypeOverrideForm(forms.Form):
    """One select per column of the current version: automatic detection or a forced type."""

    def __init__(self, *args, columns: list[dict], overrides: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("détection automatique"))] + [(t, TYPE_LABELS[t]) for t in COLUMN_TYPES]
        for column in columns:
            self.fields[f"type__{column['id']}"] = forms.ChoiceField(
                label=_column_label(column),
                choices=choices,
                required=False,
                initial=overrides.get(column["id"], ""),
                help_text=_("Type détecté : %(type)s")
                % {"type": TYPE_LABELS.get(column.get("type"), column.get("type"))},
            )

    def overrides(self) -> dict[str, str]:
        return {
            name.removeprefix("type__"): value for name, value in self.cleaned_data.items() if value
        }


class LakeSettingsForm(forms.Form):
    key_column = forms.ChoiceField(
        label=_("Colonne clé"),
        required=False,
        help_text=_(
            "Identifie une ligne d'une version à l'autre : les comparaisons comptent alors les lignes ajoutées, retirées et modifiées."
        ),
    )
    schema = forms.ChoiceField(label=_("Schéma déclaré"), required=False)

    def __init__(self, *args, columns: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_column"].choices = [("", _("— aucune —"))] + [
            (c["id"], _column_label(c)) for c in columns
        ]
        current = self.initial.get("schema") or ""
        choices = schema_choices()
        if current and current not in dict(choices):
            choices.insert(0, (current, current))
        self.fields["schema"].choices = [("", _("— aucun schéma —"))] + choices


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("publish_as_is", _("Publier tel quel (les données signalées peuvent être publiques)")),
            ("keep_private", _("Garder privé (un jeu publié est dépublié aussitôt)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Pourquoi ces colonnes peuvent, ou non, être publiées (versé au journal d'audit)."
        ),
    )
