"""Notifications of suggestions (SUG-1, SUG-2): who is told, once, and what the e-mails say.

Titles and e-mails never quote a resident's words (the suggestion's title or text); the
text of a notification is only the town hall's own words (refusal reason, public note).
"""

from __future__ import annotations

import pytest

from modules.suggestions import notify
from modules.suggestions import staff as town_hall
from modules.suggestions.models import Follower, Suggestion
from notifications.emails import Recipient, event_message
from notifications.models import Event, Notification
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.suggestions.conftest import waiting_suggestion

pytestmark = pytest.mark.django_db

TITLE = "Un banc place du marché"
TEXT = "Les personnes âgées n'ont nulle part où s'asseoir."


def recipients(kind: str) -> set:
    return set(
        Notification.objects.filter(event__kind=kind).values_list(
            "recipient__first_name", flat=True
        )
    )


def assert_never_quoted(event: Event, person) -> None:
    message = event_message(event, Recipient(person.pk, person.email, person.first_name))
    for text in (TITLE, TEXT):
        assert text not in event.title
        assert text not in message.subject
        assert text not in message.body
        assert text not in message.alternatives[0][0]


@pytest.fixture
def outsiders(db, commune, other_commune):
    """A pending resident of Saint-Malo, a resident and the staff of Cocody."""
    waiting = UserFactory(first_name="Jean")
    pending(waiting, commune)
    elsewhere = validated(UserFactory(first_name="Awa"), other_commune)
    return waiting, elsewhere


def test_the_town_hall_is_told_of_a_proposal(
    commune, resident, neighbour, staff, other_staff, outsiders
):
    suggestion = waiting_suggestion(commune, resident, title=TITLE, description=TEXT)
    notify.proposed(suggestion)
    notify.proposed(suggestion)  # once
    event = Event.objects.get(kind="suggestions.proposed")
    assert recipients("suggestions.proposed") == {"Claire"}
    assert event.title == "Un habitant propose une suggestion (Voirie et circulation)"
    assert event.url == f"/admin/suggestions/{suggestion.pk}/decide/"
    assert event.data == {"suggestion_id": suggestion.pk, "category": "Voirie et circulation"}
    assert_never_quoted(event, staff)


def test_a_proposal_of_a_staff_member_does_not_notify_them(commune, staff):
    notify.proposed(waiting_suggestion(commune, staff))
    assert recipients("suggestions.proposed") == set()


def test_acceptance_tells_the_author_and_every_validated_resident(
    commune, resident, neighbour, staff, other_staff, outsiders
):
    suggestion = waiting_suggestion(commune, resident, title=TITLE, description=TEXT)
    town_hall.suggestion_accept(suggestion=suggestion, by=staff)
    decided = Event.objects.get(kind="suggestions.decided")
    assert recipients("suggestions.decided") == {"Marie"}
    assert decided.title == "La mairie a publié votre suggestion (Voirie et circulation)"
    assert decided.body == ""
    assert decided.url == f"/suggestions/{suggestion.pk}/"
    published = Event.objects.get(kind="suggestions.published")
    # Validated residents but the author (told above); neither pending nor elsewhere.
    assert recipients("suggestions.published") == {"Paul"}
    assert published.title == (
        "Une nouvelle suggestion d’habitants de Saint-Malo (Voirie et circulation)"
    )
    assert published.url == f"/suggestions/{suggestion.pk}/"
    assert_never_quoted(decided, resident)
    assert_never_quoted(published, resident)
    notify.published(suggestion)
    assert Event.objects.filter(kind="suggestions.published").count() == 1


def test_a_refusal_sends_the_town_hall_s_reason_to_the_author_only(
    commune, resident, neighbour, staff
):
    suggestion = waiting_suggestion(commune, resident, title=TITLE, description=TEXT)
    town_hall.suggestion_refuse(
        suggestion=suggestion, by=staff, reason="Ce trottoir relève du département."
    )
    event = Event.objects.get(kind="suggestions.decided")
    assert recipients("suggestions.decided") == {"Marie"}
    assert event.title == "La mairie n’a pas accepté votre suggestion (Voirie et circulation)"
    assert event.body == "Ce trottoir relève du département."
    message = event_message(event, Recipient(resident.pk, resident.email, "Marie"))
    assert "Ce trottoir relève du département." in message.body
    assert_never_quoted(event, resident)
    assert not Event.objects.filter(kind="suggestions.published").exists()


def test_followers_are_told_of_a_status_with_its_note(
    commune, resident, neighbour, staff, outsiders
):
    waiting, elsewhere = outsiders
    suggestion = waiting_suggestion(commune, resident, title=TITLE, description=TEXT)
    town_hall.suggestion_accept(suggestion=suggestion, by=staff)
    for person in (resident, neighbour, waiting, elsewhere):
        Follower.objects.create(suggestion=suggestion, user=person)
    silent = validated(UserFactory(first_name="Luc"), commune)  # follows nothing
    change = town_hall.status_set(
        suggestion=suggestion,
        by=staff,
        status=Suggestion.Status.UNDER_STUDY,
        note="Un devis est demandé.",
    )
    event = Event.objects.get(kind="suggestions.status")
    # Followers who still see it: not the pending resident, not Cocody's, not Luc.
    assert recipients("suggestions.status") == {"Marie", "Paul"}
    assert silent.first_name not in recipients("suggestions.status")
    assert event.title == (
        "Une suggestion que vous suivez est maintenant « À l'étude » (Voirie et circulation)"
    )
    assert event.body == "Un devis est demandé."
    assert event.dedupe_key == f"suggestions.status:{change.pk}"
    assert_never_quoted(event, neighbour)
    notify.status_changed(suggestion, change)
    assert Event.objects.filter(kind="suggestions.status").count() == 1
