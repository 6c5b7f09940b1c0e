"""What every OpenDataSoft path shares: authentication and rate limit, parameters, errors."""

from __future__ import annotations

import functools
import logging

from django.views.decorators.http import require_GET

from territoire.accounts.authentication import InvalidToken, RateLimited
from territoire.core import parameters
from territoire.records.engine import InsufficientMemory
from territoire.records.export_limits import ExportsBusy
from territoire.records.odsql import QueryError

from .. import common
from ..catalogue import Entry, entry_for
from .shapes import error, quota_error

log = logging.getLogger(__name__)


class ParameterError(Exception):
    def __init__(self, name: str, fr: str, en: str):
        super().__init__(en)
        self.name, self.fr, self.en = name, fr, en


class DatasetNotFound(Exception):
    def __init__(self, dataset_id: str, fr: str | None = None, en: str | None = None):
        super().__init__(dataset_id)
        self.dataset_id = dataset_id
        self.fr = fr or f"Jeu de données « {dataset_id} » introuvable."
        self.en = en or f"Dataset '{dataset_id}' not found."


def integer(request, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"{minimum} <= {name}" + (f" <= {maximum}" if maximum is not None else "")
        raise ParameterError(
            name,
            f"Valeur invalide pour le paramètre {name} : « {raw} » ; attendu {bounds}.",
            f"Invalid value for {name} API parameter: {raw} was found but {bounds} is expected.",
        )
    return value


def flag(request, name: str, default: bool) -> bool:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    if value is None:
        raise ParameterError(
            name,
            f"{name} vaut true ou false (reçu « {raw} »).",
            f"{name} is true or false (got '{raw}').",
        )
    return value


def texts(request, name: str) -> list[str]:
    return [v for v in request.GET.getlist(name) if v.strip()]


def dataset_entry(request, actor, dataset_id: str, channel: str = "ods") -> Entry:
    entry = entry_for(actor, dataset_id)
    if entry is None:
        raise DatasetNotFound(dataset_id)
    common.audit_read(request, actor, entry.dataset, channel)
    return entry


def ods_view(view):
    """Authenticate (rate limit included) and turn every refusal into the ODS error shape."""

    @require_GET
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = parameters.check_query(request.GET.lists())
        if refusal is not None:
            return error(
                400,
                "InvalidRESTParameterError",
                refusal.message_fr,
                refusal.message_en,
                parameter=refusal.name,
            )
        try:
            actor = common.authenticate(request)
        except RateLimited as exc:
            return quota_error(
                retry_after=exc.retry_after,
                limit=exc.limit,
                seconds=exc.seconds,
                resets_at=exc.resets_at,
                is_anonymous=exc.is_anonymous,
            )
        except InvalidToken:
            return error(
                401,
                "InvalidAPIKey",
                "Clé d'API invalide, expirée ou révoquée.",
                "The API key is invalid, expired or revoked.",
            )
        try:
            response = view(request, actor, *args, **kwargs)
        except QueryError as exc:
            return error(400, "ODSQLError", exc.message_fr, exc.message_en, **_where(exc))
        except ParameterError as exc:
            return error(400, "InvalidRESTParameterError", exc.fr, exc.en, parameter=exc.name)
        except DatasetNotFound as exc:
            return error(404, "NotFound", exc.fr, exc.en)
        except ExportsBusy as exc:
            response = error(503, "TooManyExports", exc.message_fr, exc.message_en)
            response["Retry-After"] = str(exc.retry_after)
            return response
        except InsufficientMemory as exc:
            response = error(503, "InsufficientMemory", exc.message_fr, exc.message_en)
            response["Retry-After"] = str(exc.retry_after)
            return response
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def _where(exc: QueryError) -> dict:
    data = {"clause": exc.clause}
    if exc.position:
        data["position"] = exc.position
    return data
