"""The "same community" relation of the privacy matrix (PRIV, CTY-13)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from accounts.selectors import is_open_account
from communities.models import Membership
from privacy.relations import Relation, register_relation


def same_community(viewer):
    """The person and the viewer are both members of one community (pending is not enough)."""
    if not is_open_account(viewer):
        return None
    viewer_communities = Membership.objects.members().filter(user=viewer).values("community")
    return Exists(
        Membership.objects.members().filter(user=OuterRef("pk"), community__in=viewer_communities)
    )


def register() -> None:
    register_relation(Relation.SAME_COMMUNITY, same_community)
