"""Reading the notification centre (NOT-1) and preferences (NOT-2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from communes.selectors import communes_of_staff
from core.modules import registry
from notifications.kinds import RUBRICS, STAFF, Rubric, kinds
from notifications.models import Notification, Preference

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def hidden_kinds_filter() -> Q | None:
    """Notifications of a module switched off for the event's commune (kept, not shown)."""
    hidden = None
    for module, keys in kinds.module_kinds().items():
        try:
            communes_on = registry.enabled_communes(module).values("pk")
        except LookupError:  # a kind of a module that is not installed any more
            condition = Q(event__kind__in=keys)
        else:
            condition = Q(event__kind__in=keys) & ~Q(event__commune__in=communes_on)
        hidden = condition if hidden is None else hidden | condition
    return hidden


def notifications_of(user: User) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient=user)
    hidden = hidden_kinds_filter()
    if hidden is not None:
        queryset = queryset.exclude(hidden)
    return queryset


def centre(user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first, with their event and commune (one query)."""
    return (
        notifications_of(user)
        .select_related("event", "event__commune", "event__commune__site")
        .order_by("-event_id")
    )


def unread_count(user: User | AnonymousUser | None) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return notifications_of(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class EffectivePreference:
    rubric: Rubric
    frequency: str
    email: bool
    push: bool
    chosen: bool  # False: the rubric's defaults apply

    @property
    def locked(self) -> bool:
        return self.rubric.locked


def preferences_of(user: User) -> list[EffectivePreference]:
    """Every rubric in use with the person's choice, or its defaults (one query)."""
    rows = {row.rubric: row for row in Preference.objects.filter(user=user)}
    result = []
    for rubric in kinds.rubrics_in_use():
        row = rows.get(rubric.key)
        if rubric.locked or row is None:
            result.append(
                EffectivePreference(rubric, rubric.frequency, rubric.email, rubric.push, False)
            )
        else:
            result.append(EffectivePreference(rubric, row.frequency, row.email, row.push, True))
    return result


def serves_a_commune(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and communes_of_staff(user).exists()


def offered_preferences(user: User) -> list[EffectivePreference]:
    """The rubrics ``user`` is asked about (preferences page, API): a staff-only rubric
    is left out for someone who serves no commune. Delivery still reads every rubric
    (:func:`preferences_of`): someone who stops serving keeps their earlier choice."""
    choices = preferences_of(user)
    if any(choice.rubric.audience == STAFF for choice in choices) and not serves_a_commune(user):
        choices = [choice for choice in choices if choice.rubric.audience != STAFF]
    return choices


def is_rubric_offered(user: User | AnonymousUser, key: str) -> bool:
    rubric = RUBRICS.get(key)
    if rubric is None:
        return False
    return rubric.audience != STAFF or serves_a_commune(user)


def preference(user: User, rubric_key: str) -> EffectivePreference:
    rubric = RUBRICS[rubric_key]
    row = None if rubric.locked else Preference.objects.filter(user=user, rubric=rubric_key).first()
    if row is None:
        return EffectivePreference(rubric, rubric.frequency, rubric.email, rubric.push, False)
    return EffectivePreference(rubric, row.frequency, row.email, row.push, True)
