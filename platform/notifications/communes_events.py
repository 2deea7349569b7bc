"""The commune's activities in the notification centre (NOT-1), from ``communes.signals``.

communes sits below notifications: it sends signals, and these receivers (connected in
``NotificationsConfig.ready()``, which also declares the ``commune.*`` kinds) publish
the events. E-mails are worded by ``notifications/email/kinds/commune.*``.

* ``commune.news``: a news item published for the first time reaches every validated
  follower (rubric "news": daily digest by default). Publishing it again after an
  edit does not notify again (one event per page).
* ``commune.follow_request``: the residents' validators are told of each request (centre,
  push, e-mail counting the requests that wait).
* ``commune.follow_decision``: the resident is told the town hall's decision (the reason
  of a refusal, links to the commune's site and to "My communes").
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from communes.models import Follow
from communes.roles import VALIDATE_RESIDENTS
from communes.selectors import holders_of_permission
from communes.signals import follow_decided, follow_requested, news_published
from notifications.fanout import publish


def on_news_published(sender, page, commune, path, **kwargs) -> None:
    followers = get_user_model().objects.filter(
        pk__in=Follow.objects.validated().filter(commune=commune).values("user_id")
    )
    publish(
        "commune.news",
        audience=followers,
        title=page.title,
        body=page.intro,
        url=path,
        commune=commune,
        dedupe_key=f"commune.news:{page.pk}",
    )


def on_follow_requested(sender, follow, pending_count: int, **kwargs) -> None:
    """The validators' event: the centre's row, the push and the e-mail, which counts the
    ``pending_count`` requests that wait (this one among them)."""
    commune = follow.commune
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident asks to follow %(commune)s") % {"commune": commune.name}
    publish(
        "commune.follow_request",
        audience=holders_of_permission(commune, VALIDATE_RESIDENTS).exclude(pk=follow.user_id),
        title=title,
        url=reverse("residents_to_validate"),
        commune=commune,
        data={"pending_count": pending_count},
        dedupe_key=f"commune.follow_request:{follow.pk}:{follow.created_at.isoformat()}",
    )


def on_follow_decided(sender, follow, **kwargs) -> None:
    """The resident's event: the town hall's decision on their request to follow."""
    commune = follow.commune
    accepted = follow.status == Follow.Status.VALIDATED
    with translation.override(settings.LANGUAGE_CODE):
        title = (
            _("You now follow %(commune)s") if accepted else _("Your request to follow %(commune)s")
        ) % {"commune": commune.name}
    decided = follow.decided_at.isoformat() if follow.decided_at else ""
    publish(
        "commune.follow_decision",
        audience=get_user_model().objects.filter(pk=follow.user_id),
        title=title,
        body="" if accepted else follow.reason,
        url=reverse("communes:follows"),
        commune=commune,
        data={"accepted": accepted, "links": {"site": "/"}},
        dedupe_key=f"commune.follow_decision:{follow.pk}:{decided}",
    )


def connect() -> None:
    news_published.connect(on_news_published, dispatch_uid="notifications.commune_news")
    follow_requested.connect(on_follow_requested, dispatch_uid="notifications.follow_request")
    follow_decided.connect(on_follow_decided, dispatch_uid="notifications.follow_decision")
