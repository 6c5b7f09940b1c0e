"""Report photos: decoded with Pillow (the bytes decide, never the file name), bounded in bytes
and pixels, turned upright, resized to MAX_SIDE, and re-encoded as JPEG without any metadata
(no EXIF, no GPS position, no camera serial, no comment)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from territoire.core.errors import TooLarge, ValidationFailed

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600
# A 50-megapixel camera is fine; a crafted 20,000 × 20,000 PNG (a "decompression bomb") is not.
MAX_PIXELS = 60_000_000
CONTENT_TYPE = "image/jpeg"
EXTENSION = ".jpg"


def _refuse_format() -> ValidationFailed:
    return ValidationFailed(
        "La photo doit être une image JPEG, PNG ou WebP : ce fichier n'en est pas une "
        "(ou il est abîmé). Choisissez une autre photo.",
        "The photo must be a JPEG, PNG or WebP image: this file is not one (or it is damaged). "
        "Choose another photo.",
        where="photo",
    )


def photo_clean(data: bytes, *, max_bytes: int | None = None) -> bytes:
    """The photo as it will be stored: JPEG, at most MAX_SIDE pixels, without metadata.
    Raises ValidationFailed (not an accepted image) or TooLarge."""
    max_bytes = max_bytes or MAX_BYTES
    if len(data) > max_bytes:
        raise TooLarge(
            f"La photo pèse {len(data) / 1e6:.1f} Mo : la limite est {max_bytes / 1e6:.0f} Mo. "
            "Réduisez-la ou choisissez-en une autre.",
            f"The photo is {len(data) / 1e6:.1f} MB: the limit is {max_bytes / 1e6:.0f} MB. "
            "Make it smaller or choose another one.",
            where="photo",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _refuse_format()
                if probe.width * probe.height > MAX_PIXELS:
                    raise TooLarge(
                        f"La photo fait {probe.width} × {probe.height} pixels : c'est trop. "
                        "Envoyez une photo plus petite.",
                        f"The photo is {probe.width} × {probe.height} pixels: too many. "
                        "Send a smaller photo.",
                        where="photo",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (ValidationFailed, TooLarge):
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise _refuse_format() from exc
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        flat = Image.new("RGB", upright.size, (255, 255, 255))
        flat.paste(upright.convert("RGBA"), mask=upright.convert("RGBA").getchannel("A"))
        upright = flat
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    # A fresh image holds pixels only: nothing of the source's info (EXIF, XMP, ICC, comments).
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
