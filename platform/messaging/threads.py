"""Display helpers shared by the site, the API and the admin: a page of threads or of
messages with everything shown about them in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from core.access import is_open_account
from messaging.models import Message, Participant, Thread
from messaging.selectors import town_hall_name
from privacy.matrix import PersonCard, cards_by_id, former_member_card
from privacy.relations import Relation


def signature(message: Message) -> str | None:
    """ "Mairie de … · role" for a message of the town hall, else None (a partner town
    hall's staff member writing to a référent is shown by their card: name · role)."""
    if not message.as_town_hall or message.thread.commune is None:
        return None
    return f"{town_hall_name(message.thread.commune)} · {message.signed_role}"


def contact_card(person: Any, label: str = "") -> PersonCard:
    """A person of a thread between a partner town hall's staff member and a référent
    (COM-2), as the other one sees them: their name (and the staff member's role), their id
    (to block, to report), nothing else: no e-mail, phone, address nor photo."""
    if person is None or not is_open_account(person):
        return former_member_card()
    name = person.get_full_name()
    return PersonCard(
        display_name=f"{name} · {label}" if label else name,
        relations=frozenset({Relation.COMMUNE_STAFF}),
        id=person.pk,
        first_name=person.first_name,
        last_name=person.last_name,
    )


def _people(ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return {person.pk: person for person in get_user_model().objects.filter(pk__in=wanted)}


def _contact_cards(viewer_id: int | None, sides: Iterable[tuple[Thread, int, str]]) -> dict:
    """Cards of the people in threads with a référent, keyed by (thread id, user id, label):
    the staff member by name with their role (``label``) for the référent, the référent by
    name for the staff member. One query for the page, none when there is no such thread."""
    sides = list(sides)
    if not sides:
        return {}
    people = _people(user_id for _thread, user_id, _label in sides)
    cards = {}
    for thread, user_id, label in sides:
        if user_id == thread.created_by_id:
            cards[thread.pk, user_id, label] = contact_card(people.get(user_id), label)
        elif viewer_id == thread.created_by_id:
            cards[thread.pk, user_id, label] = contact_card(people.get(user_id))
    return cards


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
    contacts = _contact_cards(
        viewer_id,
        [
            (row.thread, side.user_id, row.thread.staff_label)
            for row in rows
            if row.thread.referents_commune_id is not None
            for side in by_thread.get(row.thread_id, [])
            if side.user_id is not None and side.user_id != viewer_id
        ],
    )
    for row in rows:
        thread = row.thread
        people = []
        for side in by_thread.get(row.thread_id, []):
            if side.user_id is None or side.user_id == viewer_id:
                continue
            card = (
                contacts.get((thread.pk, side.user_id, thread.staff_label))
                or cards.get(side.user_id)
                or former_member_card()
            )
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
    viewer_id = getattr(viewer, "pk", None)
    contacts = _contact_cards(
        viewer_id,
        {
            (m.thread, m.author_id, m.signed_role)
            for m in messages
            if m.thread.referents_commune_id is not None and m.author_id is not None
        },
    )
    for message in messages:
        message.signature = signature(message)  # type: ignore[attr-defined]  # display attribute
        if message.as_town_hall:
            card = PersonCard(display_name=message.signature or "")  # type: ignore[attr-defined]
        else:
            card = (
                contacts.get((message.thread_id, message.author_id, message.signed_role))
                or cards.get(message.author_id)  # type: ignore[arg-type]
                or former_member_card()
            )
        message.author_card = card  # type: ignore[attr-defined]  # display attribute
    return messages
