"""Notifications of the town hall's polls, through the engine (rubric "polls", POL-1).

* ``polls.opened``: a poll opens, to the commune's validated residents (sent once per
  poll by ``tasks.notify_opened``, which marks ``opening_notified_at``);
* ``polls.results``: the closing tally is done, to the residents who took part and still
  follow the commune as validated residents (``tasks.tally_due`` marks
  ``results_notified_at``).

Titles quote the town hall's question, never anything a resident wrote. Both are
idempotent (one event per poll): a task run twice notifies once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from communes.models import Follow
from modules.polls.models import Participation, Poll
from notifications.fanout import publish


def poll_path(poll: Poll) -> str:
    return f"/sondages/{poll.pk}/"


def _validated_residents(commune):
    return Follow.objects.validated().filter(commune=commune).values("user_id")


def poll_opened(poll: Poll) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The town hall asks your opinion: “%(question)s”") % {"question": poll.question}
    publish(
        "polls.opened",
        audience=get_user_model().objects.filter(pk__in=_validated_residents(poll.commune)),
        title=title,
        url=poll_path(poll),
        commune=poll.commune,
        data={
            "poll_id": poll.pk,
            "question": poll.question,
            "closes_at": poll.closes_at.isoformat(),
        },
        dedupe_key=f"polls.opened:{poll.pk}",
    )


def results_out(poll: Poll) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The results of the poll “%(question)s” are out") % {"question": poll.question}
    participants = Participation.objects.filter(poll=poll).values("user_id")
    publish(
        "polls.results",
        audience=get_user_model().objects.filter(
            pk__in=participants, id__in=_validated_residents(poll.commune)
        ),
        title=title,
        url=poll_path(poll),
        commune=poll.commune,
        data={"poll_id": poll.pk, "question": poll.question},
        dedupe_key=f"polls.results:{poll.pk}",
    )
