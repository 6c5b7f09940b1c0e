"""Table Schemas a dataset can declare: bundled ones (from schema.data.gouv.fr), a file, or a URL."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import requests

from territoire.core.errors import NotFound, SourceFileError, ValidationFailed

from .descriptor import is_table_schema

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_SCHEMA_BYTES = 2 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10


def schema_list() -> list[dict]:
    """Every bundled schema: name (what `schema_load` takes), title, version, source repository,
    and identifier on schema.data.gouv.fr (also accepted by `schema_load`) when it has one."""
    return [dict(item) for item in _bundled()]


@lru_cache(maxsize=1)
def _bundled() -> tuple[dict, ...]:
    items = []
    for folder in sorted(path for path in DATA_DIR.iterdir() if (path / "schema.json").is_file()):
        descriptor = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
        items.append(
            {
                "name": folder.name,
                "title": descriptor.get("title") or folder.name,
                "version": descriptor.get("version"),
                "source": _source_of(folder),
                "identifier": _identifier_of(folder),
            }
        )
    return tuple(items)


def _identifier_of(folder: Path) -> str | None:
    """The schema's id on schema.data.gouv.fr ("scdl/deliberations"), from SOURCE.txt."""
    source = folder / "SOURCE.txt"
    if not source.is_file():
        return None
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("Identifiant schema.data.gouv.fr"):
            value = line.split(":", 1)[1].strip().split()[0] if ":" in line else ""
            return value if "/" in value and not value.startswith("(") else None
    return None


def _source_of(folder: Path) -> str | None:
    source = folder / "SOURCE.txt"
    if not source.is_file():
        return None
    lines = source.read_text(encoding="utf-8").splitlines()
    for prefix in ("Copie utilisée", "Dépôt"):
        for line in lines:
            if line.startswith(prefix) and "http" in line:
                return line[line.index("http") :].split()[0].rstrip(",")
    return None


def schema_load(ref: str) -> dict:
    """The Table Schema descriptor for a bundled name, a file path or an http(s) URL."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationFailed("Indiquez un schéma.", "Give a schema.", where="schema")
    if ref.startswith(("http://", "https://")):
        return _checked(_parse(_fetch(ref), ref), ref)
    bundled = DATA_DIR / ref / "schema.json"
    if "/" not in ref and "\\" not in ref and not ref.endswith(".json") and bundled.is_file():
        return _checked(_parse(bundled.read_bytes(), ref), ref)
    path = Path(ref).expanduser()
    by_identifier = {item["identifier"]: item["name"] for item in _bundled() if item["identifier"]}
    if ref in by_identifier and not path.is_file():
        # schema.data.gouv.fr's own id, e.g. "scdl/deliberations" or "etalab/schema-irve-statique"
        return _checked(
            _parse((DATA_DIR / by_identifier[ref] / "schema.json").read_bytes(), ref), ref
        )
    if path.is_file():
        if path.stat().st_size > MAX_SCHEMA_BYTES:
            raise SourceFileError(
                f"Le schéma {ref} dépasse {MAX_SCHEMA_BYTES // 1024 // 1024} Mo : ce n'est sans doute pas un schéma.",
                f"The schema {ref} is larger than {MAX_SCHEMA_BYTES // 1024 // 1024} MB: probably not a schema.",
                where=ref,
            )
        return _checked(_parse(path.read_bytes(), ref), ref)
    names = ", ".join(item["name"] for item in _bundled())
    raise NotFound(
        f"Schéma « {ref} » introuvable : ce n'est ni un schéma fourni ({names}), ni un fichier, ni une URL http(s).",
        f"Schema '{ref}' not found: not a bundled schema ({names}), a file or an http(s) URL.",
        where=ref,
    )


def _fetch(url: str) -> bytes:
    try:
        with requests.get(
            url, stream=True, timeout=FETCH_TIMEOUT_SECONDS, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code != 200:
                raise SourceFileError(
                    f"Le schéma {url} n'a pas pu être téléchargé (réponse HTTP {response.status_code}).",
                    f"The schema {url} could not be downloaded (HTTP {response.status_code}).",
                    where=url,
                )
            chunks, size = [], 0
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > MAX_SCHEMA_BYTES:
                    raise SourceFileError(
                        f"Le schéma {url} dépasse {MAX_SCHEMA_BYTES // 1024 // 1024} Mo : téléchargement arrêté.",
                        f"The schema {url} is larger than {MAX_SCHEMA_BYTES // 1024 // 1024} MB: download stopped.",
                        where=url,
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as error:
        raise SourceFileError(
            f"Le schéma {url} n'a pas pu être téléchargé ({type(error).__name__}). Vérifiez l'adresse ou réessayez.",
            f"The schema {url} could not be downloaded ({type(error).__name__}). Check the address or retry.",
            where=url,
        ) from error


def _parse(data: bytes, ref: str) -> dict:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        detail = (
            f"ligne {error.lineno}, colonne {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else "encodage"
        )
        detail_en = (
            f"line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else "encoding"
        )
        raise ValidationFailed(
            f"Le schéma {ref} n'est pas un JSON valide ({detail}).",
            f"The schema {ref} is not valid JSON ({detail_en}).",
            where=ref,
        ) from error


def _checked(descriptor, ref: str) -> dict:
    if not is_table_schema(descriptor):
        hint_fr, hint_en = "", ""
        if isinstance(descriptor, dict) and ("properties" in descriptor or "$defs" in descriptor):
            hint_fr, hint_en = (
                " (c'est un JSON Schema, pas un Table Schema)",
                " (this is a JSON Schema, not a Table Schema)",
            )
        elif isinstance(descriptor, dict) and "resources" in descriptor:
            hint_fr, hint_en = (
                " (c'est un Data Package : indiquez le schéma d'une ressource)",
                " (this is a Data Package: give one resource's schema)",
            )
        raise ValidationFailed(
            f"Le fichier {ref} n'est pas un Table Schema : il lui manque la liste « fields »{hint_fr}.",
            f"{ref} is not a Table Schema: the 'fields' list is missing{hint_en}.",
            where=ref,
        )
    return descriptor
