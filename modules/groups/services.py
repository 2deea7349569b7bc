"""Writes on discussion groups (CNT-4): keyword-only, atomic; site, API and admin call these.

Posts and replies are ``conversations.Comment`` rows on the group (nobody deletes one:
moderation hides it); edits keep the previous text in ``CommentRevision`` as comments do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import is_open_account
from conversations.models import BODY_MAX_LENGTH, Comment, CommentRevision
from conversations.selectors import staff_role_label
from conversations.services import mark_seen
from modules.groups import notify
from modules.groups.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Group, GroupMember
from modules.groups.selectors import (
    can_edit_post,
    can_join,
    can_manage_groups,
    can_post,
    can_read,
    group_type,
    membership_of,
)

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User
    from communes.models import Commune


def _clean_text(value: object, *, field: str, max_length: int, empty: str) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: [_("Enter a text.")]})
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValidationError({field: [_("Remove the invalid characters.")]})
    value = value.strip()
    if not value:
        raise ValidationError({field: [empty]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Write at most %(max)s characters.") % {"max": max_length}]}
        )
    return value


def _clean_body(body: object) -> str:
    return _clean_text(
        body, field="body", max_length=BODY_MAX_LENGTH, empty=_("Write your message.")
    )


def _check_manager(by: User, commune: Commune) -> None:
    if not can_manage_groups(by, commune):
        raise PermissionDenied(_("Only the town hall's staff manage the discussion groups."))


# --- groups (staff) ------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    commune: Commune,
    by: User,
    title: str,
    description: str,
    access: str = Group.Access.OPEN,
    pinned: bool = False,
) -> Group:
    _check_manager(by, commune)
    if access not in Group.Access.values:
        raise ValidationError({"access": [_("Choose open or on request.")]})
    return Group.objects.create(
        commune=commune,
        title=_clean_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, empty=_("Give the group a title.")
        ),
        description=_clean_text(
            description,
            field="description",
            max_length=DESCRIPTION_MAX_LENGTH,
            empty=_("Say what the group is for."),
        ),
        access=access,
        pinned=bool(pinned),
        created_by=by,
    )


@transaction.atomic
def group_update(
    *,
    group: Group,
    by: User,
    title: str | None = None,
    description: str | None = None,
    access: str | None = None,
    pinned: bool | None = None,
    closed: bool | None = None,
    archived: bool | None = None,
) -> Group:
    """Change a group: each argument left ``None`` keeps its value. Closing makes it
    read-only; archiving takes it out of the list (its members still read it)."""
    _check_manager(by, group.commune)
    group = Group.objects.select_for_update().get(pk=group.pk)
    now = timezone.now()
    if title is not None:
        group.title = _clean_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, empty=_("Give the group a title.")
        )
    if description is not None:
        group.description = _clean_text(
            description,
            field="description",
            max_length=DESCRIPTION_MAX_LENGTH,
            empty=_("Say what the group is for."),
        )
    if access is not None:
        if access not in Group.Access.values:
            raise ValidationError({"access": [_("Choose open or on request.")]})
        group.access = access
    if pinned is not None:
        group.pinned = pinned
    if closed is not None:
        group.closed_at = (group.closed_at or now) if closed else None
    if archived is not None:
        group.archived_at = (group.archived_at or now) if archived else None
    group.save()
    return group


# --- membership ----------------------------------------------------------------------


@transaction.atomic
def group_join(*, group: Group, user: User) -> GroupMember:
    """Join an open group at once (subscribed), or ask to join an on-request group: the
    town hall's staff are told, and decide (:func:`membership_decide`)."""
    member = membership_of(user, group)
    if member is not None and member.status != GroupMember.Status.REFUSED:
        return member
    if not can_join(user, group, member=member):
        raise PermissionDenied(_("Only the residents validated by the town hall can join."))
    now = timezone.now()
    status = GroupMember.Status.ACCEPTED if group.is_open else GroupMember.Status.PENDING
    if member is None:
        member = GroupMember(group=group, user=user)
    member.status = status
    member.subscribed = True
    member.created_at = now
    member.decided_by = None
    member.decided_at = now if status == GroupMember.Status.ACCEPTED else None
    member.save()
    if status == GroupMember.Status.PENDING:
        notify.join_requested(member)
    return member


@transaction.atomic
def membership_decide(*, member: GroupMember, by: User, accept: bool) -> GroupMember:
    """Staff accept or refuse a request to join; the resident is told."""
    group = member.group
    _check_manager(by, group.commune)
    member = GroupMember.objects.select_for_update().get(pk=member.pk)
    if member.status != GroupMember.Status.PENDING:
        raise ValidationError({"accept": [_("This request was already decided.")]})
    member.status = GroupMember.Status.ACCEPTED if accept else GroupMember.Status.REFUSED
    member.decided_by = by
    member.decided_at = timezone.now()
    member.save(update_fields=["status", "decided_by", "decided_at"])
    notify.membership_decided(member, group)
    return member


@transaction.atomic
def subscription_set(*, group: Group, user: User, subscribed: bool) -> GroupMember:
    """Be told of new posts, or not. In an open group, subscribing joins it."""
    if not isinstance(subscribed, bool):
        raise ValidationError({"subscribed": [_("Choose yes or no.")]})
    member = membership_of(user, group)
    if member is None or member.status == GroupMember.Status.REFUSED:
        if not subscribed or not group.is_open:
            raise ValidationError({"subscribed": [_("You are not in this group.")]})
        member = group_join(group=group, user=user)
    if member.status != GroupMember.Status.ACCEPTED and subscribed:
        raise ValidationError({"subscribed": [_("The town hall has not accepted you yet.")]})
    if member.subscribed != subscribed:
        member.subscribed = subscribed
        member.save(update_fields=["subscribed"])
    return member


# --- posts ---------------------------------------------------------------------------


def _top_of(parent: Comment | None, group: Group) -> Comment | None:
    """The top post a reply attaches to (one level: a reply to a reply goes to its top)."""
    if parent is None:
        return None
    if (
        parent.target_type_id != group_type().pk
        or parent.target_id != group.pk
        or parent.hidden_at is not None
    ):
        raise ValidationError({"parent": [_("This message cannot be answered here.")]})
    if parent.parent_id is not None:
        parent = Comment.objects.get(pk=parent.parent_id)
        if parent.hidden_at is not None:
            raise ValidationError({"parent": [_("This message cannot be answered here.")]})
    return parent


@transaction.atomic
def post_create(
    *,
    group: Group,
    author: User,
    body: str,
    parent: Comment | None = None,
    as_town_hall: bool = False,
) -> Comment:
    """``author`` posts in ``group``, or answers ``parent``; subscribers are told.

    ``as_town_hall``: staff who publish sign "Mairie de …" with their role.
    """
    commune = group.commune
    manager = can_manage_groups(author, commune)
    if not can_post(author, group, member=membership_of(author, group), manager=manager):
        if group.is_closed or group.is_archived:
            raise PermissionDenied(_("This group is closed: it can be read, not written in."))
        raise PermissionDenied(_("Only the members of this group can write in it."))
    if not isinstance(as_town_hall, bool):
        raise ValidationError({"as_town_hall": [_("Choose yes or no.")]})
    if as_town_hall and not manager:
        raise PermissionDenied(_("Only the town hall's staff can answer as the town hall."))
    body = _clean_body(body)
    top = _top_of(parent, group)
    signed_role = ""
    if as_town_hall:
        with translation.override(settings.LANGUAGE_CODE):
            signed_role = staff_role_label(author, commune)
    post = Comment.objects.create(
        commune=commune,
        target_type=group_type(),
        target_id=group.pk,
        parent=top,
        author=author,
        as_town_hall=as_town_hall,
        signed_role=signed_role,
        body=body,
    )
    Group.objects.filter(pk=group.pk).update(last_post_at=post.created_at)
    notify.post_written(post, group)
    return post


@transaction.atomic
def post_edit(*, post: Comment, group: Group, by: User, body: str) -> Comment:
    """The author changes their post: marked "modifié", the previous text kept."""
    if post.target_type_id != group_type().pk or post.target_id != group.pk:
        raise PermissionDenied(_("This message is not one of the group's."))
    if not can_edit_post(by, post, group, member=membership_of(by, group)):
        raise PermissionDenied(
            _("Only its author can change this message, while the group is open.")
        )
    body = _clean_body(body)
    current = Comment.objects.select_for_update().get(pk=post.pk)
    if current.body == body:
        return current
    now = timezone.now()
    CommentRevision.objects.create(
        comment=current,
        body=current.body,
        written_at=current.edited_at or current.created_at,
        replaced_at=now,
    )
    current.body = body
    current.edited_at = now
    current.save(update_fields=["body", "edited_at"])
    return current


def group_seen(*, user: User, group: Group) -> datetime | None:
    """Record a visit of the group (conversations' read marker); the previous one."""
    if not is_open_account(user) or not can_read(user, group, member=membership_of(user, group)):
        return None
    return mark_seen(user=user, target=group)
