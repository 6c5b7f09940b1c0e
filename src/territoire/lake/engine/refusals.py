"""Content that no reader takes, and what the report says about it (what, and what to do).

The list of accepted formats in these messages comes from the reader registry.
"""

from __future__ import annotations

from .issues import IngestError, error

# reason: (code, message_fr, message_en, hint_fr, hint_en); ``{detail}`` and ``{accepted}``
# are filled in when the error is raised.
REFUSALS: dict[str, tuple[str, str, str, str, str]] = {
    "empty": (
        "empty_file",
        "Le fichier est vide.",
        "The file is empty.",
        "Vérifiez que l'export s'est bien terminé, puis chargez le fichier complet.",
        "Check that the export finished, then load the complete file.",
    ),
    "binary": (
        "binary_file",
        "Le fichier n'est pas du texte ni un format reconnu (contenu binaire).",
        "The file is neither text nor a recognised format (binary content).",
        "Formats acceptés : {accepted}.",
        "Accepted: {accepted}.",
    ),
    "truncated_zip": (
        "truncated_zip",
        "L'archive ZIP est incomplète ou corrompue ({detail}).",
        "The ZIP archive is truncated or corrupt ({detail}).",
        "Le téléchargement ou la copie a probablement été interrompu : récupérez à nouveau "
        "le fichier.",
        "The download or copy was probably interrupted: fetch the file again.",
    ),
    "truncated_parquet": (
        "truncated_file",
        "Le fichier Parquet est incomplet (pas de pied de fichier).",
        "The Parquet file is truncated (no footer).",
        "Récupérez à nouveau le fichier complet.",
        "Fetch the complete file again.",
    ),
    "pdf": (
        "unsupported_format",
        "Le fichier est un PDF : ses tableaux ne peuvent pas être lus comme des données.",
        "The file is a PDF: its tables cannot be read as data.",
        "Demandez le fichier source (tableur ou CSV) au service producteur.",
        "Ask the producing service for the source file (spreadsheet or CSV).",
    ),
    "compressed": (
        "unsupported_format",
        "Fichier compressé (gzip, bzip2 ou xz) non pris en charge.",
        "Compressed file (gzip, bzip2 or xz) is not supported.",
        "Décompressez-le ou envoyez-le dans une archive ZIP.",
        "Decompress it, or send it as a ZIP archive.",
    ),
    "bare_shapefile": (
        "incomplete_shapefile",
        "Fichier .shp seul : un Shapefile a besoin de ses fichiers .shx, .dbf et .prj.",
        "A lone .shp file: a shapefile needs its .shx, .dbf and .prj files.",
        "Zippez ensemble les fichiers .shp, .shx, .dbf et .prj, puis chargez le ZIP.",
        "Zip the .shp, .shx, .dbf and .prj files together and load the ZIP.",
    ),
    "zip_unknown": (
        "unsupported_format",
        "Archive ZIP sans fichier reconnu ({detail}).",
        "ZIP archive without a recognised file ({detail}).",
        "Une archive ZIP doit contenir un Shapefile (.shp, .shx, .dbf, .prj) ou un GeoPackage.",
        "A ZIP archive must hold a shapefile (.shp, .shx, .dbf, .prj) or a GeoPackage.",
    ),
}

# Recognised only to say clearly that they are not data: (leading bytes, reason).
SIGNATURES = (
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "compressed"),
    (b"BZh", "compressed"),
    (b"\xfd7zXZ", "compressed"),
    (b"\x00\x00\x27\x0a", "bare_shapefile"),
)


def refusal(
    reason: str,
    *,
    label: str,
    detail: str = "",
    accepted: str = "",
    announced: str | None = None,
) -> IngestError:
    """The error for content no reader takes; ``announced``: the format the extension names."""
    code, fr, en, hint_fr, hint_en = REFUSALS.get(
        reason,
        (
            "unsupported_format",
            "Format de fichier non reconnu.",
            "Unrecognised file format.",
            "Formats acceptés : {accepted}.",
            "Accepted: {accepted}.",
        ),
    )
    values = {"detail": detail, "accepted": accepted}
    fr, en = fr.format(**values), en.format(**values)
    if announced and reason in ("binary", "truncated_zip"):
        fr += f" L'extension annonce pourtant {announced}."
        en += f" Its extension says {announced}."
    return IngestError(
        [
            error(
                code,
                fr,
                en,
                file=label,
                hint_fr=hint_fr.format(**values),
                hint_en=hint_en.format(**values),
            )
        ]
    )
