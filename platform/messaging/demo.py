"""Demo data of messaging: a few threads between neighbours, between twinned members, and
one resident's message to the town hall, answered.

Called by ``manage.py load_demo`` for each commune once its communities exist and the
modules' demo data is loaded (twinnings): ``messaging_demo.load(commune, staff, residents)``.
Idempotent: a commune whose town hall has a thread already is left as it is.
"""

from __future__ import annotations

from typing import Any

from communities.links import linked_communities
from communities.models import Community, Membership
from messaging.models import Thread
from messaging.services import message_send, thread_start, town_hall_reply, town_hall_thread_start


def _members(community_ids: Any) -> list[Any]:
    rows = (
        Membership.objects.members()
        .filter(community__in=community_ids, user__closed_at__isnull=True)
        .select_related("user")
        .order_by("community_id", "-is_referent", "pk")
    )
    return [row.user for row in rows]


def load(commune, staff, residents) -> None:
    if Thread.objects.filter(commune=commune).exists():
        return
    for community in Community.objects.filter(commune=commune).order_by("pk")[:2]:
        members = _members([community.pk])
        if len(members) >= 2:
            thread = thread_start(
                author=members[1],
                recipients=[members[0]],
                subject="Fête des voisins",
                body="Bonjour ! On organise la fête des voisins le 14 juin, tu viens ?",
            )
            message_send(
                thread=thread, author=members[0], body="Avec plaisir, j’apporte une tarte."
            )
        linked = linked_communities(community, purpose="twinned")
        if linked is not None and members:
            others = [m for m in _members(linked) if m.pk != members[0].pk]
            if others:
                thread = thread_start(
                    author=members[0],
                    recipients=[others[0]],
                    subject="Jumelage : vide-grenier commun",
                    body="Bonjour, nos deux quartiers pourraient faire un vide-grenier commun ?",
                )
                message_send(thread=thread, author=others[0], body="Excellente idée, parlons-en !")
    if residents:
        thread = town_hall_thread_start(
            author=residents[0],
            commune=commune,
            subject="Éclairage public",
            body="Bonjour, le lampadaire devant le 12 rue des Lilas ne s’allume plus.",
        )
        town_hall_reply(
            thread=thread,
            by=staff,
            body="Merci pour votre signalement : les services techniques passent cette semaine.",
        )
