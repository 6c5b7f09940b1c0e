"""Native error answers for what ninja refuses before a view runs: a value of the wrong type or
range (422 `validation_failed`) and a body that is not JSON (400 `invalid_json`).

ninja's own answers (`{"detail": …}`, in English, without saying what to do) would be a second
error shape in one API; these build the native one (`ErrorOut`) instead.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from ninja.parser import Parser

from territoire.core.errors import TerritoireError

# Where a refused value was, as ninja's `loc` starts: (French, English) nouns for the message.
SOURCES = {
    "query": ("le paramètre", "parameter"),
    "path": ("le segment d'adresse", "path segment"),
    "body": ("le champ JSON", "JSON field"),
    "form": ("le champ de formulaire", "form field"),
    "file": ("le fichier", "file"),
    "header": ("l'en-tête", "header"),
    "cookie": ("le cookie", "cookie"),
}

# pydantic error types that mean "not of the expected type": what the value should be.
EXPECTED = {
    "int_parsing": ("un nombre entier", "an integer"),
    "int_type": ("un nombre entier", "an integer"),
    "int_from_float": ("un nombre entier", "an integer"),
    "float_parsing": ("un nombre (avec un point décimal)", "a number (with a decimal point)"),
    "float_type": ("un nombre", "a number"),
    "decimal_parsing": ("un nombre (avec un point décimal)", "a number (with a decimal point)"),
    "bool_parsing": ("true ou false", "true or false"),
    "bool_type": ("true ou false", "true or false"),
    "string_type": ("du texte", "text"),
    "string_unicode": ("du texte UTF-8", "UTF-8 text"),
    "dict_type": ("un objet JSON", "a JSON object"),
    "model_type": ("un objet JSON", "a JSON object"),
    "model_attributes_type": ("un objet JSON", "a JSON object"),
    "list_type": ("une liste", "a list"),
    "date_parsing": ("une date AAAA-MM-JJ", "a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("une date AAAA-MM-JJ", "a date YYYY-MM-DD"),
    "datetime_parsing": ("une date et heure ISO 8601", "an ISO 8601 date and time"),
    "datetime_from_date_parsing": ("une date et heure ISO 8601", "an ISO 8601 date and time"),
    "uuid_parsing": ("un UUID", "a UUID"),
}

# pydantic bound errors: (context key, French, English).
BOUNDS = {
    "greater_than_equal": ("ge", "supérieur ou égal à", "at least"),
    "greater_than": ("gt", "strictement supérieur à", "greater than"),
    "less_than_equal": ("le", "inférieur ou égal à", "at most"),
    "less_than": ("lt", "strictement inférieur à", "less than"),
}

# pydantic length errors: (context key, French bound, English bound, French unit, English unit).
LENGTHS = {
    "string_too_short": ("min_length", "au moins", "at least", "caractère(s)", "character(s)"),
    "string_too_long": ("max_length", "au plus", "at most", "caractère(s)", "character(s)"),
    "too_short": ("min_length", "au moins", "at least", "élément(s)", "item(s)"),
    "too_long": ("max_length", "au plus", "at most", "élément(s)", "item(s)"),
}

# In a message at most this many problems are spelled out; `details` lists them all.
MESSAGE_PROBLEMS = 5


class InvalidJsonBody(TerritoireError):
    """The body of a request that takes JSON could not be read as JSON."""

    code = "invalid_json"
    status = 400


class UnreadableBody(TerritoireError):
    """Django could not read the body: a broken multipart form, too many fields, too large."""

    code = "invalid_body"
    status = 400


# What Django raises while reading a body (Django itself would answer a bare 400 page).
BODY_ERRORS = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def unreadable_body(exc: Exception) -> UnreadableBody:
    if isinstance(exc, RequestDataTooBig):
        return UnreadableBody(
            "Le corps de la requête est trop volumineux : déposez les gros fichiers en "
            "multipart/form-data (champ « file »), pas dans un corps JSON ou un champ de formulaire.",
            "The request body is too large: upload large files as multipart/form-data "
            "(field 'file'), not in a JSON body or a form field.",
            where="body",
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return UnreadableBody(
            "Le formulaire envoyé a trop de champs ou de fichiers : envoyez un seul fichier "
            "(champ « file ») et les seuls champs documentés.",
            "The form has too many fields or files: send one file (field 'file') and only "
            "the documented fields.",
            where="body",
        )
    return UnreadableBody(
        "Le formulaire multipart/form-data est mal formé : envoyez-le avec un client HTTP "
        "(curl -F file=@fichier.csv), qui écrit les séparateurs et l'en-tête Content-Type.",
        "The multipart/form-data form is malformed: send it with an HTTP client "
        "(curl -F file=@file.csv), which writes the boundaries and the Content-Type header.",
        where="body",
    )


class JsonParser(Parser):
    """ninja's parser, whose refusal says where the body breaks and what to send instead."""

    def parse_body(self, request):
        try:
            return json.loads(request.body)
        except UnicodeDecodeError as exc:
            raise InvalidJsonBody(
                f"Le corps de la requête n'est pas encodé en UTF-8 (octet {exc.start + 1}) : "
                "envoyez un objet JSON en UTF-8, avec l'en-tête Content-Type: application/json.",
                f"The request body is not UTF-8 encoded (byte {exc.start + 1}): "
                "send a UTF-8 JSON object, with the header Content-Type: application/json.",
                where="body",
            ) from exc
        except json.JSONDecodeError as exc:
            raise InvalidJsonBody(
                f"Le corps de la requête n'est pas du JSON valide (ligne {exc.lineno}, "
                f"colonne {exc.colno}) : envoyez un objet JSON, avec l'en-tête "
                "Content-Type: application/json.",
                f"The request body is not valid JSON ({exc.msg}: line {exc.lineno}, "
                f"column {exc.colno}): send a JSON object, with the header "
                "Content-Type: application/json.",
                where="body",
            ) from exc


def _location(error: dict) -> str:
    return ".".join(str(part) for part in error.get("loc", ()))


def _problem(error: dict) -> tuple[str, str]:
    """What is wrong with one value and what to do, in French and English."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "est obligatoire : ajoutez-le", "is required: add it"
    if kind == "extra_forbidden":
        return "n'est pas attendu : retirez-le", "is not expected: remove it"
    if kind in EXPECTED:
        fr, en = EXPECTED[kind]
        return f"doit être {fr}", f"must be {en}"
    if kind in BOUNDS and BOUNDS[kind][0] in ctx:
        key, fr, en = BOUNDS[kind]
        return f"doit être {fr} {ctx[key]}", f"must be {en} {ctx[key]}"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        expected = str(ctx["expected"])
        return (
            f"doit valoir {expected.replace(' or ', ' ou ')}",
            f"must be {expected}",
        )
    if kind in LENGTHS and LENGTHS[kind][0] in ctx:
        key, fr, en, unit_fr, unit_en = LENGTHS[kind]
        n = ctx[key]
        return f"doit contenir {fr} {n} {unit_fr}", f"must have {en} {n} {unit_en}"
    if kind == "string_pattern_mismatch" and "pattern" in ctx:
        pattern = ctx["pattern"]
        return f"doit suivre le motif {pattern}", f"must match the pattern {pattern}"
    msg = error.get("msg") or kind
    return f"est refusé ({msg})", f"is refused ({msg})"


def _subject(error: dict) -> tuple[str, str]:
    """« le paramètre « limit » » / "parameter 'limit'": the source, then the name in it."""
    loc = [str(part) for part in error.get("loc", ())]
    if not loc:
        return "la requête", "the request"
    fr, en = SOURCES.get(loc[0], ("la valeur", "value"))
    name = ".".join(loc[1:]) or loc[0]
    return f"{fr} « {name} »", f"{en} '{name}'"


def validation_error_body(errors: list[dict]) -> dict:
    """The native 422 answer for ninja's validation errors: every refused value, named with
    where it was (`query.limit`, `body.payload.overrides`), what it should be and what to do."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for error in errors:
        key = (_location(error), error.get("type", ""))
        if key not in seen:
            seen.add(key)
            unique.append(error)
    parts_fr, parts_en = [], []
    for error in unique[:MESSAGE_PROBLEMS]:
        subject_fr, subject_en = _subject(error)
        problem_fr, problem_en = _problem(error)
        parts_fr.append(f"{subject_fr} {problem_fr}")
        parts_en.append(f"{subject_en} {problem_en}")
    more = len(unique) - MESSAGE_PROBLEMS
    if more > 0:
        parts_fr.append(f"et {more} autre(s) problème(s), listés dans details")
        parts_en.append(f"and {more} more problem(s), listed in details")
    where = ", ".join(dict.fromkeys(_location(error) for error in unique))
    return {
        "error": "validation_failed",
        "message": f"Requête invalide : {' ; '.join(parts_fr)}. Corrigez la requête "
        "(paramètres décrits sur /api/v1/docs).",
        "message_en": f"Invalid request: {'; '.join(parts_en)}. Fix the request "
        "(parameters described at /api/v1/docs).",
        "where": where,
        "details": [
            {key: error[key] for key in ("loc", "type", "msg", "ctx") if key in error}
            for error in errors
        ],
    }


def http_error_body(status: int, message: str) -> dict:
    """Any other refusal ninja makes on its own (an `HttpError`), in the native shape."""
    return {
        "error": "bad_request" if status == 400 else f"http_{status}",
        "message": f"Requête refusée ({status}) : {message}. Vérifiez la requête d'après "
        "la documentation (/api/v1/docs).",
        "message_en": f"Request refused ({status}): {message}. Check the request against "
        "the documentation (/api/v1/docs).",
    }
