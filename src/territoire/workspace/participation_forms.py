"""The staff's participation forms: a project (its sheet, links and results). Fields parse; the
services decide (who may, what is valid) and write with their audit event."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.participation.models import Project

PROJECT_FIELDS = [
    "title", "service", "territory", "summary", "presentation", "is_published", "purpose",
    "processes_personal_data", "personal_data_detail", "benefits", "risks", "decision_maker",
    "contact", "status", "progress", "datasets", "algorithms", "processing_activities",
    "indicators", "evaluations", "reports",
]  # fmt: skip
LINK_FIELDS = (
    "datasets", "algorithms", "processing_activities", "indicators", "evaluations", "reports",
)  # fmt: skip


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        widgets = {
            "datasets": forms.CheckboxSelectMultiple,
            "algorithms": forms.CheckboxSelectMultiple,
            "processing_activities": forms.CheckboxSelectMultiple,
            "indicators": forms.CheckboxSelectMultiple,
            "evaluations": forms.CheckboxSelectMultiple,
            "reports": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "presentation": _("En Markdown : titres, listes, liens. Le HTML est retiré."),
            "progress": _("De 0 à 100 ; un changement apparaît sur le fil du projet."),
            "evaluations": _(
                "L'effet mesuré (différence de différences) s'affiche dans les résultats du "
                "projet ; ses changements apparaissent sur le fil du projet."
            ),
            "reports": _(
                "Les signalements en cours du service du projet (et ceux déjà rattachés) ; la "
                "page du projet en donne le nombre par statut."
            ),
        }

    def __init__(self, *args, services=None, territories=None, links=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["territory"].queryset = territories
        for name, queryset in (links or {}).items():
            self.fields[name].queryset = queryset
            self.fields[name].required = False
        self.fields["progress"].widget.attrs.update({"min": 0, "max": 100})
        if self.instance.pk:
            self.fields["service"].disabled = True  # a project stays with its service
            self.fields["service"].help_text = _("Un projet reste au service qui l'a créé.")

    def _post_clean(self):
        """No model validation here: the services check and write (with their audit)."""


class ConsultationForm(forms.Form):
    """A consultation, its questions written one per line (see ``parse_questions``)."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(
        label=_("Description (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    opens_at = forms.DateTimeField(
        label=_("Ouverture"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("Clôture"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    requires_residency = forms.BooleanField(
        label=_("Réservée aux résidents vérifiés"), required=False
    )
    questions = forms.CharField(
        label=_("Questions, une par ligne"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "« type : libellé | choix 1 ; choix 2 ; … ». Types : unique, multiple, classement, "
            "echelle (« echelle 1-5 : libellé »), texte. Ajoutez « (facultatif) » au libellé "
            "d'une question facultative."
        ),
    )


WORD_OF_KIND = {"single": "unique", "multiple": "multiple", "ranking": "classement",
                "scale": "echelle", "text": "texte"}  # fmt: skip


def format_questions(questions: list[dict]) -> str:
    """The inverse of ``parse_questions``: what the edit form starts from."""
    lines = []
    for q in questions:
        head = WORD_OF_KIND[q["kind"]]
        if q["kind"] == "scale":
            head += f" {q['scale_min']}-{q['scale_max']}"
        label = q["label"] + ("" if q.get("is_required", True) else " (facultatif)")
        choices = " ; ".join(q.get("choices") or [])
        lines.append(f"{head} : {label}" + (f" | {choices}" if choices else ""))
    return "\n".join(lines)


def lock_fields(form: forms.Form, locks: dict[str, str]) -> None:
    """Fields that may no longer change are shown disabled, with the reason as their help (a
    disabled field keeps its initial value whatever is posted)."""
    for name, reason in locks.items():
        if name in form.fields:
            form.fields[name].disabled = True
            form.fields[name].required = False
            form.fields[name].help_text = reason


KIND_WORDS = {"unique": "single", "multiple": "multiple", "classement": "ranking",
              "echelle": "scale", "échelle": "scale", "texte": "text"}  # fmt: skip


def parse_questions(text: str) -> list[dict]:
    """``unique : Le lieu | Écoles ; Stades`` → {"kind": "single", "label": …, "choices": […]};
    ``echelle 1-10 : Utilité`` sets the bounds. A line that does not parse raises ValueError
    naming it."""
    questions = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        head, sep, rest = line.partition(":")
        words = head.strip().lower().split()
        kind = KIND_WORDS.get(words[0]) if words and sep else None
        if kind is None:
            raise ValueError(str(_("Ligne %(n)s : commencez par unique, multiple, classement, "
                                   "echelle ou texte, suivi de « : ».") % {"n": n}))  # fmt: skip
        label, _bar, choices = rest.partition("|")
        question = {"kind": kind, "label": label.strip(), "is_required": True,
                    "choices": [c.strip() for c in choices.split(";") if c.strip()]}  # fmt: skip
        if "(facultatif)" in question["label"]:
            question["label"] = question["label"].replace("(facultatif)", "").strip()
            question["is_required"] = False
        if kind == "scale" and len(words) > 1:
            low, _dash, high = words[1].partition("-")
            if not (low.lstrip("-").isdigit() and high.isdigit()) or int(low) >= int(high):
                raise ValueError(str(_("Ligne %(n)s : bornes d'échelle attendues, par exemple "
                                       "1-5.") % {"n": n}))  # fmt: skip
            question["scale_min"], question["scale_max"] = int(low), int(high)
        questions.append(question)
    return questions
