"""What the apps built on the indicators do when an evaluation changes, registered in their
``AppConfig.ready()``: the indicators import nothing above them (the participation projects
that follow an evaluation say so on their timeline). Callbacks run after the change's
transaction commits; a callback's failure is its own business, never the change's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from .models import Evaluation

# (the evaluation, the names of the fields that changed)
EvaluationChanged = Callable[["Evaluation", list[str]], None]

_evaluation_changed: list[EvaluationChanged] = []
log = logging.getLogger(__name__)


def evaluation_changed_register(callback: EvaluationChanged) -> EvaluationChanged:
    """Add what must happen once an evaluation changed (registering it twice keeps one)."""
    if callback not in _evaluation_changed:
        _evaluation_changed.append(callback)
    return callback


def evaluation_changed_notify_on_commit(evaluation: Evaluation, fields: list[str]) -> None:
    transaction.on_commit(lambda: evaluation_changed_run(evaluation, fields))


def evaluation_changed_run(evaluation: Evaluation, fields: list[str]) -> None:
    for callback in _evaluation_changed:
        try:
            callback(evaluation, fields)
        except Exception:  # a follower's failure never undoes the change
            log.exception("evaluation-changed callback %r failed for %s", callback, evaluation.pk)
