"""Communities linked to one: an extension point that modules fill.

A module declares ``community_links`` on its ``PlatformModule``
(:class:`core.modules.CommunityLink`): for a *purpose* (``"twinned"``: members of
twinned communities see each other and receive each other's alerts by e-mail), a
function that takes community ids and returns the ids of the communities linked to
them. Another module asks here, and never imports the module that provides the link:

    linked = linked_communities(community, purpose="twinned")
    if linked is not None:
        members = Membership.objects.members().filter(community__in=linked)

Only providers whose module is on for the commune are asked.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from communities.models import Community
from core.modules import registry


def linked_communities(communities, *, purpose: str, commune=None) -> QuerySet | None:
    """Ids (a ``values("pk")`` subquery) of the communities linked to ``communities``.

    ``communities`` is a ``Community`` (its commune is then the default ``commune``) or
    community ids (a list or a subquery). ``None`` when no module providing ``purpose``
    is on for ``commune``: the caller then has nobody to reach.
    """
    if isinstance(communities, Community):
        commune = commune if commune is not None else communities.commune
        communities = [communities.pk]
    condition = None
    for module, link in registry.contributions("community_links"):
        if link.purpose != purpose or not registry.is_enabled(commune, module.module_label):
            continue
        part = Q(pk__in=import_string(link.communities)(communities))
        condition = part if condition is None else condition | part
    if condition is None:
        return None
    return Community.objects.filter(condition).values("pk")
