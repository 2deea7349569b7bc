"""The commune's home page shows its neighbourhood communities (CTY-3) to everyone.

A receiver of ``core.signals.commune_home_panels`` (a core app's receiver: always
called). Two queries: the communities (with their member count) and, for a
logged-in person, their current membership.
"""

from __future__ import annotations

from django.urls import reverse

from communities import selectors

HOME_PANEL_ORDER = 20
HOME_PANEL_SIZE = 6


def home_panel(sender, request=None, **kwargs):
    communities = list(selectors.public_communities(commune=sender)[: HOME_PANEL_SIZE + 1])
    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        membership = selectors.current_membership(user)
    return (
        HOME_PANEL_ORDER,
        "communities/home_panel.html",
        {
            "communities": communities[:HOME_PANEL_SIZE],
            "more": len(communities) > HOME_PANEL_SIZE,
            "membership": membership,
            "list_url": reverse("communities:list"),
            "mine_url": reverse("communities:mine"),
        },
    )
