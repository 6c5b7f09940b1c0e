"""Read the reference files the project ships (COG 2026, boundaries), failing with the file and line."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import overload

from territoire.core.errors import SourceFileError

DATA_DIR = Path(__file__).resolve().parent / "data"
GEOJSON_DIR = DATA_DIR / "geojson"

# Which shipped boundary file covers which département (2018 COG codes).
COMMUNE_BOUNDARY_FILES = {
    "33": "communes-33-gironde.geojson.gz",
    "34": "communes-34-herault.geojson.gz",
    "35": "communes-35-ille-et-vilaine.geojson.gz",
    "44": "communes-44-loire-atlantique.geojson.gz",
    "69": "communes-69-rhone.geojson.gz",
    **dict.fromkeys(
        ["75", "77", "78", "91", "92", "93", "94", "95"], "communes-ile-de-france.geojson.gz"
    ),
}


def _read_text(path: Path) -> str:
    if not path.exists():
        raise SourceFileError(
            f"Fichier de référence introuvable : {path}. Réinstallez Territoire ou indiquez le bon dossier.",
            f"Reference file not found: {path}. Reinstall Territoire or point to the right folder.",
            where=str(path),
        )
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                raw = handle.read()
        else:
            raw = path.read_bytes()
    except (EOFError, OSError, zlib.error) as exc:
        raise SourceFileError(
            f"Fichier {path.name} tronqué ou illisible ({exc}) : remplacez-le par une copie complète.",
            f"File {path.name} is truncated or unreadable ({exc}): replace it with a complete copy.",
            where=str(path),
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceFileError(
            f"Fichier {path.name}, ligne {line} : encodage inattendu (UTF-8 attendu).",
            f"File {path.name}, line {line}: unexpected encoding (UTF-8 expected).",
            where=f"{path}:{line}",
        ) from None


@overload
def read_json(
    path: Path, *, expect: type[list], required_keys: tuple[str, ...] = ()
) -> list[dict]: ...
@overload
def read_json(path: Path, *, expect: type[dict], required_keys: tuple[str, ...] = ()) -> dict: ...
def read_json(path: Path, *, expect: type, required_keys: tuple[str, ...] = ()) -> list | dict:
    """Parse a JSON reference file; check its top-level shape and that each entry has the keys."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        first_line = text.splitlines()[exc.lineno - 1][:120] if text.strip() else ""
        raise SourceFileError(
            f"Fichier {path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg}). "
            f"Début de la ligne : {first_line!r}. Le fichier est sans doute tronqué : remplacez-le.",
            f"File {path.name}, line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg}). "
            "The file is probably truncated: replace it.",
            where=f"{path}:{exc.lineno}",
        ) from None
    if not isinstance(data, expect):
        raise SourceFileError(
            f"Fichier {path.name} : format inattendu ({expect.__name__} attendu, {type(data).__name__} trouvé).",
            f"File {path.name}: unexpected format ({expect.__name__} expected, found {type(data).__name__}).",
            where=str(path),
        )
    if required_keys and isinstance(data, list):
        for index, entry in enumerate(data):
            missing = [
                key for key in required_keys if not isinstance(entry, dict) or key not in entry
            ]
            if missing:
                raise SourceFileError(
                    f"Fichier {path.name}, entrée n° {index + 1} : champ(s) manquant(s) {', '.join(missing)}. "
                    "Ce n'est pas un fichier du découpage administratif attendu.",
                    f"File {path.name}, entry #{index + 1}: missing field(s) {', '.join(missing)}.",
                    where=f"{path}#{index + 1}",
                )
    return data


def read_features(path: Path) -> list[dict]:
    data = read_json(path, expect=dict)
    features = data.get("features")
    if data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise SourceFileError(
            f"Fichier {path.name} : ce n'est pas une FeatureCollection GeoJSON.",
            f"File {path.name}: not a GeoJSON FeatureCollection.",
            where=str(path),
        )
    for index, feature in enumerate(features):
        properties = feature.get("properties") or {}
        if "code" not in properties or not isinstance(feature.get("geometry"), dict):
            raise SourceFileError(
                f"Fichier {path.name}, entité n° {index + 1} : propriété « code » ou géométrie manquante.",
                f"File {path.name}, feature #{index + 1}: missing 'code' property or geometry.",
                where=f"{path}#{index + 1}",
            )
    return features
