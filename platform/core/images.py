"""Uploaded images, made safe (ACC-2 profile photos, CNT-2 gazette photos, reports…).

Whatever arrives (JPEG, PNG, WebP), what is stored is a new JPEG made from the pixels
only: no GPS position, camera serial or thumbnail from the phone survives, and a file
that only pretends to be an image is refused. Size in bytes and in pixels are checked
before the image is decoded (decompression bombs).
"""

from __future__ import annotations

import io
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuses decompression bombs before decoding


def probe_image(upload: IO[bytes]) -> tuple[str | None, int, int] | None:
    """The format and size of the image in ``upload``, or None if it is not one we read."""
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return image_format, width, height


def clean_image(
    upload: Any, *, max_side: int, max_bytes: int, name: str = "photo.jpg"
) -> ContentFile:
    """Validate an uploaded image and return a clean JPEG of at most ``max_side`` pixels
    on its longer side (raises ValidationError with a French message)."""
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise ValidationError(
            _("The photo is too large (%(size)s MB at most).")
            % {"size": max(1, max_bytes // (1024 * 1024))},
            code="too_large",
        )
    probed = probe_image(upload)
    if probed is None:
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG or WebP)."), code="invalid"
        )
    image_format, width, height = probed
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(_("Send a JPEG, PNG or WebP photo."), code="format")
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
    upload.seek(0)
    try:
        with Image.open(upload) as opened:
            image = ImageOps.exif_transpose(opened)  # keep the orientation, drop the metadata
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85, optimize=True)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG or WebP)."), code="invalid"
        ) from None
    return ContentFile(output.getvalue(), name=name)
