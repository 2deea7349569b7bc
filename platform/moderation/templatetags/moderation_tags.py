"""How an item moderation hid shows on the site, for every app's templates (CNT-5).

    {% load moderation_tags %}
    {% moderation_state comment as moderated %}
    {% if moderated.placeholder %}Contenu masqué par la modération{% else %}…{% endif %}

``moderated.hidden``: moderation hid the item. ``moderated.placeholder``: the viewer reads
"Contenu masqué par la modération" instead of it (everyone but its author and its
moderators). ``moderated.mine``: the viewer wrote it (they see it marked "Masqué par la
modération"), ``moderated.decision_url``: then the page where they read why and appeal.

Apps below moderation cannot import it (``.importlinter``): their templates load this
library, which reads the item through the contract (``core.modules.registry``). A visible
item costs nothing; a hidden one, for its author only, one query to find its case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

from accounts.staff import is_platform_staff
from communes.roles import PUBLISH_CONTENT
from communes.selectors import communes_with_permission
from core.modules import registry
from moderation import items
from moderation.models import Case

register = template.Library()


@dataclass(frozen=True)
class Moderated:
    hidden: bool = False
    mine: bool = False
    moderator: bool = False
    decision_url: str = ""

    @property
    def placeholder(self) -> bool:
        return self.hidden and not self.mine and not self.moderator

    @property
    def marked(self) -> bool:
        """The viewer sees the hidden item, with the mark "Masqué par la modération"."""
        return self.hidden and not self.placeholder


VISIBLE = Moderated()


def _viewer(context) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _town_hall_communes(context, viewer) -> set[int]:
    """The communes whose spaces ``viewer`` moderates (once per request)."""
    request = context.get("request")
    cached = getattr(request, "_moderation_communes", None)
    if cached is None:
        cached = set(communes_with_permission(viewer, PUBLISH_CONTENT).values_list("pk", flat=True))
        if request is not None:
            request._moderation_communes = cached
    return cached


def _is_moderator(context, viewer, kind, instance) -> bool:
    if is_platform_staff(viewer):
        return True
    communes = _town_hall_communes(context, viewer)
    if not communes:
        return False
    # The commune first (a column): the town hall's rule may read the item's target.
    if items._value(instance, kind.commune) not in communes:
        return False
    return kind.moderated_by_town_hall(instance)


def decision_url(kind_key: str, object_id: int, author_id: int) -> str:
    """The author's page about their hidden item: its latest case's decision."""
    case = (
        Case.objects.filter(kind=kind_key, object_id=object_id, author_id=author_id)
        .order_by("-opened_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return reverse("moderation:decision", args=[case]) if case is not None else ""


@register.simple_tag(takes_context=True)
def moderation_state(context, obj: Any) -> Moderated:
    if obj is None or getattr(obj, "hidden_at", None) is None:
        return VISIBLE
    kind = registry.reportable_for_model(obj._meta.label)
    viewer = _viewer(context)
    if kind is None or viewer is None:
        return Moderated(hidden=True)
    author_id = items._value(obj, kind.author)
    if author_id is not None and author_id == viewer.pk:
        url = decision_url(kind.key, obj.pk, viewer.pk)
        return Moderated(hidden=True, mine=True, decision_url=url)
    return Moderated(hidden=True, moderator=_is_moderator(context, viewer, kind, obj))
