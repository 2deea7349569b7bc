"""Receivers of the core's extension points (declared in apps.py).

``feed_pin`` is called by the core only where the module is on (the commune's home page
and the API's feed, on every visit: one query). ``personal_data`` answers for every
commune, the module on or off (GDPR access, ACC-13).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from core.signals import FeedPin
from modules.polls.selectors import polls_taken_part_in, unanswered_open_polls
from notifications.links import absolute_url

# Above the news; after anything more urgent a module may pin.
PIN_ORDER = 10


def feed_pin(sender, request=None, **kwargs) -> FeedPin | None:
    """The open polls of the commune (``sender``) the person may vote in and has not
    answered, closing soonest first; None for a visitor, or when there is none."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    polls = unanswered_open_polls(user, sender)
    if not polls:
        return None
    return FeedPin(
        order=PIN_ORDER,
        template="polls/_pin.html",
        context={"polls": polls, "tz": sender.tzinfo},
        entries=tuple(_entry(sender, poll) for poll in polls),
    )


def _entry(commune, poll) -> dict[str, Any]:
    closing = formats.date_format(
        dj_timezone.localtime(poll.closes_at, commune.tzinfo), "DATETIME_FORMAT"
    )
    return {
        "kind": "poll.open",
        "id": poll.pk,
        "title": poll.question,
        "text": _("Town hall poll: answer before %(date)s") % {"date": closing},
        "url": absolute_url(commune, reverse("polls:detail", args=[poll.pk])),
        "until": poll.closes_at,
    }


def personal_data(user) -> list[dict[str, Any]] | None:
    """The polls the person answered: the question and the commune. Never the choice: it
    is not known (the ballot names no voter)."""
    polls = list(polls_taken_part_in(user))
    if not polls:
        return None
    return [
        {
            "poll": poll.pk,
            "question": poll.question,
            "commune": {"slug": poll.commune.slug, "name": poll.commune.name},
            "closes_at": poll.closes_at,
        }
        for poll in polls
    ]
