"""Who sees and decides which case; what a reporter and an author see of theirs.

* Platform staff (``accounts.staff.is_platform_staff``) see and decide every case.
* Town-hall staff who publish for a commune (``communes.roles.PUBLISH_CONTENT``) see and
  decide the cases of their commune's own spaces (``Case.town_hall``: news comments,
  groups, classifieds), never a community's content (gazette, alerts, messages) nor a
  reported person: the town hall does not read community content.
* Anyone else sees no case (404 alike for missing and not theirs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.staff import is_platform_staff
from communes.roles import PUBLISH_CONTENT
from communes.selectors import communes_with_permission
from core.access import is_open_account
from core.ids import positive_id
from moderation.models import APPEALABLE, Case, Report, Suspension

if TYPE_CHECKING:
    from accounts.models import User


def town_hall_q(user: User) -> Q:
    return Q(town_hall=True, commune__in=communes_with_permission(user, PUBLISH_CONTENT))


def is_moderator(user: User) -> bool:
    """Whether ``user`` has a queue at all (the admin menu, the API's queue)."""
    if not is_open_account(user):
        return False
    return is_platform_staff(user) or communes_with_permission(user, PUBLISH_CONTENT).exists()


def cases_for(user: User) -> QuerySet[Case]:
    """The cases ``user`` moderates (none for a resident)."""
    if not is_open_account(user):
        return Case.objects.none()
    if is_platform_staff(user):
        return Case.objects.all()
    return Case.objects.filter(town_hall_q(user))


def queue_for(user: User) -> QuerySet[Case]:
    return cases_for(user).filter(status__in=(Case.Status.NEW, Case.Status.APPEALED))


def can_moderate(user: User, case: Case) -> bool:
    if not is_open_account(user):
        return False
    if is_platform_staff(user):
        return True
    return (
        case.town_hall
        and case.commune_id is not None
        and communes_with_permission(user, PUBLISH_CONTENT).filter(pk=case.commune_id).exists()
    )


def access_case(user: User, pk: int | str) -> Case:
    """A case ``user`` moderates: Http404 alike for missing and not theirs."""
    pk = positive_id(pk)
    case = cases_for(user).select_related("commune", "community", "author").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def may_decide_appeal(user: User, case: Case) -> bool:
    """An appeal goes to another moderator than the one who decided first."""
    return case.status != Case.Status.APPEALED or case.decided_by_id != user.pk


def reports_of(user: User) -> QuerySet[Report]:
    """A reporter's reports, newest first, with their case (the outcome they see)."""
    if not is_open_account(user):
        return Report.objects.none()
    return (
        Report.objects.filter(reporter=user).select_related("case").order_by("-created_at", "-pk")
    )


def access_own_report(user: User, pk: int | str) -> Report:
    pk = positive_id(pk)
    report = reports_of(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def decided_about(user: User) -> QuerySet[Case]:
    """The decisions about ``user`` they read: what hid or sanctioned them, and what came
    of their appeal (a decision reversed on appeal, "keep", included)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return (
        Case.objects.filter(author=user, decided_at__isnull=False)
        .exclude(decision="")
        .filter(~Q(decision="keep") | Q(appealed_at__isnull=False))
        .order_by("-decided_at", "-pk")
    )


def hidden_pending_about(user: User) -> QuerySet[Case]:
    """Cases whose item of ``user``'s is hidden pending review (auto-hide, held text)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(author=user, status=Case.Status.NEW, auto_hidden_at__isnull=False)


def cases_about(user: User) -> QuerySet[Case]:
    """Cases about ``user`` they may read on the site: a decision that acted on them or
    their content, their content hidden pending review, or an appeal they made."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(author=user).filter(
        Q(decision__in=sorted(APPEALABLE))
        | Q(auto_hidden_at__isnull=False)
        | Q(appealed_at__isnull=False)
    )


def active_suspension(user_id: int) -> Suspension | None:
    return Suspension.objects.filter(user_id=user_id, lifted_at__isnull=True).first()
