"""Poll notifications (POL-1): an opening to the commune's validated residents, results to
those who took part; each once per poll."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from communes.services import follow_end
from modules.polls import notify
from modules.polls.ballots import vote
from modules.polls.services import poll_create
from notifications.models import Event, Notification
from tests.factories import UserFactory
from tests.follows import pending, validated

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def poll(commune, staff):
    now = timezone.now()
    return poll_create(
        commune=commune,
        by=staff,
        question="Faut-il piétonniser la rue Jeanne-Jugan ?",
        choices=["Oui", "Non"],
        opens_at=now - DAY,
        closes_at=now + 7 * DAY,
    )


def recipients(kind: str) -> set:
    return set(Notification.objects.filter(event__kind=kind).values_list("recipient_id", flat=True))


def test_an_opening_goes_to_validated_residents_only(
    poll, commune, other_commune, resident, neighbour, staff
):
    pending(UserFactory(), commune)
    validated(UserFactory(), other_commune)
    notify.poll_opened(poll)
    assert recipients("polls.opened") == {resident.pk, neighbour.pk}
    event = Event.objects.get(kind="polls.opened")
    assert event.title == (
        "La mairie vous demande votre avis : « Faut-il piétonniser la rue Jeanne-Jugan ? »"
    )
    assert (event.url, event.commune, event.data["poll_id"]) == (
        f"/sondages/{poll.pk}/",
        commune,
        poll.pk,
    )


def test_an_opening_is_announced_once(poll, resident):
    notify.poll_opened(poll)
    notify.poll_opened(poll)
    assert Event.objects.filter(kind="polls.opened").count() == 1
    assert Notification.objects.filter(recipient=resident).count() == 1


def test_results_go_to_who_took_part_and_still_follows(poll, commune, resident, neighbour):
    leaver = validated(UserFactory(), commune)
    vote(poll=poll, user=resident, choice_id=poll.choices.first().pk)
    vote(poll=poll, user=leaver, choice_id=poll.choices.last().pk)
    follow_end(user=leaver, commune=commune)  # left the commune since
    notify.results_out(poll)
    notify.results_out(poll)
    assert recipients("polls.results") == {resident.pk}
    event = Event.objects.get(kind="polls.results")
    assert event.title == (
        "Les résultats du sondage « Faut-il piétonniser la rue Jeanne-Jugan ? » sont publiés"
    )
    assert event.url == f"/sondages/{poll.pk}/"
    assert neighbour.pk not in recipients("polls.results")
