"""Report fixtures: the real Montpellier territory, categories routed to services, photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

# Place de la Comédie, Montpellier (34172); and a point in Paris, far outside the territory.
INSIDE = (43.6085, 3.8795)
OUTSIDE = (48.8534, 2.3488)


def jpeg_with_gps(width: int = 2400, height: int = 1800) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position, a camera make and an orientation."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 36.0, 30.6)
    gps[3], gps[4] = "E", (3.0, 52.0, 46.2)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def png_bytes(size=(40, 30), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 200, 30, 128) if mode == "RGBA" else (10, 200, 30)).save(
        out, format="PNG"
    )
    return out.getvalue()


@pytest.fixture
def voirie(montpellier, service, data_officer):
    from territoire.reports.services import category_save

    return category_save(actor=data_officer, code="voirie", name="Voirie", service=service)


@pytest.fixture
def proprete(montpellier, other_service, data_officer):
    from territoire.reports.services import category_save

    return category_save(
        actor=data_officer, code="proprete", name="Propreté", service=other_service
    )


@pytest.fixture
def file_report(voirie):
    from territoire.reports import services

    def make(author, *, category=None, description="Nid-de-poule profond devant le n° 12",
             position=INSIDE, photo=None, address=""):  # fmt: skip
        checked = services.report_check(
            category=category or voirie, description=description, latitude=position[0],
            longitude=position[1], address=address, photo=photo,
        )  # fmt: skip
        return services.report_file(actor=author, checked=checked, client="192.0.2.1")

    return make


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.TERRITOIRE_REPORT_RATE = "1000/60"
    settings.TERRITOIRE_REPORT_IP_RATE = "1000/60"
