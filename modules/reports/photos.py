"""Photos of reports: where a phone's photo was taken (EXIF GPS), and the clean copy kept.

The position is read from the upload *before* cleaning: the stored JPEG is re-encoded
without any metadata (``core.images.clean_image``), so it no longer says where, when nor
with which device it was taken.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image

from core.images import clean_image

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
THUMBNAIL_SIDE = 480  # a card on a phone, at 2x: sharp, yet about 30 KB
GPS_IFD = 0x8825


def _degrees(value: Any) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(part != part for part in (degrees, minutes, seconds)):  # NaN (0/0 rationals)
        return None
    return degrees + minutes / 60 + seconds / 3600


def gps_position(upload: Any) -> tuple[float, float] | None:
    """The (latitude, longitude) a photo's EXIF GPS tags give, or None (absent, invalid,
    not an image). Leaves the upload at its start."""
    try:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # any unreadable file simply has no position
        return None
    if not gps:
        return None
    latitude, longitude = _degrees(gps.get(2)), _degrees(gps.get(4))
    if latitude is None or longitude is None:
        return None
    lat_ref = str(gps.get(1, "N")).strip().upper()[:1]
    lon_ref = str(gps.get(3, "E")).strip().upper()[:1]
    if lat_ref == "S":
        latitude = -latitude
    if lon_ref == "W":
        longitude = -longitude
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:  # a device without a fix writes zeros
        return None
    return latitude, longitude


def clean_photo(upload: Any) -> tuple[ContentFile, int, int]:
    """A clean JPEG of the upload (at most ``MAX_SIDE`` pixels, no metadata) and its size.
    ValidationError (no field) when it is too large or not an image."""
    cleaned = clean_image(upload, max_side=MAX_SIDE, max_bytes=MAX_BYTES)
    with Image.open(io.BytesIO(cleaned.read())) as image:
        width, height = image.size
    cleaned.seek(0)
    return cleaned, width, height


def thumbnail_of(content: ContentFile) -> tuple[ContentFile, int, int]:
    """A small JPEG of a photo already cleaned by :func:`clean_photo`, and its size."""
    content.seek(0)
    with Image.open(content) as opened:
        image = opened.convert("RGB")
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=75, optimize=True)
        size = image.size
    content.seek(0)
    return ContentFile(output.getvalue(), name="thumbnail.jpg"), size[0], size[1]
