"""The workspace's report forms: the service's answer (status and public message) and a
moderation act's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from territoire.reports.text import DESCRIPTION_MAX, MESSAGE_MAX, REASON_MAX
from territoire.reports.vocabularies import ReportStatus


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=ReportStatus.choices)
    message = forms.CharField(
        label=_("Message public au demandeur"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Publié sur la page du signalement et envoyé à ceux qui le suivent."),
    )

    def refuse(self, exc) -> None:
        self.add_error(exc.where if exc.where in self.fields else None, exc.localized())


class ModerationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (conservé dans le journal d'audit)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def refuse(self, exc) -> None:
        self.add_error("reason" if exc.where == "reason" else None, exc.localized())


class TextEditForm(forms.Form):
    description = forms.CharField(
        label=_("Texte du signalement"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Pour retirer un nom, une injure ou une donnée personnelle."),
    )
    edit_reason = forms.CharField(
        label=_("Motif de la modification (conservé dans le journal d'audit)"),
        max_length=REASON_MAX,
    )

    def refuse(self, exc) -> None:
        field = {"reason": "edit_reason", "description": "description"}.get(exc.where or "")
        self.add_error(field, exc.localized())
