"""Uploaded documents: the type is read from the content, never from the name (CNT-2).

Accepted: PDF (``%PDF-``), images Pillow reads (JPEG, PNG, WebP), Office Open XML
documents (a zip holding ``[Content_Types].xml`` and a ``word/``, ``xl/`` or ``ppt/``
part) and OpenDocument files (a zip whose first member ``mimetype`` names an
``application/vnd.oasis.opendocument.*`` type). Anything else is refused with a French
message: an executable renamed ``.pdf``, an HTML page, a plain zip.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from core.images import probe_image

IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
OOXML_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
ODF_EXTENSIONS = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.graphics": "odg",
}


class PrivateFileStorage(FileSystemStorage):
    """Files outside MEDIA_ROOT with no URL at all: a template or serializer asking for
    one fails loudly instead of pointing under the public MEDIA_URL."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through a view that checks access.")


def private_storage() -> FileSystemStorage:
    """Uploads only some people may read (a gazette's photos, a suggestion's photo):
    ``PRIVATE_MEDIA_ROOT``, served by views that check access, never under MEDIA_URL."""
    return PrivateFileStorage(location=settings.PRIVATE_MEDIA_ROOT)


PDF_TYPE = "application/pdf"
# Every type a sniffed document can be served as (an API documents its downloads with it).
DOCUMENT_CONTENT_TYPES: tuple[str, ...] = (
    PDF_TYPE,
    *(content_type for content_type, _extension in IMAGE_TYPES.values()),
    *(content_type for content_type, _extension in OOXML_TYPES.values()),
    *ODF_EXTENSIONS,
)


@dataclass(frozen=True)
class SniffedType:
    content_type: str
    extension: str


def document_max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def _zip_type(upload: IO[bytes]) -> SniffedType | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if infos and infos[0].filename == "mimetype":
                declared = archive.read(infos[0])[:100].decode("ascii", "replace").strip()
                if declared in ODF_EXTENSIONS:
                    return SniffedType(declared, ODF_EXTENSIONS[declared])
                return None
            if "[Content_Types].xml" in names:
                for prefix, (content_type, extension) in OOXML_TYPES.items():
                    if any(name.startswith(prefix) for name in names):
                        return SniffedType(content_type, extension)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    return None


def sniff_type(upload: IO[bytes]) -> SniffedType | None:
    """The document type read from the first bytes of ``upload``, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return SniffedType(PDF_TYPE, "pdf")
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(upload)
    probed = probe_image(upload)
    if probed is not None and probed[0] in IMAGE_TYPES:
        content_type, extension = IMAGE_TYPES[probed[0]]
        return SniffedType(content_type, extension)
    return None


def clean_document(upload: Any, *, max_bytes: int | None = None) -> SniffedType:
    """Check an uploaded document's size and type (raises ValidationError in French)."""
    limit = max_bytes if max_bytes is not None else document_max_bytes()
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB at most).")
            % {"size": max(1, limit // (1024 * 1024))},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    sniffed = sniff_type(upload)
    if sniffed is None:
        raise ValidationError(
            _(
                "This type of file is not accepted: send a PDF, an image (JPEG, PNG, WebP) or "
                "an office document (Word, Excel, PowerPoint, OpenDocument)."
            ),
            code="file_type",
        )
    return sniffed
