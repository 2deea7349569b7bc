"""Who reads which support request.

A person reads their own requests (signed in when they wrote); the platform's staff read
them all. Anything else (a missing id, another person's request, town-hall staff) is a
404, the same answer as for a request that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.staff import is_platform_staff
from core.access import is_open_account
from core.ids import MAX_ID, positive_id
from moderation.models import SupportMessage, SupportRequest

if TYPE_CHECKING:
    from accounts.models import User

#: How many requests one page of a list shows (site, admin, API).
PAGE_SIZE = 30


def requests_of(user: User) -> QuerySet[SupportRequest]:
    """The person's own requests, latest activity first."""
    if not is_open_account(user):
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(requester=user).order_by("-updated_at", "-pk")


def access_own(user: User, pk: int | str) -> SupportRequest:
    """The person's request ``pk`` (404 for a missing one and for anyone else's)."""
    ident = positive_id(pk)
    if not is_open_account(user):
        raise Http404
    found = requests_of(user).filter(pk=ident).select_related("commune").first()
    if found is None:
        raise Http404
    return found


def is_desk_staff(user: User) -> bool:
    """The desk is the platform's: its staff (and superusers) only, not the town halls."""
    return is_platform_staff(user)


def desk_requests(
    user: User, *, status: str = "", topic: str = "", query: str = ""
) -> QuerySet[SupportRequest]:
    """The staff's list: every request, filtered; nothing for anyone else."""
    if not is_desk_staff(user):
        return SupportRequest.objects.none()
    requests = SupportRequest.objects.select_related("requester", "commune", "assigned_to")
    if status in SupportRequest.Status.values:
        requests = requests.filter(status=status)
    elif status == "open":
        requests = requests.exclude(status=SupportRequest.Status.CLOSED)
    if topic in SupportRequest.Topic.values:
        requests = requests.filter(topic=topic)
    query = " ".join(query.split())[:100]
    if query:
        condition = (
            Q(subject__icontains=query)
            | Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(requester__first_name__icontains=query)
            | Q(requester__last_name__icontains=query)
            | Q(requester__email__icontains=query)
        )
        if query.isdigit() and 0 < int(query) < MAX_ID:
            condition |= Q(pk=int(query))
        requests = requests.filter(condition)
    return requests.order_by("-updated_at", "-pk")


def access_for_desk(user: User, pk: int | str) -> SupportRequest:
    """Request ``pk`` for the platform's staff (404 for anyone else and for a missing id)."""
    ident = positive_id(pk)
    if not is_desk_staff(user):
        raise Http404
    found = (
        SupportRequest.objects.filter(pk=ident)
        .select_related("requester", "commune", "assigned_to")
        .first()
    )
    if found is None:
        raise Http404
    return found


def new_count(user: User) -> int:
    """Requests waiting for the team (new), for the menu's count: one query."""
    if not is_desk_staff(user):
        return 0
    return SupportRequest.objects.filter(status=SupportRequest.Status.NEW).count()


def thread_of(request: SupportRequest) -> list[SupportMessage]:
    """The request's messages in order, with their authors (one query)."""
    return list(
        SupportMessage.objects.filter(request=request)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def with_last_message(requests: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    """Lists show who spoke last (the team or the person): one prefetch query."""
    return requests.prefetch_related(
        Prefetch(
            "messages",
            queryset=SupportMessage.objects.order_by("created_at", "pk").only(
                "pk", "request_id", "from_staff", "created_at"
            ),
            to_attr="message_list",
        )
    )
