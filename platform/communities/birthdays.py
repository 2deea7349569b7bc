"""Birthday notices to the members of a person's community (CNT-6).

Birth dates are encrypted (ACC-13); ``accounts.User.birthday_index`` is a keyed hash of
the month and day, so today's birthdays are one indexed lookup per time zone, without
decrypting anyone. Once it is 08:00 in a commune's time zone, each member whose
birthday it is gets one event (deduplicated per person and year), sent to the other
members of their community; each member may turn the "Birthdays" rubric off. People
born on 29 February are celebrated on 28 February in other years.

A community feature: communities declares the kind (``community.birthday``) and the
periodic task (``CommunitiesConfig``) and publishes through the notification engine.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import birthday_index
from communities.models import Membership
from core.access import open_account_q
from notifications.digests import zones
from notifications.fanout import publish
from privacy.matrix import build_card
from privacy.relations import Relation

NOTICE_AT = datetime.time(8, 0)
KIND = "community.birthday"


def _indexes(day: datetime.date) -> list[str]:
    indexes = [birthday_index(day)]
    is_leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    if day.month == 2 and day.day == 28 and not is_leap:
        indexes.append(birthday_index(datetime.date(2000, 2, 29)))
    return indexes


def send_birthdays(*, now=None) -> int:
    """Publish today's birthday notices in every zone where it is past 08:00."""
    now = now or timezone.now()
    published = 0
    for zone_name in zones():
        local = now.astimezone(ZoneInfo(zone_name))
        if local.time() < NOTICE_AT:
            continue
        memberships = (
            Membership.objects.members()
            .filter(
                open_account_q("user__"),
                community__commune__time_zone=zone_name,
                user__birthday_index__in=_indexes(local.date()),
            )
            .select_related("user", "community__commune")
        )
        for membership in memberships:
            person = membership.user
            community = membership.community
            name = build_card(person, frozenset({Relation.SAME_COMMUNITY})).display_name
            result = publish(
                KIND,
                audience=get_user_model().objects.filter(
                    community_memberships__community=community,
                    community_memberships__status=Membership.Status.MEMBER,
                ),
                title=_("It is %(name)s's birthday today") % {"name": name},
                body=_("Wish them a happy birthday!"),
                url=reverse("communities:mine"),
                commune=community.commune,
                actor=person,
                data={"community": community.pk},
                dedupe_key=f"birthday:{person.pk}:{local.year}",
            )
            published += int(result.created)
    return published
