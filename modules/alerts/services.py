"""Sending alerts: every rule of ALR-1…ALR-6 lives here.

Site views, API views, the Wagtail admin and the inbound SMS webhook call
:func:`send_community_alert` or :func:`send_town_hall_alert` and nothing else.

A community alert (ALR-2) reaches, in a constant number of queries whatever the
community's size:

* its members and, when the town hall is a partner (COM-2), the town hall's staff
  and its police accounts (the police role): one notification event, in-app, e-mail
  and push (``notifications.fanout.publish``);
  alerts belong to the locked ``alerts`` rubric, so nobody can turn them off (ALR-6);
* the members who gave a mobile number and accept SMS, 4 minutes later, unless they
  have read the alert by then (ALR-3: ``schedule_sms(..., unread_only=True)``);
* the police contact address of a partner town hall, by a plain e-mail (for a
  police without accounts on the platform);
* the members of every community twinned with it, by e-mail only (TWN-3), when a
  module linking communities for the purpose "twinned" is on for the commune
  (``communities.links``: this module does not import twinning).

A town-hall alert (ALR-5) reaches the commune's validated residents in-app, by
e-mail and push, and by SMS right away (the 4-minute rule is for community alerts).

Both kinds are sent in two transactions: the alert and its in-app notifications
commit first (visible at once: under half a second for 100,000 residents), then
:func:`dispatch` writes the e-mail, push and SMS deliveries, the twinned e-mails and
the police e-mail; its ``dispatched_at`` makes it run once, and a periodic sweeper
(:func:`dispatch_pending`) finishes an alert whose process stopped in between.

Rate limits (``ALERTS_PER_MEMBER_PER_HOUR``, ``ALERTS_PER_COMMUNITY_PER_HOUR``) are
counted under a lock of the community row, so two alerts sent at the same instant
cannot both slip under the limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.selectors import is_open_account
from communes.models import Commune, Follow
from communes.roles import SEND_ALERTS
from communes.selectors import commune_permission
from communes.services import commune_url
from communities.links import linked_communities
from communities.models import Community, Membership
from communities.selectors import community_of
from core.countries import emergency_sentence
from core.modules import registry
from modules.alerts.models import Alert
from modules.alerts.selectors import can_correct
from notifications.fanout import deliver, publish, schedule_sms
from privacy.matrix import alert_author_name

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User
    from notifications.fanout import Published

COMMUNITY_KIND = "alerts.community"
TWINNED_KIND = "alerts.twinned"
TOWN_HALL_KIND = "alerts.town_hall"
TITLE_EXCERPT = 60


# --- audiences ---------------------------------------------------------------------------


def members_audience(community_id: int) -> QuerySet[Any]:
    """Ids of the community's members (not pending), as a subquery."""
    return Membership.objects.members().filter(community_id=community_id).values("user_id")


def town_hall_staff_audience(commune: Commune) -> QuerySet[Any]:
    """Ids of the town hall's team (any role, the police role included: ALR-2's attached
    police), as a subquery: partner town halls only."""
    StaffRole = apps.get_model("communes", "StaffRole")
    return StaffRole.objects.filter(commune=commune).values("user_id")


def residents_audience(commune: Commune) -> QuerySet[Any]:
    """Ids of the commune's validated residents (ALR-5), as a subquery."""
    return Follow.objects.validated().filter(commune=commune).values("user_id")


def twinned_members_audience(community: Community) -> QuerySet[Any] | None:
    """Ids of the members of the communities twinned with ``community`` (TWN-3).

    Asked of the core's extension point ``communities.links`` (which the twinning
    module fills where it is on): alerts never import twinning, and neither the core
    nor twinning needs alerts. None when nothing links communities there.
    """
    twinned = linked_communities(community, purpose="twinned")
    if twinned is None:
        return None
    return Membership.objects.members().filter(community__in=twinned).values("user_id")


def _users(*subqueries: QuerySet[Any]) -> QuerySet[User]:
    """Users whose id is in any of ``subqueries`` (querysets of ``user_id``).

    A ``UNION`` of the subqueries, not ``id IN a OR id IN b``: PostgreSQL plans the OR
    as a scan of every user of the platform; the union uses the indexes.
    """
    User = get_user_model()
    ids = subqueries[0].order_by()
    if len(subqueries) > 1:
        ids = ids.union(*(sub.order_by() for sub in subqueries[1:]))
    return User.objects.filter(pk__in=ids)


# --- checks --------------------------------------------------------------------------------


def clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the alert.")})
    limit = settings.ALERTS_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            {
                "text": _("An alert is at most %(limit)d characters long (this one has %(count)d).")
                % {"limit": limit, "count": len(text)}
            }
        )
    return text


def clean_category(category: str | None) -> str:
    if category not in Alert.Category.values:
        raise ValidationError({"category": _("Choose one of the categories offered.")})
    return category


def _check_corrects(
    corrects: Alert | None, *, community: Community | None, commune: Commune
) -> Alert | None:
    """A correction names an alert of the same community (or the same town hall)."""
    if corrects is None:
        return None
    same_place = (
        corrects.community_id == community.pk
        if community is not None
        else corrects.community_id is None and corrects.commune_id == commune.pk
    )
    if not same_place:
        raise ValidationError({"corrects": _("You can only correct an alert of your community.")})
    # A correction of a correction corrects the original: one thread per alert.
    while (original := corrects.corrects) is not None:
        corrects = original
    return corrects


def _check_rate(author: User, community: Community, now: datetime) -> None:
    since = now - timedelta(hours=1)
    per_member = settings.ALERTS_PER_MEMBER_PER_HOUR
    per_community = settings.ALERTS_PER_COMMUNITY_PER_HOUR
    recent = Alert.objects.filter(created_at__gte=since)
    # ALR-7: the refusal recalls the emergency numbers of the commune's country.
    emergency = emergency_sentence(community.commune.country)
    if per_member and recent.filter(author=author).count() >= per_member:
        message = _(
            "You have already sent %(count)d alerts in the last hour: wait a little "
            "before sending another one."
        ) % {"count": per_member}
        raise ValidationError({"text": f"{message} {emergency}"})
    if per_community and recent.filter(community=community).count() >= per_community:
        message = _(
            "Your community has already received %(count)d alerts in the last hour: "
            "wait a little before sending another one."
        ) % {"count": per_community}
        raise ValidationError({"text": f"{message} {emergency}"})


def sms_delay() -> timedelta:
    return timedelta(seconds=settings.ALERTS_SMS_DELAY_SECONDS)


def alert_path(alert: Alert) -> str:
    return reverse("alerts:detail", args=[alert.pk])


# --- ALR-1…ALR-4: community alerts ----------------------------------------------------------


def send_community_alert(
    *,
    author: User,
    text: str,
    category: str = Alert.Category.SECURITY,
    corrects: Alert | None = None,
    source: str = Alert.Source.SITE,
    community: Community | None = None,
) -> Alert:
    """``author`` alerts their community; see the module's docstring for who is reached.

    ``community`` is where the caller believes the author belongs (the page or the
    API path they used); it must be the author's community.

    Two transactions: the alert and its in-app notifications commit first, so that
    every member sees it at once; :func:`dispatch` then writes the e-mails, pushes,
    SMS, twinned e-mails and the police e-mail in a second one (a sweeper finishes the
    dispatch of an alert whose process stopped in between).
    """
    if not is_open_account(author):
        raise PermissionDenied(_("Only members of a community can send an alert."))
    own = community_of(author)
    if own is None or (community is not None and community.pk != own.pk):
        raise PermissionDenied(_("Only members of a community can send an alert."))
    text = clean_text(text)
    category = clean_category(category)
    with transaction.atomic():
        # One alert at a time per community: the counts below cannot both pass.
        community = (
            Community.objects.select_for_update(of=("self",))
            .select_related("commune")
            .get(pk=own.pk)
        )
        if not registry.is_enabled(community.commune, "alerts"):
            raise PermissionDenied(_("Alerts are not available in this commune."))
        named = corrects
        corrects = _check_corrects(corrects, community=community, commune=community.commune)
        if named is not None and not can_correct(author, named):
            raise PermissionDenied(
                _("Only its author or a référent of the community can correct this alert.")
            )
        now = timezone.now()
        _check_rate(author, community, now)
        alert = Alert.objects.create(
            commune=community.commune,
            community=community,
            category=category,
            text=text,
            author=author,
            corrects=corrects,
            source=source,
            created_at=now,
        )
        name = alert_author_name(author)
        with override(settings.LANGUAGE_CODE):  # one stored title for every recipient
            title = _title(alert, name=name, where=community.name)
        published = publish(
            COMMUNITY_KIND,
            audience=community_audience(alert),
            title=title,
            body=text,
            url=alert_path(alert),
            commune=community.commune,
            actor=author,
            data={
                "alert": alert.pk,
                "community": community.pk,
                "category": category,
                "author_name": name,
                "corrects": corrects.pk if corrects else None,
                "sms_heading": sms_heading(title, text),
            },
            channels=frozenset({"in_app"}),
        )
        _attach(alert, published)
    dispatch(alert.pk)
    return alert


def community_audience(alert: Alert) -> QuerySet[User]:
    """The members of the alert's community and, for a partner town hall, its staff."""
    community_id = alert.community_id
    assert community_id is not None, "a community's alert"
    if not alert.commune.is_partner:
        return _users(members_audience(community_id))
    return _users(members_audience(community_id), town_hall_staff_audience(alert.commune))


def _not_author(users: QuerySet[User], alert: Alert) -> QuerySet[User]:
    """``users`` without the alert's author (when the account still exists)."""
    return users if alert.author_id is None else users.exclude(pk=alert.author_id)


def _attach(alert: Alert, published: Published) -> None:
    Alert.objects.filter(pk=alert.pk).update(event=published.event, recipients=published.recipients)
    alert.event, alert.recipients = published.event, published.recipients


def dispatch(alert_id: int) -> bool:
    """Everything of an alert but its in-app notifications, once (ALR-2, ALR-3, ALR-5).

    In one transaction, under a lock of the alert, and only while ``dispatched_at`` is
    empty: run twice (the sweeper and a slow process), it writes nothing twice.
    """
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("commune", "community__commune", "event", "author")
            .filter(pk=alert_id, dispatched_at__isnull=True)
            .first()
        )
        if alert is None or alert.event is None:
            return False
        event = alert.event
        if alert.community_id is None:
            residents = _users(residents_audience(alert.commune))
            deliver(event, residents)
            # ALR-5: SMS at once, read or not: no 4-minute rule for the town hall.
            schedule_sms(event, _not_author(residents, alert), unread_only=False)
        else:
            deliver(event, community_audience(alert))
            # ALR-3: members only, 4 minutes later, if they have not read it by then.
            schedule_sms(
                event,
                _not_author(_users(members_audience(alert.community_id)), alert),
                delay=sms_delay(),
                unread_only=True,
            )
            twinned = twinned_members_audience(alert.community) if alert.community else None
            if twinned is not None:
                publish(
                    TWINNED_KIND,
                    audience=_users(twinned),
                    title=event.title,
                    body=event.body,
                    url=event.url,
                    commune=alert.commune,
                    actor=alert.author,
                    data={**event.data, "twinned": True},
                    channels=frozenset({"email"}),
                )
            if alert.commune.is_partner and alert.commune.police_email:
                transaction.on_commit(lambda: _queue_police_email(alert.pk))
        Alert.objects.filter(pk=alert.pk).update(dispatched_at=timezone.now())
    return True


def dispatch_pending(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """The sweeper: finish the dispatch of alerts whose process stopped after the first
    transaction. Runs every minute; recent alerts are left to their own process."""
    since = timezone.now() - timedelta(days=1)
    pending = Alert.objects.filter(
        dispatched_at__isnull=True,
        event__isnull=False,
        created_at__gte=since,
        created_at__lte=timezone.now() - older_than,
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(pending[:100]) if dispatch(pk))


def sms_heading(title: str, text: str) -> str:
    """The title without the excerpt of the text it ends with: the SMS gives the whole
    text after it ("Saint-Malo : Alerte de la mairie (Météo)" then the text)."""
    excerpt = Truncator(" ".join(text.split())).chars(TITLE_EXCERPT)
    if not title.endswith(excerpt):
        return title
    return title[: -len(excerpt)].rstrip(" :\u00a0\u202f")


def _title(alert: Alert, *, name: str, where: str) -> str:
    excerpt = Truncator(" ".join(alert.text.split())).chars(TITLE_EXCERPT)
    if alert.corrects_id:
        return _("Correction from %(name)s (%(where)s): %(excerpt)s") % {
            "name": name,
            "where": where,
            "excerpt": excerpt,
        }
    return _("Alert from %(name)s (%(where)s): %(excerpt)s") % {
        "name": name,
        "where": where,
        "excerpt": excerpt,
    }


def _queue_police_email(alert_id: int) -> None:
    from django_q.tasks import async_task

    async_task(
        "modules.alerts.tasks.email_police",
        alert_id,
        task_name=f"alerts:police:{alert_id}",
        group="alerts-police",
    )


# --- ALR-5: town-hall alerts -------------------------------------------------------------


def send_town_hall_alert(
    *,
    by: User,
    commune: Commune,
    category: str,
    text: str,
    corrects: Alert | None = None,
    source: str = Alert.Source.ADMIN,
) -> Alert:
    """The town hall alerts every validated resident of ``commune`` (ALR-5).

    In-app (a red banner until read), e-mail, push, and SMS right away to those who
    gave a mobile number and accept SMS: no 4-minute wait for the town hall's alerts.
    A constant number of queries, whatever the number of residents; the in-app rows
    commit first, the rest follows (:func:`dispatch`).
    """
    if not commune_permission(by, commune, SEND_ALERTS):
        raise PermissionDenied(_("You cannot send alerts for this commune."))
    if not registry.is_enabled(commune, "alerts"):
        raise PermissionDenied(_("Alerts are not available in this commune."))
    text = clean_text(text)
    category = clean_category(category)
    with transaction.atomic():
        corrects = _check_corrects(corrects, community=None, commune=commune)
        alert = Alert.objects.create(
            commune=commune,
            community=None,
            category=category,
            text=text,
            author=by,
            corrects=corrects,
            source=source,
        )
        excerpt = Truncator(" ".join(text.split())).chars(TITLE_EXCERPT)
        with override(settings.LANGUAGE_CODE):  # one stored title for every recipient
            if corrects is not None:
                title = _("Correction from the town hall (%(category)s): %(excerpt)s")
            else:
                title = _("Town-hall alert (%(category)s): %(excerpt)s")
            title = title % {"category": Alert.Category(category).label, "excerpt": excerpt}
        published = publish(
            TOWN_HALL_KIND,
            audience=_users(residents_audience(commune)),
            title=title,
            body=text,
            url=alert_path(alert),
            commune=commune,
            actor=by,
            data={
                "alert": alert.pk,
                "category": category,
                "corrects": corrects.pk if corrects else None,
                "sms_heading": sms_heading(title, text),
            },
            channels=frozenset({"in_app"}),
        )
        _attach(alert, published)
    dispatch(alert.pk)
    return alert


def alert_url(alert: Alert) -> str:
    """The alert's page on its commune's host (for e-mails to police)."""
    return commune_url(alert.commune, alert_path(alert))
