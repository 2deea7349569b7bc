"""Photos of reports (modules/reports/photos.py): the EXIF GPS position and the clean copy."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from modules.reports import photos
from tests.modules.reports.helpers import SAINT_MALO, jpeg


def test_gps_position_reads_exif_north_west():
    position = photos.gps_position(jpeg(gps=SAINT_MALO))
    assert position is not None
    assert abs(position[0] - SAINT_MALO[0]) < 1e-5
    assert abs(position[1] - SAINT_MALO[1]) < 1e-5


def test_gps_position_south_east():
    abidjan_south = (-5.36, 3.99)
    position = photos.gps_position(jpeg(gps=abidjan_south))
    assert position is not None
    assert (round(position[0], 4), round(position[1], 4)) == abidjan_south


def test_gps_position_leaves_the_upload_at_its_start():
    upload = jpeg(gps=SAINT_MALO)
    photos.gps_position(upload)
    assert upload.tell() == 0


@pytest.mark.parametrize(
    "upload",
    [
        jpeg(),
        SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg"),
        SimpleUploadedFile("x.jpg", b"", "image/jpeg"),
    ],
)
def test_no_position(upload):
    assert photos.gps_position(upload) is None


def test_a_zero_position_is_none():
    assert photos.gps_position(jpeg(gps=(0.0, 0.0))) is None


def test_clean_photo_drops_the_metadata_and_bounds_the_size():
    content, width, height = photos.clean_photo(jpeg(gps=SAINT_MALO, size=(4000, 1000)))
    assert (width, height) == (2048, 512)
    with Image.open(io.BytesIO(content.read())) as image:
        assert image.format == "JPEG"
        assert image.size == (2048, 512)
        assert len(image.getexif()) == 0


def test_clean_photo_refuses_too_large_and_non_images():
    huge = SimpleUploadedFile("big.jpg", b"0" * (photos.MAX_BYTES + 1), "image/jpeg")
    with pytest.raises(ValidationError):
        photos.clean_photo(huge)
    with pytest.raises(ValidationError):
        photos.clean_photo(SimpleUploadedFile("a.jpg", b"GIF89a nope", "image/jpeg"))
