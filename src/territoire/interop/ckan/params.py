"""Reading an action's parameters as CKAN does: from the query string (GET) or a JSON or form body
(POST); values may come as strings, JSON strings, native JSON values or repeated parameters."""

from __future__ import annotations

import json
from typing import Any

from .errors import ValidationError


class BadRequest(Exception):
    """The body is not a JSON object: CKAN answers 400 with a bare message."""


def request_data(request) -> dict[str, Any]:
    def mixed(multi) -> dict[str, Any]:
        return {key: values[0] if len(values) == 1 else values for key, values in multi.lists()}

    if request.method == "POST":
        if request.POST:
            values = list(request.POST.values())
            if len(request.POST) == 1 and values[0] in ("1", ""):
                # a JSON object posted as the only form key, as CKAN accepts
                return _json_object(next(iter(request.POST.keys())))
            return mixed(request.POST)
        if request.body:
            return _json_object(request.body.decode("utf-8", errors="replace"))
        return mixed(request.GET)
    return mixed(request.GET)


def _loads(text: str):
    """JSON text to a value; ValueError for what is not JSON or is nested past Python's own
    limit (a body of 50,000 "[" would otherwise be a RecursionError, a 500)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = _loads(text)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(
            f"Bad request data: Request data JSON decoded to {data!r} but it needs to be a dictionary."
        )
    return data


def _invalid(name: str, fr: str, en: str, token: str) -> ValidationError:
    return ValidationError(
        f"Paramètre « {name} » : {fr}", f"Parameter '{name}': {en}", **{name: [token]}
    )


# Beyond any catalogue or table, and within the 64-bit LIMIT and OFFSET of the databases.
MAX_INTEGER = 2**62


def as_int(
    data: dict, name: str, default: int, *, minimum: int = 0, maximum: int = MAX_INTEGER
) -> int:
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, list):
        value = value[-1]
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid(
            name,
            f"« {value} » n'est pas un entier.",
            f"'{value}' is not an integer.",
            "Invalid integer",
        ) from None
    if number < minimum:
        raise _invalid(
            name,
            f"doit valoir au moins {minimum}.",
            f"must be at least {minimum}.",
            "Must be a natural number",
        )
    if number > maximum:
        raise _invalid(
            name,
            f"doit valoir au plus {maximum}.",
            f"must be at most {maximum}.",
            f"Must be less than or equal to {maximum}",
        )
    return number


def as_bool(data: dict, name: str, default: bool) -> bool:
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t", "y"):
        return True
    if text in ("false", "0", "no", "off", "f", "n"):
        return False
    raise _invalid(
        name,
        f"« {value} » n'est pas un booléen (true/false).",
        f"'{value}' is not a boolean (true/false).",
        "Not a boolean",
    )


def as_str(data: dict, name: str, default: str = "") -> str:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, list):
        value = value[-1] if value else default
    return str(value)


def as_list(data: dict, name: str) -> list[str]:
    """A list given natively, as a JSON list string, as repeated parameters or comma-separated."""
    value = data.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        items: list = []
        for item in value:
            items.extend(
                as_list({name: item}, name)
                if isinstance(item, str) and item.startswith("[")
                else [item]
            )
        return [str(i) for i in items]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = _loads(text)
        except ValueError:
            raise _invalid(
                name, "liste JSON illisible.", "unreadable JSON list.", "Not a list"
            ) from None
        if not isinstance(parsed, list):
            raise _invalid(name, "une liste est attendue.", "a list is expected.", "Not a list")
        return [str(i) for i in parsed]
    return [part.strip() for part in text.split(",") if part.strip()]


def as_dict(data: dict, name: str) -> dict:
    value = data.get(name)
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = _loads(str(value))
    except ValueError:
        raise _invalid(
            name, "objet JSON illisible.", "unreadable JSON object.", "Not a JSON object"
        ) from None
    if not isinstance(parsed, dict):
        raise _invalid(
            name, "un objet JSON est attendu.", "a JSON object is expected.", "Not a JSON object"
        )
    return parsed
