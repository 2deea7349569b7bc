"""sugg-resident's helpers: suggestions written through the residents' service."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from modules.suggestions.categories import default_categories
from modules.suggestions.models import Suggestion
from modules.suggestions.services import suggestion_propose


def category_of(commune, position: int = 1):
    return default_categories(commune)[position - 1]


def propose(commune, author, *, title="Un banc place du marché", photo=None, **kwargs):
    return suggestion_propose(
        commune=commune,
        author=author,
        category_id=kwargs.pop("category_id")
        if "category_id" in kwargs
        else category_of(commune).pk,
        title=title,
        description=kwargs.pop("description", "Les personnes âgées n'ont nulle part où s'asseoir."),
        photo=photo,
    )


def publish(suggestion, **changes) -> Suggestion:
    """Published as the town hall would (its service is sugg-staff's, tested there)."""
    now = timezone.now()
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=changes.pop("status", Suggestion.Status.PUBLISHED),
        published_at=now,
        decided_at=now,
        **changes,
    )
    suggestion.refresh_from_db()
    return suggestion


def public(commune, author, **kwargs) -> Suggestion:
    return publish(propose(commune, author, **kwargs))


def jpeg(name: str = "banc.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
