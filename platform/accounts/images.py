"""Profile photos (ACC-2): type and size checked, EXIF stripped, re-encoded.

Whatever arrives (JPEG, PNG, WebP), what is stored is a new JPEG made from the
pixels only: no GPS position, camera serial or thumbnail from the phone
survives, and a file that only pretends to be an image is refused.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuses decompression bombs before decoding


def photo_max_bytes() -> int:
    return getattr(settings, "PROFILE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


def photo_max_side() -> int:
    return getattr(settings, "PROFILE_PHOTO_MAX_SIDE", 800)


def clean_photo(upload) -> ContentFile:
    """Validate an uploaded file and return a clean JPEG (raises ValidationError)."""
    if upload.size > photo_max_bytes():
        raise ValidationError(
            _("The photo is too large (%(size)s MB at most).")
            % {"size": photo_max_bytes() // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG or WebP)."), code="invalid"
        ) from None
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(_("Send a JPEG, PNG or WebP photo."), code="format")
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
    upload.seek(0)
    with Image.open(upload) as opened:
        image = ImageOps.exif_transpose(opened)  # keep the orientation, drop the metadata
        image = image.convert("RGB")
        image.thumbnail((photo_max_side(), photo_max_side()))
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue(), name="photo.jpg")
