"""Birthday notices to the members of a person's community (CNT-6)."""

from __future__ import annotations

import datetime
from datetime import UTC

import pytest
from django_q.models import Schedule

from communities.birthdays import send_birthdays
from communities.models import Membership
from core.schedules import sync_schedules
from notifications import services
from notifications.kinds import Frequency
from notifications.models import Event, Notification
from tests.communities import SAINT_MALO, join, make_community, offset, person_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(commune):
    return make_community(commune, members=2)


def _members(community):
    return [
        m.user
        for m in Membership.objects.members().filter(community=community).select_related("user")
    ]


def test_members_are_told_of_a_birthday_once_at_eight_local(community, commune):
    celebrated = person_at(commune, offset(SAINT_MALO, 20, 20), first_name="Odile", pseudonym="Odi")
    celebrated.birth_date = datetime.date(1950, 3, 29)
    celebrated.save()
    join(community, celebrated)
    others = [m for m in _members(community) if m.pk != celebrated.pk]

    assert send_birthdays(now=datetime.datetime(2026, 3, 29, 5, 59, tzinfo=UTC)) == 0  # 07:59 Paris
    assert send_birthdays(now=datetime.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)) == 1
    assert send_birthdays(now=datetime.datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) == 0
    event = Event.objects.get(kind="community.birthday")
    assert "Odi" in event.title  # the pseudonym, as members see each other
    assert set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True)) == {
        m.pk for m in others
    }


def test_a_member_may_turn_birthdays_off(community, commune):
    celebrated = person_at(commune, offset(SAINT_MALO, 20, 20))
    celebrated.birth_date = datetime.date(1990, 7, 14)
    celebrated.save()
    join(community, celebrated)
    quiet = next(m for m in _members(community) if m.pk != celebrated.pk)
    services.set_preference(quiet, "birthdays", frequency=Frequency.OFF, email=False, push=False)
    send_birthdays(now=datetime.datetime(2026, 7, 14, 9, 0, tzinfo=UTC))
    event = Event.objects.get(kind="community.birthday")
    recipients = set(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    )
    assert quiet.pk not in recipients and recipients


def test_no_birth_date_no_notice_and_29_february_is_celebrated_on_the_28th(community, commune):
    leap = person_at(commune, offset(SAINT_MALO, 20, 20))
    leap.birth_date = datetime.date(1984, 2, 29)
    leap.save()
    join(community, leap)
    assert send_birthdays(now=datetime.datetime(2026, 2, 27, 9, 0, tzinfo=UTC)) == 0
    assert send_birthdays(now=datetime.datetime(2026, 2, 28, 9, 0, tzinfo=UTC)) == 1
    assert send_birthdays(now=datetime.datetime(2028, 2, 28, 9, 0, tzinfo=UTC)) == 0  # leap year
    assert send_birthdays(now=datetime.datetime(2028, 2, 29, 9, 0, tzinfo=UTC)) == 1


def test_the_birthday_is_found_without_decrypting_anyone(community, commune):
    from django.db import connection

    person = person_at(commune, offset(SAINT_MALO, 20, 20))
    person.birth_date = datetime.date(1970, 11, 23)
    person.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT birth_date, birthday_index FROM accounts_user WHERE id = %s", [person.pk]
        )
        stored, index = cursor.fetchone()
    assert "1970" not in str(stored) and "11-23" not in index and len(index) == 64


def test_migrate_points_the_birthday_schedule_left_by_notifications_at_communities():
    # The row a database migrated before the move holds (migrate made today's already).
    left, _created = Schedule.objects.update_or_create(
        name="notifications: birthday notices, per time zone",
        defaults={
            "func": "notifications.tasks.birthdays",
            "schedule_type": Schedule.MINUTES,
            "minutes": 15,
        },
    )
    sync_schedules()
    left.refresh_from_db()
    assert left.func == "communities.birthdays.send_birthdays"
    assert Schedule.objects.filter(func__contains="birthday").count() == 1
