"""Who sees which alert, and the unread alerts of the red banners (the home page's:
the town hall's and the person's community's; the API's: the town hall's).

Visibility (PRODUCT.md, ALR-2 and the FAQ: "only the members of your community and
of the twinned communities know the content of its alerts"):

* a community alert: the community's members; the members of the communities
  twinned with it (``communities.links``, purpose "twinned": while a module that
  links them, twinning, is on for the commune); the staff of
  a partner town hall and, there, the holders of ``view_community_alerts`` (the
  police role: COM-2, read only); platform staff;
* a town-hall alert: the commune's validated residents and its staff; platform staff.

A correction is visible to whoever sees the alert it corrects (same community).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from accounts.selectors import is_open_account
from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.roles import VIEW_COMMUNITY_ALERTS
from communes.selectors import (
    commune_permission,
    communes_of_staff,
    communes_with_permission,
    is_validated_resident,
)
from communities.links import linked_communities
from communities.models import Membership
from core.admin_scope import CommuneScope
from core.modules import registry
from modules.alerts.models import Alert
from notifications.models import Notification

if TYPE_CHECKING:
    from accounts.models import User


def is_town_hall_staff(user: User, commune: Commune) -> bool:
    """The commune's team, its hosting partner's staff and superusers."""
    return is_open_account(user) and communes_of_staff(user).filter(pk=commune.pk).exists()


def watches_community_alerts(user: User, commune: Commune) -> bool:
    """Reads the communities' alerts of ``commune``: a partner commune's staff, and there
    the holders of ``view_community_alerts`` (police, read only: COM-2)."""
    if not commune.is_partner or not is_open_account(user):
        return False
    return is_town_hall_staff(user, commune) or commune_permission(
        user, commune, VIEW_COMMUNITY_ALERTS
    )


def community_alert_communes(user: User) -> QuerySet[Commune]:
    """The partner communes whose communities' alerts ``user`` reads as the town hall's
    staff or with ``view_community_alerts`` (police)."""
    if not is_open_account(user):
        return Commune.objects.none()
    return Commune.objects.filter(is_partner=True).filter(
        Q(pk__in=communes_of_staff(user).values("pk"))
        | Q(pk__in=communes_with_permission(user, VIEW_COMMUNITY_ALERTS).values("pk"))
    )


def admin_communes(user: User) -> QuerySet[Commune]:
    """The communes whose alerts the admin lists to ``user``: the town hall's (its own
    alerts, and its communities' in a partner commune) and the police's (communities'
    alerts of a partner commune)."""
    if not is_open_account(user):
        return Commune.objects.none()
    return Commune.objects.filter(
        Q(pk__in=communes_of_staff(user).values("pk"))
        | Q(pk__in=community_alert_communes(user).values("pk"))
    )


def _my_community_ids(user: User) -> QuerySet[Membership, Any]:
    return Membership.objects.members().filter(user=user).values("community_id")


def _twinned_community_ids(user: User, commune: Commune) -> QuerySet[Any] | None:
    """Ids of the communities twinned with the person's, or None (nothing links them)."""
    return linked_communities(_my_community_ids(user), purpose="twinned", commune=commune)


def visibility_filter(user: User, commune: Commune) -> Q | None:
    """A ``Q`` over ``Alert`` of what ``user`` may read in ``commune``; None: everything."""
    if not is_open_account(user):
        return Q(pk__in=[])
    if is_platform_staff(user):
        return None
    staff = is_town_hall_staff(user, commune)
    condition = Q(community__in=_my_community_ids(user))
    twinned = _twinned_community_ids(user, commune)
    if twinned is not None:
        condition |= Q(community__in=twinned)
    if commune.is_partner and (staff or commune_permission(user, commune, VIEW_COMMUNITY_ALERTS)):
        condition |= Q(community__isnull=False)
    if staff or is_validated_resident(user, commune):
        condition |= Q(community__isnull=True)
    return condition


def _not_hidden(user: User) -> Q:
    """What moderation hid is gone for everyone but its author (who sees it marked)."""
    return Q(hidden_at__isnull=True) | Q(author_id=getattr(user, "pk", None) or 0)


def alerts_visible_to(
    user: User, commune: Commune, *, include_hidden: bool = False
) -> QuerySet[Alert]:
    """Alerts of ``commune`` that ``user`` may read, newest first, with their corrections.
    ``include_hidden``: those moderation hid too (for moderation's own checks)."""
    alerts = Alert.objects.filter(commune=commune)
    condition = visibility_filter(user, commune)
    if condition is not None:
        alerts = alerts.filter(condition)
    corrections = Alert.objects.all()
    if not include_hidden:
        alerts = alerts.filter(_not_hidden(user))
        corrections = corrections.filter(_not_hidden(user))
    return alerts.select_related("author", "community", "corrects").prefetch_related(
        Prefetch(
            "corrections",
            queryset=corrections.select_related("author", "community").order_by("created_at", "pk"),
        )
    )


def threads_visible_to(user: User, commune: Commune) -> QuerySet[Alert]:
    """Original alerts (not corrections) visible to ``user``: each shows its corrections."""
    return alerts_visible_to(user, commune).filter(corrects__isnull=True)


def access_alert(user: User, pk: int, *, commune: Commune | None) -> Alert:
    """The alert ``pk`` of ``commune`` when ``user`` may see it (site and API alike).

    Http404 for a missing alert, another commune's and one ``user`` may not see alike.
    """
    alert = None
    if commune is not None:
        alert = alerts_visible_to(user, commune).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def can_see(user: User, alert: Alert) -> bool:
    return alerts_visible_to(user, alert.commune, include_hidden=True).filter(pk=alert.pk).exists()


def can_correct(user: User, alert: Alert) -> bool:
    """A community alert: its author (still a member) or a référent of the community.
    A town-hall alert: whoever may send the commune's alerts."""
    if not is_open_account(user):
        return False
    if alert.community_id is None:
        from communes.roles import SEND_ALERTS
        from communes.selectors import commune_permission

        return commune_permission(user, alert.commune, SEND_ALERTS)
    membership = Membership.objects.members().filter(user=user, community_id=alert.community_id)
    if alert.author_id == user.pk:
        return membership.exists()
    return membership.filter(is_referent=True).exists()


def unread_town_hall_alerts(user: User, commune: Commune) -> list[Alert]:
    """The red banner (ALR-5): town-hall alerts ``user`` has not read yet; one query.

    Read from the person's notifications (their primary key starts with the
    recipient), so reading the alert anywhere (site, app, push, e-mail link)
    removes it from the banner.
    """
    if not is_open_account(user) or commune is None:
        return []
    unread = Notification.objects.filter(
        recipient_id=user.pk,
        read_at__isnull=True,
        event__kind="alerts.town_hall",
        event__commune=commune,
    ).values("event_id")
    return list(
        Alert.objects.filter(event_id__in=unread, commune=commune, hidden_at__isnull=True)
        .select_related("corrects")
        .order_by("-created_at", "-pk")[:5]
    )


# Kinds of the red banner on the home page: the town hall's alerts (ALR-5), and the
# alerts of the person's community (ALR-2: they must be seen at once too). Never
# ``alerts.twinned``: twinned communities hear of an alert by e-mail only (TWN-3).
BANNER_KINDS = ("alerts.town_hall", "alerts.community")
BANNER_SIZE = 5


def unread_alerts_for_banner(user: User, commune: Commune) -> list[Alert]:
    """The red banner of the home page: the alerts ``user`` was sent and has not read.

    The town hall's first (ALR-5), then those of the person's community (ALR-2: kind
    ``alerts.community``, which the partner town hall's staff receive too), newest first
    in each group; at most ``BANNER_SIZE``; one query. Like
    :func:`unread_town_hall_alerts`, read from the person's notifications, so reading
    an alert anywhere removes it from the banner.
    """
    if not is_open_account(user) or commune is None:
        return []
    unread = Notification.objects.filter(
        recipient_id=user.pk,
        read_at__isnull=True,
        event__kind__in=BANNER_KINDS,
        event__commune=commune,
    ).values("event_id")
    town_hall_first = Case(When(community__isnull=True, then=Value(0)), default=Value(1))
    return list(
        Alert.objects.filter(event_id__in=unread, commune=commune, hidden_at__isnull=True)
        .select_related("community", "author")
        .order_by(town_hall_first, "-created_at", "-pk")[:BANNER_SIZE]
    )


def alerts_sent_by(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(author=user).select_related("commune", "community")


class _AlertScope(CommuneScope):
    """The communes of :func:`admin_communes`; then, row by row, a town-hall alert for
    the town hall's staff, a community alert for :func:`community_alert_communes`."""

    def filter(self, queryset: QuerySet, *, user: User, commune: Commune | None = None) -> QuerySet:
        queryset = super().filter(queryset, user=user, commune=commune)
        if self.sees_every_commune(user):
            return queryset
        return queryset.filter(
            Q(community__isnull=True, commune__in=communes_of_staff(user).values("pk"))
            | Q(
                community__isnull=False,
                commune__in=community_alert_communes(user).values("pk"),
            )
        )


# The admin's scope (core.admin_scope): the host's commune, or those with the module on;
# platform staff see every commune, town halls their own alerts and, when they are
# partners (COM-2), their communities' alerts; the police of a partner commune its
# communities' alerts (read only).
STAFF_SCOPE = _AlertScope(
    staff_communes=admin_communes,
    module_label="alerts",
    sees_every_commune=is_platform_staff,
)


def alerts_for_staff(*, user: User, commune: Commune | None = None) -> QuerySet[Alert]:
    """What the Wagtail admin lists: the host's commune, or every commune with the module on.

    Town halls see their own alerts and, when they are partners (COM-2), their
    communities' alerts; the police of a partner commune its communities' alerts;
    platform staff and superusers see every alert.
    """
    alerts = Alert.objects.select_related("commune", "community", "author", "corrects")
    return STAFF_SCOPE.filter(alerts, user=user, commune=commune)


def communes_alerted_by(user: User, commune: Commune | None = None) -> QuerySet[Commune]:
    """Communes whose town-hall alerts ``user`` may send (in the host's commune only)."""
    from communes.roles import SEND_ALERTS
    from communes.selectors import communes_with_permission

    communes = communes_with_permission(user, SEND_ALERTS).filter(
        pk__in=registry.enabled_communes("alerts").values("pk")
    )
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    return communes.order_by("name")
