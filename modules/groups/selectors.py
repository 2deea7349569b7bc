"""Reads on discussion groups, and the rules of who sees, joins, reads and posts (CNT-4).

* Groups are for the commune's validated residents and its staff
  (``communes.selectors.sees_resident_content``); nobody else sees them.
* The list shows every group that is not archived, on-request ones included: their title
  and description tell people what they may ask to join.
* Reading the posts: an open group, every such person; an on-request group, its accepted
  members; an archived group, its accepted members only (it left the list, not them).
  The town hall's staff who publish (``publish_content``) manage groups and read them all.
* Posting and replying: those who read, with an open account, while the group is neither
  closed (read-only) nor archived.

``access_*`` return the object or raise Http404, so another commune's group, a group the
person may not read and a missing one answer alike.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.selectors import is_open_account
from communes.models import Commune, Follow
from communes.roles import PUBLISH_CONTENT
from communes.selectors import (
    commune_permission,
    communes_with_permission,
    holders_of_permission,
    sees_resident_content,
)
from conversations.models import Comment, ReadMarker
from conversations.selectors import top_comments
from core.admin_scope import CommuneScope
from core.ids import positive_id
from modules.groups.models import Group, GroupMember

if TYPE_CHECKING:
    from accounts.models import User

# Before any visit, every post of others is new.
NEVER = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def group_type() -> ContentType:
    return ContentType.objects.get_for_model(Group)


# --- rules ---------------------------------------------------------------------------


def sees_groups(user: User, commune: Commune | None) -> bool:
    """Validated residents of the commune and its staff."""
    return commune is not None and sees_resident_content(user, commune)


def can_manage_groups(user: User, commune: Commune | None) -> bool:
    """Staff who publish for the town hall create, pin, close, archive groups, decide
    requests, read every group and post as the town hall."""
    return commune is not None and commune_permission(user, commune, PUBLISH_CONTENT)


def membership_of(user: User, group: Group) -> GroupMember | None:
    if not is_open_account(user):
        return None
    return GroupMember.objects.filter(group=group, user=user).first()


def _accepted(member: GroupMember | None) -> bool:
    return member is not None and member.status == GroupMember.Status.ACCEPTED


def can_read(
    user: User, group: Group, *, member: GroupMember | None = None, manager: bool | None = None
) -> bool:
    """Whether ``user`` reads the posts of ``group`` (see the module docstring)."""
    if not sees_groups(user, group.commune):
        return False
    if manager if manager is not None else can_manage_groups(user, group.commune):
        return True
    if group.is_archived or not group.is_open:
        return _accepted(member)
    return True


def can_post(
    user: User, group: Group, *, member: GroupMember | None = None, manager: bool | None = None
) -> bool:
    return (
        is_open_account(user)
        and not group.is_closed
        and not group.is_archived
        and can_read(user, group, member=member, manager=manager)
    )


def can_join(user: User, group: Group, *, member: GroupMember | None = None) -> bool:
    """Join an open group, or ask to join an on-request one (again after a refusal)."""
    return (
        is_open_account(user)
        and sees_groups(user, group.commune)
        and not group.is_archived
        and (member is None or member.status == GroupMember.Status.REFUSED)
    )


def can_edit_post(
    user: User, post: Comment, group: Group, *, member: GroupMember | None = None
) -> bool:
    """Its author, while the group takes posts and moderation did not hide it."""
    return (
        post.author_id is not None
        and post.author_id == getattr(user, "pk", None)
        and post.hidden_at is None
        and can_post(user, group, member=member)
    )


# --- groups --------------------------------------------------------------------------


def groups_of_commune(commune: Commune) -> QuerySet[Group]:
    groups: QuerySet[Group] = Group.objects.filter(commune=commune)
    return groups


def groups_for_list(user: User, commune: Commune) -> QuerySet[Group]:
    """The listed groups of ``commune`` for ``user`` (not archived, not hidden by
    moderation), pinned first, each annotated with
    ``my_status`` (their membership or None), ``my_subscribed`` and ``unread`` (posts and
    replies others wrote since their previous visit; all of them before any). One query,
    whatever the number of groups."""
    content_type = group_type()
    viewer_id = getattr(user, "pk", None) or 0
    mine = GroupMember.objects.filter(group=OuterRef("pk"), user_id=viewer_id)
    seen = ReadMarker.objects.filter(
        user_id=viewer_id, target_type=content_type, target_id=OuterRef(OuterRef("pk"))
    ).values("seen_at")[:1]
    unread = (
        Comment.objects.filter(
            target_type=content_type,
            target_id=OuterRef("pk"),
            hidden_at__isnull=True,
            created_at__gt=Coalesce(Subquery(seen), Value(NEVER)),
        )
        .exclude(author_id=viewer_id)
        .order_by()
        .values("target_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        groups_of_commune(commune)
        .filter(archived_at__isnull=True, hidden_at__isnull=True)
        .annotate(
            my_status=Subquery(mine.values("status")[:1]),
            my_subscribed=Subquery(mine.values("subscribed")[:1]),
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
        )
        .order_by("-pinned", "-created_at", "-id")
    )


def readable_unread(user: User, groups: list[Group], *, manager: bool) -> list[Group]:
    """Unread counts only where the person reads the posts (``unread`` 0 elsewhere)."""
    for group in groups:
        readable = manager or (
            group.is_open or getattr(group, "my_status", None) == GroupMember.Status.ACCEPTED
        )
        group.readable = readable  # type: ignore[attr-defined]  # a display attribute
        if not readable:
            group.unread = 0  # type: ignore[attr-defined]  # a display attribute
    return groups


def access_group(user: User, pk: int | str, *, commune: Commune | None) -> Group:
    """A group of ``commune`` that ``user`` may see (its title and description): a listed
    group, or an archived one they read. Http404 alike for the others."""
    pk = positive_id(pk)
    if commune is None or not sees_groups(user, commune):
        raise Http404
    group = groups_of_commune(commune).select_related("commune").filter(pk=pk).first()
    if group is None:
        raise Http404
    # Moderation hid it: gone for everyone but its creator and the town hall's managers.
    if (
        group.hidden_at is not None
        and group.created_by_id != getattr(user, "pk", None)
        and not can_manage_groups(user, commune)
    ):
        raise Http404
    if group.is_archived and not can_read(user, group, member=membership_of(user, group)):
        raise Http404
    return group


def access_readable_group(user: User, pk: int | str, *, commune: Commune | None) -> Group:
    """A group whose posts ``user`` reads: 404 for an on-request group they are not in."""
    group = access_group(user, pk, commune=commune)
    if not can_read(user, group, member=membership_of(user, group)):
        raise Http404
    return group


# --- posts ---------------------------------------------------------------------------


def posts_of(group: Group) -> QuerySet[Comment]:
    """Top posts, newest first (replies come with :func:`conversations.threads`)."""
    return top_comments(group)


def access_post(group: Group, pk: int | str) -> Comment:
    """A listed post or reply of ``group`` (already checked readable)."""
    pk = positive_id(pk)
    post = Comment.objects.on(group).visible().filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def access_own_post(user: User, group: Group, pk: int | str) -> Comment:
    """A post ``user`` may edit now: 404 alike for "no such" and "not yours"."""
    post = access_post(group, pk)
    if not can_edit_post(user, post, group, member=membership_of(user, group)):
        raise Http404
    return post


# --- audiences -----------------------------------------------------------------------


def subscribers(group: Group) -> QuerySet:
    """Accepted members who want new posts and still read the commune's groups."""
    commune = group.commune
    members = GroupMember.objects.filter(
        group=group, status=GroupMember.Status.ACCEPTED, subscribed=True
    ).values("user_id")
    readers = Q(
        pk__in=Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED).values(
            "user_id"
        )
    ) | Q(pk__in=holders_of_permission(commune, PUBLISH_CONTENT).values("pk"))
    return get_user_model().objects.filter(readers, pk__in=members)


def group_managers(commune: Commune) -> QuerySet:
    """Who decides the requests to join: the town hall's staff who publish."""
    return holders_of_permission(commune, PUBLISH_CONTENT)


# --- staff ---------------------------------------------------------------------------


def communes_managed(user: User) -> QuerySet[Commune]:
    return communes_with_permission(user, PUBLISH_CONTENT)


STAFF_SCOPE = CommuneScope(staff_communes=communes_managed, module_label="groups")
MEMBER_SCOPE = CommuneScope(
    staff_communes=communes_managed, commune_field="group__commune", module_label="groups"
)


def requests_of(group: Group) -> QuerySet[GroupMember]:
    return GroupMember.objects.filter(group=group, status=GroupMember.Status.PENDING).order_by(
        "created_at", "pk"
    )


def access_request(user: User, group: Group, pk: int | str) -> GroupMember:
    pk = positive_id(pk)
    member = GroupMember.objects.filter(group=group, pk=pk).select_related("group").first()
    if member is None or not can_manage_groups(user, group.commune):
        raise Http404
    return member
