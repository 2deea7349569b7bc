"""Digests at the right local hour, across daylight-saving changes, listing each item once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from notifications import digests, services
from notifications.fanout import publish
from notifications.kinds import Frequency
from notifications.models import Digest, Event
from tests.notifications import followers_of, residents

PARIS = ZoneInfo("Europe/Paris")
ABIDJAN = ZoneInfo("Africa/Abidjan")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # Winter in Paris (UTC+1): 18:00 local is 17:00 UTC.
        (utc(2026, 1, 14, 17, 5), PARIS, utc(2026, 1, 14, 17, 0)),
        (utc(2026, 1, 14, 16, 55), PARIS, utc(2026, 1, 13, 17, 0)),
        # Summer (UTC+2): 16:00 UTC.
        (utc(2026, 7, 1, 16, 0), PARIS, utc(2026, 7, 1, 16, 0)),
        # The day clocks go forward (29 March 2026) and back (25 October 2026).
        (utc(2026, 3, 29, 16, 30), PARIS, utc(2026, 3, 29, 16, 0)),
        (utc(2026, 3, 29, 15, 59), PARIS, utc(2026, 3, 28, 17, 0)),
        (utc(2026, 10, 25, 17, 0), PARIS, utc(2026, 10, 25, 17, 0)),
        (utc(2026, 10, 25, 16, 30), PARIS, utc(2026, 10, 24, 16, 0)),
        # Abidjan has no daylight saving: 18:00 UTC all year.
        (utc(2026, 3, 29, 18, 0), ABIDJAN, utc(2026, 3, 29, 18, 0)),
        (utc(2026, 10, 25, 17, 59), ABIDJAN, utc(2026, 10, 24, 18, 0)),
    ],
)
def test_daily_digest_is_due_at_six_pm_local(now, zone, expected):
    assert digests.due_at(Frequency.DAILY, zone, now) == expected


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # Wednesday 25 March 2026, winter time: 16:00 Paris = 15:00 UTC.
        (utc(2026, 3, 25, 15, 0), PARIS, utc(2026, 3, 25, 15, 0)),
        # Wednesday 1 April 2026, after the change: 14:00 UTC; just before it, last week's.
        (utc(2026, 4, 1, 14, 0), PARIS, utc(2026, 4, 1, 14, 0)),
        (utc(2026, 4, 1, 13, 59), PARIS, utc(2026, 3, 25, 15, 0)),
        (utc(2026, 3, 30, 9, 0), ABIDJAN, utc(2026, 3, 25, 16, 0)),
    ],
)
def test_weekly_digest_is_due_on_wednesday_at_four_pm_local(now, zone, expected):
    assert digests.due_at(Frequency.WEEKLY, zone, now) == expected


def _news(commune, title, at):
    result = publish(
        "commune.news", audience=followers_of(commune), commune=commune, title=title, url="/a/"
    )
    Event.objects.filter(pk=result.event.pk).update(created_at=at)
    return result.event


@pytest.mark.django_db
def test_daily_digest_goes_out_at_six_pm_in_each_commune_and_lists_items_once(
    commune, other_commune
):
    (paris,) = residents(commune, 1)
    (abidjan,) = residents(other_commune, 1)
    # 29 March 2026: Paris switched to summer time that night.
    _news(commune, "Marché de printemps", utc(2026, 3, 29, 9, 0))
    _news(other_commune, "Journée de salubrité", utc(2026, 3, 29, 9, 0))
    mail.outbox.clear()

    # 16:30 UTC = 18:30 in Paris (due), 16:30 in Abidjan (not yet).
    digests.run(now=utc(2026, 3, 29, 16, 30))
    assert [m.to for m in mail.outbox] == [[paris.email]]
    assert "Marché de printemps" in mail.outbox[0].body
    assert "Votre journée" in mail.outbox[0].subject

    # The task runs again every 15 minutes: nothing twice.
    digests.run(now=utc(2026, 3, 29, 16, 45))
    assert len(mail.outbox) == 1

    # 18:00 UTC = 18:00 in Abidjan.
    digests.run(now=utc(2026, 3, 29, 18, 0))
    assert [m.to for m in mail.outbox] == [[paris.email], [abidjan.email]]
    assert "Journée de salubrité" in mail.outbox[1].body

    # Next day: a new item only; yesterday's is not listed again.
    _news(commune, "Concert au château", utc(2026, 3, 30, 10, 0))
    digests.run(now=utc(2026, 3, 30, 16, 5))
    last = mail.outbox[-1]
    assert last.to == [paris.email]
    assert "Concert au château" in last.body and "Marché de printemps" not in last.body
    assert Digest.objects.filter(user=paris, status="sent").count() == 2


@pytest.mark.django_db
def test_nothing_unread_means_no_digest(commune):
    from notifications.services import mark_all_read

    (person,) = residents(commune, 1)
    _news(commune, "Déjà lu", utc(2026, 1, 14, 9, 0))
    mark_all_read(person)
    mail.outbox.clear()
    digests.run(now=utc(2026, 1, 14, 17, 10))
    assert mail.outbox == []


@pytest.mark.django_db
def test_weekly_digest_and_its_unsubscribe_link(commune):
    (person,) = residents(commune, 1)
    services.set_preference(person, "news", frequency=Frequency.WEEKLY, email=True, push=False)
    _news(commune, "Travaux rue de Dinan", utc(2026, 3, 23, 9, 0))
    mail.outbox.clear()
    digests.run(now=utc(2026, 3, 24, 17, 30))  # Tuesday: the daily one has nothing to list
    assert mail.outbox == []
    digests.run(now=utc(2026, 3, 25, 15, 10))  # Wednesday 16:10 in Paris
    (message,) = mail.outbox
    assert "Votre semaine" in message.subject and "Travaux rue de Dinan" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_daylight_saving_does_not_make_a_period_overlap(commune):
    """From Saturday 17:00 UTC to Sunday 16:00 UTC (a 23-hour day), then a normal one."""
    (person,) = residents(commune, 1)
    digests.run(now=utc(2026, 3, 28, 17, 1))  # nothing to list: no row either
    _news(commune, "Samedi soir", utc(2026, 3, 28, 18, 0))
    _news(commune, "Dimanche matin", utc(2026, 3, 29, 8, 0))
    mail.outbox.clear()
    digests.run(now=utc(2026, 3, 29, 16, 1))
    (digest,) = Digest.objects.filter(user=person, status="sent")
    assert digest.period_end == utc(2026, 3, 29, 16, 0)
    assert "Samedi soir" in mail.outbox[0].body and "Dimanche matin" in mail.outbox[0].body
    _news(commune, "Lundi", utc(2026, 3, 30, 8, 0))
    digests.run(now=utc(2026, 3, 30, 16, 1))
    newest = Digest.objects.filter(user=person, status="sent").latest("period_end")
    assert newest.period_start == utc(2026, 3, 29, 16, 0)
    assert newest.period_end - newest.period_start == timedelta(hours=24)
