"""Receivers of the core's extension points.

Declared in apps.py: the core calls ``home_panel`` only when the module is on for the
commune; ``personal_data`` answers for every commune (GDPR access).
"""

from __future__ import annotations

from communes.permissions import request_sees_resident_content
from modules.classifieds.models import Classified
from modules.classifieds.selectors import classifieds_latest

HOME_PANEL_ORDER = 30
HOME_PANEL_SIZE = 3


def home_panel(sender, request=None, **kwargs):
    """The latest open classifieds on the commune's home page, for its validated residents."""
    if request is None or not request_sees_resident_content(request, sender):
        return None
    return (
        HOME_PANEL_ORDER,
        "classifieds/home_panel.html",
        {"classifieds": classifieds_latest(commune=sender, count=HOME_PANEL_SIZE)},
    )


def personal_data(user):
    """GDPR access (ACC-13): every classified ``user`` wrote, in every commune.

    Declared as ``personal_data`` in apps.py: the section is there even where the
    module is switched off (data of a disabled module is kept, so it is still the
    person's data).
    """
    classifieds = Classified.objects.filter(author=user).select_related("commune")
    return [
        {
            "id": classified.pk,
            "commune": {"slug": classified.commune.slug, "name": classified.commune.name},
            "kind": classified.kind,
            "title": classified.title,
            "description": classified.description,
            "contact": classified.contact,
            "status": classified.status,
            "published_at": classified.created_at,
            "expires_at": classified.expires_at,
            "closed_at": classified.closed_at,
        }
        for classified in classifieds.order_by("created_at", "pk")
    ]
