"""API-2: the fields the commune's pages give Wagtail's API (``/api/cms/v2/pages/``).

``CommunePage`` carries the commune's public details: its identity, logo and coat
of arms (renditions), and the town hall's contact details (a public service's
address, phone in E.164 and e-mail, never a person's). ``NewsPage`` carries its
image as renditions.
"""

from __future__ import annotations

from rest_framework import serializers

# Renditions given to the apps (PNG keeps a logo's transparency).
LOGO_SPEC = "max-400x400|format-png"
NEWS_THUMBNAIL_SPEC = "fill-480x270|format-webp"
NEWS_LARGE_SPEC = "max-1600x900|format-webp"


def e164(number) -> str | None:
    return number.as_e164 if number else None


class CommuneIdentitySerializer(serializers.Serializer):
    """The commune's identity: ``{"name", "slug", "official_code", "country"}``."""

    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    official_code = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)


class TownHallContactSerializer(serializers.Serializer):
    """The town hall's public contact: ``{"address", "phone", "email", "opening_hours"}``."""

    address = serializers.CharField(source="contact_address", read_only=True)
    phone = serializers.SerializerMethodField()
    email = serializers.EmailField(source="contact_email", read_only=True)
    opening_hours = serializers.CharField(read_only=True)

    def get_phone(self, commune) -> str | None:
        return e164(commune.contact_phone)
