"""The notifications of private messages, published through the engine (notifications.fanout).

* ``messages.new`` (rubric "messages"): the other participants of a thread (not those
  who blocked the author, nor those whose account closed);
* ``messages.town_hall`` (rubric "messages", staff): the commune's staff who publish,
  when a resident writes to the town hall.

The e-mails link to the thread (the engine signs the link) and never quote the message
nor its subject: e-mails get forwarded, and a private message must stay between its
participants.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from communes.roles import PUBLISH_CONTENT
from communes.selectors import holders_of_permission
from messaging.models import Message
from notifications.fanout import publish


def thread_path(thread_id: int) -> str:
    return reverse("messaging:thread", args=[thread_id])


def message_written(message: Message, *, recipient_ids: list[int], to_staff: bool) -> None:
    thread = message.thread
    commune = thread.commune
    data: dict[str, Any] = {
        "thread": thread.pk,
        "as_town_hall": message.as_town_hall,
        "town_hall": commune.name if commune is not None else "",
    }
    with translation.override(settings.LANGUAGE_CODE):
        if message.as_town_hall and commune is not None:
            title = _("The town hall of %(commune)s wrote to you") % {"commune": commune.name}
        elif message.signed_role:  # a partner town hall's staff member to a référent (COM-2)
            title = _("%(role)s wrote to you") % {"role": message.signed_role}
        else:
            title = _("New private message")
        staff_title = (
            _("New message to the town hall of %(commune)s") % {"commune": commune.name}
            if commune is not None
            else ""
        )
    if recipient_ids:
        publish(
            "messages.new",
            audience=get_user_model().objects.filter(pk__in=recipient_ids),
            title=title,
            url=thread_path(thread.pk),
            commune=commune,
            actor=message.author,
            data=data,
            dedupe_key=f"messages.new:{message.pk}",
        )
    if to_staff and commune is not None:
        publish(
            "messages.town_hall",
            audience=holders_of_permission(commune, PUBLISH_CONTENT),
            title=staff_title,
            url=reverse("messaging_admin:thread", args=[thread.pk]),
            commune=commune,
            actor=message.author,
            data=data,
            dedupe_key=f"messages.town_hall:{message.pk}",
        )
