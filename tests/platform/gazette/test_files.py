"""core.files and core.images: types read from the content, never from the name."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.files import clean_document, sniff_type
from core.images import clean_image
from tests.platform.gazette.conftest import jpeg


def _zip(members: list[tuple[str, bytes]], name="doc.docx") -> SimpleUploadedFile:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for member, content in members:
            archive.writestr(member, content)
    return SimpleUploadedFile(name, output.getvalue())


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (SimpleUploadedFile("x.bin", b"%PDF-1.7\n..."), "application/pdf"),
        (jpeg("x.txt"), "image/jpeg"),
        (
            _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<x/>")]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"")]),
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_accepted_types_are_sniffed(upload, content_type):
    assert clean_document(upload).content_type == content_type


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        SimpleUploadedFile("page.pdf", b"<!DOCTYPE html><html><script>x</script></html>"),
        _zip([("readme.txt", b"hello")], name="archive.docx"),
        _zip([("[Content_Types].xml", b"<Types/>"), ("evil.js", b"")], name="x.docx"),
        _zip([("mimetype", b"application/zip"), ("a", b"")], name="x.odt"),
        SimpleUploadedFile("x.pdf", b"PK\x03\x04broken"),
    ],
)
def test_anything_else_is_refused_in_french(upload):
    assert sniff_type(upload) is None
    with pytest.raises(ValidationError) as error:
        clean_document(upload)
    assert error.value.code == "file_type"


def test_size_limits(settings):
    with pytest.raises(ValidationError) as error:
        clean_document(SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2000), max_bytes=1000)
    assert error.value.code == "too_large"
    with pytest.raises(ValidationError):
        clean_document(SimpleUploadedFile("a.pdf", b""))
    with pytest.raises(ValidationError) as error:
        clean_image(jpeg(), max_side=100, max_bytes=10)
    assert error.value.code == "too_large"


def test_clean_image_drops_exif_and_bounds_the_size():
    upload = jpeg(size=(400, 200), exif=True)
    with Image.open(upload) as original:
        assert original.getexif()  # the phone's metadata is there before
    cleaned = clean_image(upload, max_side=100, max_bytes=10**6)
    with Image.open(cleaned) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 100
        assert not image.getexif()
