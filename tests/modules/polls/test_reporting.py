"""Moderation's view of polls (reporting.can_see, link) and the GDPR export (ACC-13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.export import account_export
from modules.polls.models import Poll
from modules.polls.receivers import personal_data
from modules.polls.reporting import can_see, link
from tests.factories import UserFactory
from tests.modules.polls.conftest import cast, open_poll

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def test_the_export_lists_the_polls_taken_part_in_never_the_choice(
    commune, other_commune, staff, resident, neighbour
):
    first = open_poll(commune, staff, question="Marché le dimanche ?")
    open_poll(commune, staff, question="Pas répondu")
    cast(first, [resident], "Non")
    cast(first, [neighbour], "Oui")
    data = personal_data(resident)
    assert data == [
        {
            "poll": first.pk,
            "question": "Marché le dimanche ?",
            "commune": {"slug": "saint-malo", "name": "Saint-Malo"},
            "closes_at": first.closes_at,
        }
    ]
    assert "Non" not in repr(data) and "Oui" not in repr(data)
    assert personal_data(UserFactory()) is None


def test_the_export_has_a_polls_section(commune, staff, resident):
    poll = open_poll(commune, staff)
    cast(poll, [resident], "Oui")
    export = account_export(resident)
    assert [entry["poll"] for entry in export["sections"]["polls"]] == [poll.pk]


def test_moderation_sees_an_opened_poll_and_links_to_it(commune, staff, resident):
    poll = open_poll(commune, staff)
    upcoming = open_poll(commune, staff, opens_at=timezone.now() + timedelta(days=1))
    assert link(poll) == f"/sondages/{poll.pk}/"
    assert can_see(resident, poll) is True
    assert can_see(resident, upcoming) is False
    assert can_see(staff, upcoming) is True


def test_a_resident_reaches_the_report_form_not_once_hidden(commune, staff, resident):
    poll = open_poll(commune, staff)
    site = Client(HTTP_HOST=HOST)
    site.force_login(resident)
    url = reverse("moderation:report", args=["polls.poll", poll.pk])
    assert site.get(url).status_code == 200
    Poll.objects.filter(pk=poll.pk).update(hidden_at=timezone.now())
    assert site.get(url).status_code == 404
