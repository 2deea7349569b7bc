"""Writes on discussion groups (CNT-4): keyword-only, atomic; site, API and admin call these.

Posts and replies are ``conversations.Comment`` rows on the group (nobody deletes one:
moderation hides it); edits keep the previous text in ``CommentRevision`` as comments do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import is_open_account
from conversations.models import Comment
from conversations.services import clean_text, comment_create, comment_edit, mark_seen
from conversations.targets import TargetRules
from modules.groups import notify
from modules.groups.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Group, GroupMember
from modules.groups.selectors import (
    can_join,
    can_manage_groups,
    can_post,
    can_read,
    group_type,
    membership_of,
)

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.models import Model

    from accounts.models import User
    from communes.models import Commune
    from core.types import StrOrPromise


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
        title=clean_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, empty=_("Give the group a title.")
        ),
        description=clean_text(
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
        group.title = clean_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, empty=_("Give the group a title.")
        )
    if description is not None:
        group.description = clean_text(
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


def _group_of(target: Model) -> Group:
    assert isinstance(target, Group)
    return target


def _belongs_to(target: Model, commune: Commune) -> bool:
    return isinstance(target, Group) and target.commune_id == commune.pk


def _can_post(user: User, target: Model, commune: Commune) -> bool:
    group = _group_of(target)
    return can_post(user, group, member=membership_of(user, group))


def _refusal_for(user: User, target: Model, commune: Commune) -> StrOrPromise:
    group = _group_of(target)
    if group.is_closed or group.is_archived:
        return _("This group is closed: it can be read, not written in.")
    return _("Only the members of this group can write in it.")


def _can_answer_as_town_hall(user: User, target: Model, commune: Commune) -> bool:
    return can_manage_groups(user, commune)


def _post_written(post: Comment, target: Model) -> None:
    group = _group_of(target)
    Group.objects.filter(pk=group.pk).update(last_post_at=post.created_at)
    notify.post_written(post, group)


#: Posts are conversations' comments on the group, with the group's rules and wording.
POST_RULES = TargetRules(
    belongs_to=_belongs_to,
    can_comment=_can_post,
    refusal=gettext_lazy("Only the members of this group can write in it."),
    notify=_post_written,
    refusal_for=_refusal_for,
    can_answer_as_town_hall=_can_answer_as_town_hall,
    empty_body=gettext_lazy("Write your message."),
    cannot_answer=gettext_lazy("This message cannot be answered here."),
    edit_refusal=gettext_lazy("Only its author can change this message, while the group is open."),
)


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
    return comment_create(
        target=group,
        commune=group.commune,
        author=author,
        body=body,
        parent=parent,
        as_town_hall=as_town_hall,
        rules=POST_RULES,
    )


def post_edit(*, post: Comment, group: Group, by: User, body: str) -> Comment:
    """The author changes their post: marked "modifié", the previous text kept."""
    if post.target_type_id != group_type().pk or post.target_id != group.pk:
        raise PermissionDenied(_("This message is not one of the group's."))
    return comment_edit(
        comment=post, target=group, commune=group.commune, by=by, body=body, rules=POST_RULES
    )


def group_seen(*, user: User, group: Group) -> datetime | None:
    """Record a visit of the group (conversations' read marker); the previous one."""
    if not is_open_account(user) or not can_read(user, group, member=membership_of(user, group)):
        return None
    return mark_seen(user=user, target=group)
