"""The registers' forms in the workspace. Lists are typed one item per line; structured lines
(transfers, retention, parameters) are split on « ; » and read back into the shapes the
registers' services take. Every rule stays the services' (a refusal lands on its field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.registers import selectors as register_selectors
from territoire.registers.models import Algorithm, ProcessingActivity
from territoire.registers.vocabularies import (
    Automation,
    CnilMandatory,
    DataCategory,
    DpiaCriterion,
    LegalBasis,
    Safeguard,
    SecurityMeasure,
    SensitiveCategory,
)

from .forms import AccessibleForm

# How a person may write a safeguard on a transfer line.
SAFEGUARD_WORDS = {
    "adéquation": Safeguard.ADEQUACY,
    "adequation": Safeguard.ADEQUACY,
    "clauses types": Safeguard.SCC,
    "clauses contractuelles types": Safeguard.SCC,
    "bcr": Safeguard.BCR,
    "code de conduite": Safeguard.CODE,
    "certification": Safeguard.CODE,
    "dérogation": Safeguard.DEROGATION,
    "derogation": Safeguard.DEROGATION,
    **{code: code for code in Safeguard.values},
}
SAFEGUARD_SAY = {
    Safeguard.ADEQUACY: "adéquation",
    Safeguard.SCC: "clauses types",
    Safeguard.BCR: "BCR",
    Safeguard.CODE: "code de conduite",
    Safeguard.DEROGATION: "dérogation",
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _choices(choices, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


def _text(label, help_text="", rows=3, required=False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class RegisterForm(AccessibleForm):
    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = register_selectors.services_assignable(actor)
        self.fields["datasets"].queryset = register_selectors.datasets_linkable(actor)


class ProcessingForm(RegisterForm):
    name = forms.CharField(label=_("Nom du traitement"), max_length=300)
    service = forms.ModelChoiceField(
        label=_("Service responsable"), queryset=None, empty_label=None
    )
    purposes = _text(_("Finalités"), _("Une finalité par ligne."), required=True)
    legal_bases = _choices(LegalBasis.choices)
    legal_basis_detail = _text(
        _("Précisions sur la base légale"), _("Le texte qui fonde le traitement, s'il y en a un.")
    )
    data_categories = _choices(DataCategory.choices)
    data_categories_detail = _text(_("Précisions sur les données"))
    sensitive_categories = _choices(
        SensitiveCategory.choices,
        _(
            "Cochez les données sensibles traitées (article 9 du RGPD ; article 10 pour les "
            "infractions)."
        ),
    )
    people_categories = _text(_("Catégories de personnes concernées"), _("Une par ligne."))
    recipients = _text(
        _("Destinataires"), _("Un par ligne : services internes, partenaires, sous-traitants.")
    )
    transfers = _text(
        _("Transferts hors de l'Union européenne"),
        _(
            "Un par ligne : destinataire ; pays ; garantie (adéquation, clauses types, BCR, code "
            "de conduite ou dérogation). Laissez vide s'il n'y en a pas."
        ),
    )
    retention = _text(
        _("Durées de conservation"),
        _("Une par ligne : catégorie de données : durée (« Dossier d'inscription : 1 an »)."),
    )
    security_measures = _choices(SecurityMeasure.choices)
    security_detail = _text(
        _("Détail des mesures de sécurité (interne)"),
        _("Jamais publié : le registre public ne montre que les catégories cochées."),
    )
    controller_name = forms.CharField(label=_("Responsable du traitement"), max_length=300)
    controller_contact = forms.CharField(
        label=_("Contact du responsable"), max_length=300, required=False
    )
    dpo_name = forms.CharField(
        label=_("Délégué à la protection des données"), max_length=300, required=False
    )
    dpo_contact = forms.CharField(label=_("Contact du délégué"), max_length=300, required=False)
    datasets = forms.ModelMultipleChoiceField(
        label=_("Jeux de données utilisés"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    dpia_criteria = _choices(
        DpiaCriterion.choices, _("Deux critères ou plus : une analyse d'impact est obligatoire.")
    )
    dpia_mandatory = _choices(
        CnilMandatory.choices,
        _("Un seul type coché suffit : l'analyse d'impact est toujours obligatoire."),
    )
    dpia_reference = forms.CharField(
        label=_("Référence de l'analyse d'impact (AIPD)"), max_length=300, required=False
    )
    is_published = forms.BooleanField(label=_("Afficher au registre public"), required=False)
    internal_notes = _text(_("Notes internes"), _("Jamais publiées."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "legal_bases": _("Bases légales (article 6 du RGPD)"),
            "data_categories": _("Catégories de données"),
            "sensitive_categories": _("Données sensibles"),
            "security_measures": _("Mesures de sécurité"),
            "dpia_criteria": _("Critères du CEPD"),
            "dpia_mandatory": _("Liste de la CNIL des traitements soumis à analyse d'impact"),
        }
        for name, label in labels.items():
            self.fields[name].label = label

    def clean_transfers(self):
        transfers = []
        for line in _lines(self.cleaned_data["transfers"]):
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 3 or parts[2].casefold() not in SAFEGUARD_WORDS:
                raise forms.ValidationError(
                    _(
                        "« %(line)s » : écrivez destinataire ; pays ; garantie (adéquation, "
                        "clauses types, BCR, code de conduite ou dérogation)."
                    )
                    % {"line": line}
                )
            transfers.append(
                {
                    "recipient": parts[0],
                    "country": parts[1],
                    "safeguard": str(SAFEGUARD_WORDS[parts[2].casefold()]),
                }
            )
        return transfers

    def clean_retention(self):
        periods = []
        for line in _lines(self.cleaned_data["retention"]):
            category, sep, period = line.rpartition(":")
            periods.append(
                {"category": category.strip(), "period": period.strip()}
                if sep
                else {"category": "", "period": line}
            )
        return periods

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("purposes", "people_categories", "recipients"):
            data[name] = _lines(data[name])
        data["datasets"] = list(data["datasets"])
        return data

    @staticmethod
    def initial_from(entry: ProcessingActivity) -> dict:
        return {
            **{
                f: getattr(entry, f)
                for f in (
                    "name",
                    "legal_bases",
                    "legal_basis_detail",
                    "data_categories",
                    "data_categories_detail",
                    "sensitive_categories",
                    "security_measures",
                    "security_detail",
                    "controller_name",
                    "controller_contact",
                    "dpo_name",
                    "dpo_contact",
                    "dpia_criteria",
                    "dpia_mandatory",
                    "dpia_reference",
                    "is_published",
                    "internal_notes",
                )
            },
            "service": entry.service_id,
            "purposes": "\n".join(entry.purposes),
            "people_categories": "\n".join(entry.people_categories),
            "recipients": "\n".join(entry.recipients),
            "transfers": "\n".join(
                f"{t['recipient']} ; {t['country']} ; {SAFEGUARD_SAY.get(t['safeguard'], t['safeguard'])}"
                for t in entry.transfers
            ),
            "retention": "\n".join(
                f"{r['category']} : {r['period']}" if r["category"] else r["period"]
                for r in entry.retention
            ),
            "datasets": list(entry.datasets.all()),
        }


class AlgorithmForm(RegisterForm):
    name = forms.CharField(label=_("Nom de l'algorithme"), max_length=300)
    service = forms.ModelChoiceField(
        label=_("Service responsable"), queryset=None, empty_label=None
    )
    purpose = _text(_("Finalité"), required=True)
    decision = _text(_("Décisions auxquelles il contribue"))
    legal_basis = _text(_("Base légale"), _("Le texte qui fonde la décision."))
    automation = forms.ChoiceField(
        label=_("Degré d'automatisation"), choices=Automation.choices, widget=forms.RadioSelect
    )
    parameters = _text(
        _("Principaux paramètres et leur pondération"),
        _(
            "Un par ligne : nom ; pondération ; ce qu'il représente. Laissez la pondération vide "
            "pour une condition (« Domicile dans la commune ; ; condition d'accès »)."
        ),
        rows=6,
    )
    datasets = forms.ModelMultipleChoiceField(
        label=_("Jeux de données utilisés"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    processing_activities = forms.ModelMultipleChoiceField(
        label=_("Traitements du registre RGPD"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    human_oversight = _text(_("Intervention humaine"), _("Qui vérifie, qui décide, comment."))
    how_to_contest = _text(_("Comment contester une décision"))
    contact = forms.CharField(label=_("Contact"), max_length=300, required=False)
    source_code_url = forms.URLField(label=_("Code source"), required=False, assume_scheme="https")
    is_published = forms.BooleanField(label=_("Afficher au registre public"), required=False)
    internal_notes = _text(_("Notes internes"), _("Jamais publiées."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields[
            "processing_activities"
        ].queryset = register_selectors.processing_list_for_actor(actor).order_by("name")

    def clean_parameters(self):
        parameters = []
        for line in _lines(self.cleaned_data["parameters"]):
            parts = [p.strip() for p in line.split(";", 2)]
            parts += [""] * (3 - len(parts))
            parameters.append(
                {"name": parts[0], "weight": parts[1] or None, "description": parts[2]}
            )
        return parameters

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["datasets"] = list(data["datasets"])
        data["processing_activities"] = list(data["processing_activities"])
        return data

    @staticmethod
    def initial_from(entry: Algorithm) -> dict:
        def weight(value):
            return "" if value is None else f"{value:g}".replace(".", ",")

        return {
            **{
                f: getattr(entry, f)
                for f in (
                    "name",
                    "purpose",
                    "decision",
                    "legal_basis",
                    "automation",
                    "human_oversight",
                    "how_to_contest",
                    "contact",
                    "source_code_url",
                    "is_published",
                    "internal_notes",
                )
            },
            "service": entry.service_id,
            "parameters": "\n".join(
                f"{p['name']} ; {weight(p.get('weight'))} ; {p.get('description', '')}".rstrip(" ;")
                for p in entry.parameters
            ),
            "datasets": list(entry.datasets.all()),
            "processing_activities": list(entry.processing_activities.all()),
        }
