"""Display helpers shared by the site, the API and the admin: a page of threads or of
messages with everything shown about them in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from messaging.models import Message, Participant
from messaging.selectors import town_hall_name
from privacy.matrix import PersonCard, cards_by_id, former_member_card


def signature(message: Message) -> str | None:
    """ "Mairie de … · role" for a message of the town hall, else None."""
    if not message.as_town_hall or message.thread.commune is None:
        return None
    return f"{town_hall_name(message.thread.commune)} · {message.signed_role}"


def attach_participants(viewer: Any, rows: Iterable[Participant]) -> list[Participant]:
    """Set ``people`` (cards of the other people, through the matrix) and ``town_hall`` on each
    inbox row: two queries for the page (participants, then the people's cards)."""
    rows = list(rows)
    thread_ids = [row.thread_id for row in rows]
    sides = Participant.objects.filter(thread_id__in=thread_ids).order_by("joined_at", "pk")
    by_thread: dict[int, list[Participant]] = {}
    for side in sides:
        by_thread.setdefault(side.thread_id, []).append(side)
    user_ids = {side.user_id for side in sides if side.user_id is not None}
    cards = cards_by_id(viewer, user_ids)
    viewer_id = getattr(viewer, "pk", None)
    for row in rows:
        thread = row.thread
        people = []
        for side in by_thread.get(row.thread_id, []):
            if side.user_id is None or side.user_id == viewer_id:
                continue
            card = cards.get(side.user_id) or former_member_card()
            people.append(card)
        row.people = people  # type: ignore[attr-defined]  # display attribute
        row.town_hall = (  # type: ignore[attr-defined]  # display attribute
            town_hall_name(thread.commune) if thread.commune is not None else None
        )
        row.unread = row.is_unread  # type: ignore[attr-defined]  # display attribute
    return rows


def attach_authors(viewer: Any, messages: list[Message]) -> list[Message]:
    """Cards of the authors through the matrix; a message of the town hall shows the town hall
    only (its signature), never the staff member behind it."""
    cards = cards_by_id(viewer, (m.author_id for m in messages if not m.as_town_hall))
    for message in messages:
        message.signature = signature(message)  # type: ignore[attr-defined]  # display attribute
        if message.as_town_hall:
            card = PersonCard(display_name=message.signature or "")  # type: ignore[attr-defined]
        else:
            card = cards.get(message.author_id) or former_member_card()  # type: ignore[arg-type]
        message.author_card = card  # type: ignore[attr-defined]  # display attribute
    return messages
