"""Shared helpers of the reports module's tests (owner: svc; every helper uses them)."""

from __future__ import annotations

import io
from fractions import Fraction

from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

# Saint-Malo's town hall (latitude, longitude): points near it are inside the commune
# once a test gives it a centre (``with_centre``).
SAINT_MALO = (48.6493, -2.0257)
# About 40 km away: outside a 15 km radius around Saint-Malo (Rennes is further).
DINAN_FAR = (48.30, -2.05)


def with_centre(commune, *, point=SAINT_MALO, radius_km=None):
    """Give ``commune`` a centre (and radius): its territory becomes known."""
    commune.center = Point(point[1], point[0], srid=4326)
    commune.radius_km = radius_km
    commune.save(update_fields=["center", "radius_km"])
    return commune


def _rational(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = (minutes_full - minutes) * 60
    return (
        Fraction(degrees, 1),
        Fraction(minutes, 1),
        Fraction(round(seconds * 10000), 10000),
    )


def jpeg(gps=None, size=(800, 600), name="photo.jpg", color=(120, 140, 160)) -> SimpleUploadedFile:
    """A JPEG upload; with ``gps=(lat, lon)``, EXIF GPS tags (GPS IFD 0x8825) say where."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make: some EXIF, with or without GPS
    if gps is not None:
        latitude, longitude = gps
        exif[0x8825] = {
            1: "N" if latitude >= 0 else "S",
            2: _rational(latitude),
            3: "E" if longitude >= 0 else "W",
            4: _rational(longitude),
        }
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def make_report(commune, author, category, *, point=SAINT_MALO, **kwargs):
    """A report written directly (no notification, no check): its first update and its
    author's follow are written as ``services.report_create`` would."""
    from modules.reports.models import Follower, Report, Update

    now = kwargs.pop("created_at", None) or timezone.now()
    kwargs.setdefault("title", "Un trou dans la chaussée")
    kwargs.setdefault("description", "Un trou profond devant le numéro 12.")
    kwargs.setdefault("address", "12 rue de la Paix, Saint-Malo")
    kwargs.setdefault("location_source", Report.Source.MAP if point else "")
    report = Report.objects.create(
        commune=commune,
        author=author,
        category=category,
        location=Point(point[1], point[0], srid=4326) if point else None,
        created_at=now,
        updated_at=now,
        followers_count=1 if author is not None else 0,
        **kwargs,
    )
    Update.objects.create(
        report=report,
        kind=Update.Kind.STATUS,
        status=Report.Status.NEW,
        public_by="",
        created_at=now,
    )
    if author is not None:
        Follower.objects.create(report=report, user=author, created_at=now)
    return report


def offset(point, *, north_m=0.0, east_m=0.0):
    """``point`` (lat, lon) moved by metres north and east (small distances)."""
    import math

    latitude, longitude = point
    return (
        latitude + north_m / 111_194.9266,
        longitude + east_m / (111_194.9266 * math.cos(math.radians(latitude))),
    )
