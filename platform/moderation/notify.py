"""What moderation tells people, through the notification engine (rubric "moderation",
always on, by e-mail too). E-mails are worded by
``notifications/email/kinds/moderation.*`` (this app's templates); they never quote the
reported content, only the moderators' note.

* ``moderation.hidden``: the author, when their item is hidden pending review, or when a
  decision hid it, warned them, excluded or suspended them (with the note and a link to
  appeal);
* ``moderation.outcome``: each reporter, once the case is decided;
* ``moderation.appeal``: the author, once their appeal is decided;
* ``moderation.waiting``: the platform's staff, when a case waited 48 hours (tasks).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from moderation.models import Action, Case, Report
from notifications.fanout import publish

OUTCOMES: dict[str, str] = {
    Action.KEEP: "kept",
    Action.HIDE: "hidden",
    Action.WARN: "hidden",
    Action.EXCLUDE: "hidden",
    Action.SUSPEND: "hidden",
}


def _users(*ids):
    return get_user_model().objects.filter(pk__in=[pk for pk in ids if pk])


def hidden_pending(case_pk: int) -> None:
    case = Case.objects.filter(pk=case_pk).first()
    if case is None or case.author_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Your content is hidden until a moderator reviews it")
    publish(
        "moderation.hidden",
        audience=_users(case.author_id),
        title=title,
        url=reverse("moderation:decision", args=[case.pk]),
        commune=case.commune,
        data={"case": case.pk, "pending": True, "note": "", "action": ""},
        dedupe_key=f"moderation.hidden:{case.pk}:pending",
    )


def decided(case_pk: int, *, on_appeal: bool) -> None:
    case = Case.objects.filter(pk=case_pk).select_related("commune").first()
    if case is None:
        return
    round_key = "appeal" if on_appeal else "first"
    with translation.override(settings.LANGUAGE_CODE):
        if case.decision == Action.KEEP:
            outcome_title = _("Your report was reviewed: the content stays")
        else:
            outcome_title = _("Your report was reviewed: the moderators acted")
        author_titles: dict[str, str] = {
            Action.HIDE: _("A moderator hid your content"),
            Action.WARN: _("A warning from the moderators"),
            Action.EXCLUDE: _("You were excluded from your community"),
            Action.SUSPEND: _("Your account is suspended"),
        }
        appeal_title = _("Your appeal was decided")
    data = {
        "case": case.pk,
        "action": case.decision,
        "note": case.decision_note,
        "outcome": OUTCOMES.get(case.decision, ""),
    }
    if not on_appeal:
        reporters = Report.objects.filter(case=case, told_at__isnull=True)
        publish(
            "moderation.outcome",
            audience=_users(*reporters.values_list("reporter_id", flat=True)),
            title=outcome_title,
            url=reverse("moderation:my_reports"),
            commune=case.commune,
            data=data,
            dedupe_key=f"moderation.outcome:{case.pk}",
        )
        reporters.update(told_at=timezone.now())
    if case.author_id is None:
        return
    if on_appeal:
        publish(
            "moderation.appeal",
            audience=_users(case.author_id),
            title=appeal_title,
            url=reverse("moderation:decision", args=[case.pk]),
            commune=case.commune,
            data=data,
            dedupe_key=f"moderation.appeal:{case.pk}",
        )
    elif case.decision != Action.KEEP:
        kind = "moderation.warning" if case.decision == Action.WARN else "moderation.hidden"
        publish(
            kind,
            audience=_users(case.author_id),
            title=author_titles[case.decision],
            url=reverse("moderation:decision", args=[case.pk]),
            commune=case.commune,
            data=data,
            dedupe_key=f"{kind}:{case.pk}:{round_key}",
        )
