"""Errors raised by services; each carries a French and an English message a person can act on."""

from __future__ import annotations


class TerritoireError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message_fr: str, message_en: str | None = None, *, where: str | None = None):
        super().__init__(message_fr)
        self.message_fr = message_fr
        self.message_en = message_en or message_fr
        self.where = where

    def localized(self) -> str:
        """The message in the language of the current request (English or else French)."""
        from django.utils.translation import get_language

        return self.message_en if (get_language() or "fr").startswith("en") else self.message_fr

    def as_dict(self) -> dict:
        data = {"error": self.code, "message": self.message_fr, "message_en": self.message_en}
        if self.where:
            data["where"] = self.where
        return data


class ValidationFailed(TerritoireError):
    code = "validation_failed"
    status = 400


class PermissionRefused(TerritoireError):
    """The actor may not do this. Outsiders see not-found instead (see accounts.permissions)."""

    code = "permission_denied"
    status = 403


class NotFound(TerritoireError):
    code = "not_found"
    status = 404


class SourceFileError(TerritoireError):
    """A reference or data file is missing, truncated or not in the expected format."""

    code = "bad_file"
    status = 400


class TooLarge(TerritoireError):
    """A request body or file above a configured size limit."""

    code = "too_large"
    status = 413
