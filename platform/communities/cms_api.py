"""API-2: the fields a community's showcase page (``CommunityPage``) gives Wagtail's API.

Exactly what the page shows (``themes/default/templates/communities/community_page.html``):
the community's name, creation date, member count and presentation, and its
référents as ``privacy.matrix.showcase_card`` shows them (pseudonym or name; the
photo's address only if they opted in). No id, contact or address of a person.
The page is read once per serialised page, whatever the number of fields asked.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

_CACHE = "_api_showcase"


def _showcase(page) -> tuple[Any, list]:
    cached = getattr(page, _CACHE, None)
    if cached is None:
        community = page.showcase_community()
        cards = page.showcase_referents(community) if community is not None else []
        cached = (community, cards)
        setattr(page, _CACHE, cached)
    return cached


class ShowcaseField(serializers.Field):
    """One public attribute of the page's community (``None`` once it is gone)."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        community, _cards = _showcase(value)
        if community is None:
            return None
        result = getattr(community, self.attribute)
        if self.attribute == "created_at":
            return serializers.DateTimeField().to_representation(result)
        return result


class ShowcaseReferentsField(serializers.Field):
    """The référents: ``[{"name", "photo_url"}]``, ``photo_url`` absolute or ``None``."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        _community, cards = _showcase(value)
        request = self.context.get("request")
        referents = []
        for card in cards:
            photo = card.photo_url
            if photo and request is not None:
                photo = request.build_absolute_uri(photo)
            referents.append({"name": card.display_name, "photo_url": photo or None})
        return referents
