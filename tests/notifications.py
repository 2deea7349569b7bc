"""Helpers for the notification engine's tests.

``engine_kinds`` registers kinds that no app declares yet (an alert, a message, a
module's kind), exactly as an AppConfig would, for the length of a test.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from notifications.kinds import NotificationKind, kinds
from tests.factories import UserFactory
from tests.follows import validated

TEST_KINDS = (
    NotificationKind("test.alert", "alerts", "Alerte", urgent=True),
    NotificationKind("test.message", "messages", "Message"),
    NotificationKind("test.poll", "classifieds", "Sondage", module="classifieds"),
)


@pytest.fixture
def engine_kinds():
    saved = dict(kinds._kinds)
    for kind in TEST_KINDS:
        kinds._kinds[kind.key] = kind
    yield kinds
    kinds._kinds = saved


def residents(commune, count: int, **fields) -> list:
    people = [UserFactory(**fields) for _ in range(count)]
    for person in people:
        validated(person, commune)
    return people


def followers_of(commune):
    from communes.models import Follow

    return get_user_model().objects.filter(
        pk__in=Follow.objects.validated().filter(commune=commune).values("user_id")
    )
