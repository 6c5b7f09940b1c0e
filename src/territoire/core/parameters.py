"""Bounds on what a client may send as parameters: how many, how long, how deeply nested.

Every front-end (the native API, OpenDataSoft's paths, CKAN's actions, the DCAT catalogue)
checks its parameters here, in its one entry point, before anything reads them, and answers a
refusal in its own error shape, naming the parameter. A value past its bound is refused, never
cut: a truncated ``where`` would silently be another query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_PARAMETERS = 200  # distinct names and repeated values together
MAX_LENGTH = 10_000  # characters of one value: room for a long where clause
MAX_NAME_LENGTH = 100
MAX_DEPTH = 20  # nesting of lists and objects in a JSON body
MAX_ITEMS = 10_000  # values in a JSON body

# Bounds shared by the front-ends for the parameters whose values are short by nature.
SHORT = {
    "timezone": 64,
    "lang": 16,
    "epsg": 16,
    "delimiter": 8,
    "list_separator": 8,
    "format": 32,
    "records_format": 32,
    "export_format": 32,
    "version": 32,
}


@dataclass(frozen=True)
class Refusal:
    """Why the parameters are refused: the parameter and a French and an English message."""

    name: str
    message_fr: str
    message_en: str


def _shown(name: str) -> str:
    return name[:40] + ("…" if len(name) > 40 else "")


def _too_long(name: str, length: int, limit: int) -> Refusal:
    shown = _shown(name)
    return Refusal(
        shown,
        f"Paramètre « {shown} » trop long : {length} caractères, {limit} au plus.",
        f"Parameter '{shown}' is too long: {length} characters, at most {limit}.",
    )


def check_query(
    params: Iterable[tuple[str, list[str]]],
    *,
    lengths: Mapping[str, int] = SHORT,
    max_length: int = MAX_LENGTH,
) -> Refusal | None:
    """The refusal of query parameters (``QueryDict.lists()``) past their bounds, or None."""
    count = 0
    for name, values in params:
        count += max(len(values), 1)
        if count > MAX_PARAMETERS:
            return Refusal(
                _shown(name),
                f"Trop de paramètres : {MAX_PARAMETERS} au plus.",
                f"Too many parameters: at most {MAX_PARAMETERS}.",
            )
        if len(name) > MAX_NAME_LENGTH:
            return _too_long(name, len(name), MAX_NAME_LENGTH)
        limit = lengths.get(name, max_length)
        for value in values:
            if len(value) > limit:
                return _too_long(name, len(value), limit)
    return None


def check_body(
    data: Mapping, *, lengths: Mapping[str, int] = SHORT, max_length: int = MAX_LENGTH
) -> Refusal | None:
    """The refusal of a decoded JSON body (an object) past its bounds — length of every string,
    nesting, number of values — or None. Walks the value without recursion."""
    stack: list[tuple[str, object, int]] = [(str(k), v, 1) for k, v in data.items()]
    seen = 0
    while stack:
        name, value, depth = stack.pop()
        seen += 1
        if seen > MAX_ITEMS:
            return Refusal(
                _shown(name),
                f"Trop de valeurs dans la requête : {MAX_ITEMS} au plus.",
                f"Too many values in the request: at most {MAX_ITEMS}.",
            )
        if depth > MAX_DEPTH:
            return Refusal(
                _shown(name),
                f"Paramètre « {_shown(name)} » trop imbriqué : {MAX_DEPTH} niveaux au plus.",
                f"Parameter '{_shown(name)}' is nested too deeply: at most {MAX_DEPTH} levels.",
            )
        if isinstance(value, str):
            limit = lengths.get(name, max_length)
            if len(value) > limit:
                return _too_long(name, len(value), limit)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if len(str(key)) > MAX_NAME_LENGTH:
                    return _too_long(str(key), len(str(key)), MAX_NAME_LENGTH)
                stack.append((name, item, depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((name, item, depth + 1) for item in value)
        if depth == 1 and len(name) > MAX_NAME_LENGTH:
            return _too_long(name, len(name), MAX_NAME_LENGTH)
    return None
