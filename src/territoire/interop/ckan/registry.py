"""The CKAN actions Territoire answers: one registry, filled by the modules that define them
(``actions`` for the catalogue, ``datastore`` for records). Each action is a function
``(request, actor, data) -> result`` whose docstring is what ``help_show`` returns; adding an
action is writing it beside its kind and registering it there (and its test)."""

from __future__ import annotations

from collections.abc import Callable

Action = Callable[..., object]

ACTIONS: dict[str, Action] = {}


def register(*functions: Action) -> None:
    for function in functions:
        ACTIONS[function.__name__] = function


def get(name: str) -> Action | None:
    return ACTIONS.get(name)


def help_text(name: str) -> str | None:
    """The documentation of an action (its docstring), or None when there is no such action."""
    function = ACTIONS.get(name)
    if function is None:
        return None
    return (function.__doc__ or name).strip()
