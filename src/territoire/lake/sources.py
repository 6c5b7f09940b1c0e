"""Fetch a source file over http(s), streamed to disk with a size cap and time limits.

Settings: ``TERRITOIRE_FETCH_MAX_BYTES`` (default 2 GB), ``TERRITOIRE_FETCH_TIMEOUT`` (seconds to
connect and between two received packets, default 60) and ``TERRITOIRE_FETCH_DEADLINE`` (seconds for
the whole download, default 3600).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings
from django.utils.text import get_valid_filename

from territoire.core.errors import SourceFileError, ValidationFailed

DEFAULT_MAX_BYTES = 2 * 1024**3
CHUNK = 1 << 20


@dataclass
class FetchedFile:
    path: Path
    name: str
    content_type: str
    byte_size: int


def is_url(source: str) -> bool:
    return str(source).lower().startswith(("http://", "https://"))


def _file_name(url: str, response: requests.Response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", disposition, re.IGNORECASE) or re.search(
        r'filename="?([^";]+)"?', disposition, re.IGNORECASE
    )
    raw = unquote(match.group(1).strip()) if match else unquote(Path(urlsplit(url).path).name)
    try:
        return get_valid_filename(Path(raw).name)[:200]
    except Exception:  # noqa: BLE001 — a name made only of dots or symbols
        return "telechargement"


def fetch_url(
    url: str,
    *,
    dest_dir: Path,
    max_bytes: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> FetchedFile:
    """Download `url` into `dest_dir`; on any failure no partial file is left behind."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed(
            f"Adresse refusée : {url}. Seules les URL http:// et https:// sont acceptées.",
            f"Refused address: {url}. Only http:// and https:// URLs are accepted.",
            where="source",
        )
    max_bytes = max_bytes or getattr(settings, "TERRITOIRE_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES)
    timeout = timeout or getattr(settings, "TERRITOIRE_FETCH_TIMEOUT", 60)
    deadline = deadline or getattr(settings, "TERRITOIRE_FETCH_DEADLINE", 3600)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    partial = dest_dir / f".download-{os.getpid()}-{time.monotonic_ns()}.part"
    started = time.monotonic()
    try:
        with requests.get(
            url,
            stream=True,
            timeout=timeout,
            allow_redirects=True,
            headers={"User-Agent": "Territoire"},
        ) as response:
            if response.status_code >= 400:
                raise SourceFileError(
                    f"Le serveur a répondu {response.status_code} ({response.reason}) pour {url}. "
                    "Vérifiez l'adresse ou réessayez plus tard.",
                    f"The server answered {response.status_code} ({response.reason}) for {url}. "
                    "Check the address or try again later.",
                    where="source",
                )
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > max_bytes:
                raise _too_big(url, max_bytes)
            size = 0
            with partial.open("wb") as handle:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_big(url, max_bytes)
                    if time.monotonic() - started > deadline:
                        raise SourceFileError(
                            f"Téléchargement de {url} interrompu après {deadline} s. Réessayez ou déposez le fichier.",
                            f"Download of {url} stopped after {deadline} s. Try again or upload the file.",
                            where="source",
                        )
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            name = _file_name(url, response) or "telechargement"
            final = dest_dir / name
            os.replace(partial, final)
            return FetchedFile(
                path=final,
                name=name,
                content_type=response.headers.get("Content-Type", ""),
                byte_size=size,
            )
    except requests.Timeout:
        raise SourceFileError(
            f"Le serveur de {url} ne répond pas (délai de {timeout} s dépassé). Réessayez plus tard.",
            f"The server of {url} does not answer (timeout of {timeout} s). Try again later.",
            where="source",
        ) from None
    except requests.RequestException as exc:
        raise SourceFileError(
            f"Téléchargement impossible depuis {url} : {exc.__class__.__name__}. Vérifiez l'adresse et le réseau.",
            f"Could not download {url}: {exc.__class__.__name__}. Check the address and the network.",
            where="source",
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _too_big(url: str, max_bytes: int) -> SourceFileError:
    return SourceFileError(
        f"Le fichier de {url} dépasse la taille maximale ({max_bytes} octets, réglage TERRITOIRE_FETCH_MAX_BYTES).",
        f"The file at {url} exceeds the maximum size ({max_bytes} bytes, setting TERRITOIRE_FETCH_MAX_BYTES).",
        where="source",
    )
