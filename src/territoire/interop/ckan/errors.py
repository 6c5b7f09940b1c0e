"""CKAN's error types, with the HTTP status CKAN answers each with (ckan/views/api.py)."""

from __future__ import annotations


class CkanError(Exception):
    type = "Internal Server Error"
    status = 500

    def __init__(self, message_fr: str, message_en: str, **fields: list[str]):
        super().__init__(message_en)
        self.message_fr = message_fr
        self.message_en = message_en
        self.fields = fields

    def as_dict(self) -> dict:
        body = {"__type": self.type, "message": self.message_fr, "message_en": self.message_en}
        body.update(self.fields)
        return body


class NotFoundError(CkanError):
    type = "Not Found Error"
    status = 404


class ValidationError(CkanError):
    """CKAN puts the offending field names in the error dict: {"rows": ["Invalid integer"], …}."""

    type = "Validation Error"
    status = 409


class AuthorizationError(CkanError):
    type = "Authorization Error"
    status = 403


class SearchQueryError(CkanError):
    type = "Search Query Error"
    status = 400


class UnavailableError(CkanError):
    """The server cannot answer now (not enough memory for the query): retry later."""

    type = "Service Unavailable Error"
    status = 503

    def __init__(self, message_fr: str, message_en: str, retry_after: int):
        super().__init__(message_fr, message_en)
        self.retry_after = retry_after


class RateLimitError(CkanError):
    type = "Rate Limit Error"
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(
            f"Trop de requêtes : réessayez dans {retry_after} s, ou utilisez un jeton d'API.",
            f"Too many requests: retry in {retry_after} s, or use an API token.",
        )
        self.retry_after = retry_after


def not_found(kind_fr: str, kind_en: str, value: str) -> NotFoundError:
    return NotFoundError(f"{kind_fr} « {value} » introuvable.", f"{kind_en} '{value}' not found.")


def missing(name: str) -> ValidationError:
    return ValidationError(
        f"Le paramètre « {name} » est obligatoire.",
        f"Parameter '{name}' is required.",
        **{name: ["Missing value"]},
    )
