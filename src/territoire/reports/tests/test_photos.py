"""Photos: only real JPEG/PNG/WebP images, resized, without any metadata."""

import io

import pytest
from PIL import Image

from territoire.core.errors import TooLarge, ValidationFailed
from territoire.reports.photos import MAX_SIDE, photo_clean

from .conftest import jpeg_with_gps, png_bytes


def test_a_photo_with_gps_exif_comes_out_without_it_and_resized():
    source = jpeg_with_gps()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the fixture has GPS
    assert b"SecretCam" in source
    cleaned = photo_clean(source)
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG"
    assert max(image.size) == MAX_SIDE and image.size == (1600, 1200)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "comment" not in image.info
    assert b"SecretCam" not in cleaned and b"taken at home" not in cleaned
    assert b"Exif" not in cleaned


def test_png_with_transparency_becomes_a_flat_jpeg():
    cleaned = photo_clean(png_bytes())
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (40, 30)


def test_webp_is_accepted():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, format="WEBP")
    assert Image.open(io.BytesIO(photo_clean(out.getvalue()))).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        png_bytes()[:60],  # truncated
    ],
)
def test_what_is_not_an_accepted_image_is_refused(data):
    with pytest.raises(ValidationFailed) as refused:
        photo_clean(data)
    assert refused.value.where == "photo" and "JPEG, PNG ou WebP" in refused.value.message_fr


def test_gif_is_refused_whatever_its_name():
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, format="GIF")
    with pytest.raises(ValidationFailed):
        photo_clean(out.getvalue())


def test_oversized_photo_is_refused():
    with pytest.raises(TooLarge) as refused:
        photo_clean(jpeg_with_gps(200, 200), max_bytes=1000)
    assert "limite" in refused.value.message_fr
