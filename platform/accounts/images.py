"""Profile photos (ACC-2): type and size checked, EXIF stripped, re-encoded.

Whatever arrives (JPEG, PNG, WebP), what is stored is a new JPEG made from the
pixels only: no GPS position, camera serial or thumbnail from the phone
survives, and a file that only pretends to be an image is refused
(``core.images.clean_image``, shared with the gazette and reports).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile

from core.images import ACCEPTED_FORMATS, MAX_PIXELS, clean_image

__all__ = ["ACCEPTED_FORMATS", "MAX_PIXELS", "clean_photo", "photo_max_bytes", "photo_max_side"]


def photo_max_bytes() -> int:
    return getattr(settings, "PROFILE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


def photo_max_side() -> int:
    return getattr(settings, "PROFILE_PHOTO_MAX_SIDE", 800)


def clean_photo(upload) -> ContentFile:
    """Validate an uploaded file and return a clean JPEG (raises ValidationError)."""
    return clean_image(upload, max_side=photo_max_side(), max_bytes=photo_max_bytes())
