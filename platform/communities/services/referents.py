"""The référent role: grant, transfer, give up, remove (CTY-7); a community with
members always keeps a référent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities import notify
from communities.models import Community, HistoryEntry, Membership
from communities.services._common import (
    lock_community,
    record_history,
    require_referent,
    target_member,
)

if TYPE_CHECKING:
    from accounts.models import User

# --- référents (CTY-7) ----------------------------------------------------------------------


@transaction.atomic
def referent_grant(*, by: User, community: Community, user: User) -> Membership:
    community = lock_community(community)
    require_referent(by, community)
    target = target_member(community, user)
    if target.is_referent:
        return target
    target.is_referent = True
    target.save(update_fields=["is_referent"])
    record_history(community, HistoryEntry.Kind.REFERENT_GRANTED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "granted"), robust=True)
    return target


@transaction.atomic
def referent_transfer(*, by: User, community: Community, user: User) -> Membership:
    """Hand one's role over to another member: they become référent, one stops being one."""
    community = lock_community(community)
    own = require_referent(by, community)
    target = target_member(community, user)
    if target.pk == own.pk:
        raise ValidationError({"member": _("Choose another member.")})
    target.is_referent = True
    target.save(update_fields=["is_referent"])
    own.is_referent = False
    own.show_photo_publicly = False
    own.save(update_fields=["is_referent", "show_photo_publicly"])
    record_history(community, HistoryEntry.Kind.REFERENT_TRANSFERRED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "transferred"), robust=True)
    return target


@transaction.atomic
def referent_give_up(*, by: User, community: Community) -> Membership:
    community = lock_community(community)
    own = require_referent(by, community)
    if not (Membership.objects.referents().filter(community=community).exclude(pk=own.pk).exists()):
        raise ValidationError(
            _(
                "You are the only référent: hand the role over to another member instead, "
                "so that the community keeps one."
            )
        )
    own.is_referent = False
    own.show_photo_publicly = False
    own.save(update_fields=["is_referent", "show_photo_publicly"])
    record_history(community, HistoryEntry.Kind.REFERENT_GAVE_UP, person=by, actor=by)
    return own


@transaction.atomic
def referent_remove(*, by: User, community: Community, user: User) -> Membership:
    """A référent removes the role from another référent (never the last one)."""
    community = lock_community(community)
    own = require_referent(by, community)
    target = target_member(community, user)
    if target.pk == own.pk:
        raise ValidationError({"member": _("To stop being référent yourself, give the role up.")})
    if not target.is_referent:
        raise ValidationError({"member": _("This member is not a référent.")})
    target.is_referent = False
    target.show_photo_publicly = False
    target.save(update_fields=["is_referent", "show_photo_publicly"])
    record_history(community, HistoryEntry.Kind.REFERENT_REMOVED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "removed"), robust=True)
    return target
