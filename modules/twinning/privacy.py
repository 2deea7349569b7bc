"""The "twinned community" relation of the privacy matrix (PRIV, TWN-3).

A viewer holds it with a person when the person is a member of a community
actively twinned with one of the viewer's communities (members, not pending),
in a commune where the module is on. The matrix then shows a pseudonym (or
name), a photo and an id: never an e-mail, a phone or an address (declared as
``privacy_relations`` in apps.py).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from accounts.selectors import is_open_account

MODULE_LABEL = "twinning"


def twinned(viewer):
    if not is_open_account(viewer):
        return None
    from communities.models import Community, Membership
    from core.modules import registry
    from modules.twinning.models import Twinning

    mine = Membership.objects.members().filter(user=viewer).values("community")
    active = Twinning.objects.active()
    partners = Community.objects.filter(
        Q(pk__in=active.filter(community_a__in=mine).values("community_b"))
        | Q(pk__in=active.filter(community_b__in=mine).values("community_a")),
        commune__in=registry.enabled_communes(MODULE_LABEL).values("pk"),
    ).values("pk")
    return Exists(Membership.objects.members().filter(user=OuterRef("pk"), community__in=partners))
