"""Form fields of the catalogue, shared by its admin and the workspace."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100


class KeywordsField(forms.CharField):
    """Keywords as people type them: « vélo, stations, mobilité » (commas, semicolons or one per
    line). A JSON list, as older exports hold, is read too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Séparez les mots-clés par des virgules : vélo, stations, mobilité.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if text.lstrip().startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                text = ",".join(str(v) for v in parsed)
        keywords: list[str] = []
        seen: set[str] = set()
        for part in re.split(r"[,;\n]", text):
            keyword = " ".join(part.split())
            if not keyword or keyword.casefold() in seen:
                continue
            if len(keyword) > MAX_KEYWORD_LENGTH:
                raise ValidationError(
                    _("Le mot-clé « %(k)s… » dépasse %(n)s caractères."),
                    params={"k": keyword[:30], "n": MAX_KEYWORD_LENGTH},
                )
            seen.add(keyword.casefold())
            keywords.append(keyword)
        if len(keywords) > MAX_KEYWORDS:
            raise ValidationError(
                _("%(n)s mots-clés au plus."), params={"n": MAX_KEYWORDS}, code="too_many"
            )
        return keywords
