"""What communities do for accounts: the home stays inside the community (ACC-7),
closing an account ends the membership (ACC-12), the GDPR export (ACC-13)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import HistoryEntry, Invitation, Membership
from communities.services._common import end_membership, lock_community

if TYPE_CHECKING:
    from django.contrib.gis.geos import Point

    from accounts.models import User

# --- accounts (ACC-7, ACC-12) -----------------------------------------------------------------


def check_home_inside_community(user: User, location: Point | None) -> None:
    """ACC-7: a member's home point moves inside the community's boundary only."""
    if location is None or getattr(user, "pk", None) is None:
        return
    membership = (
        Membership.objects.filter(user=user, status=Membership.Status.MEMBER)
        .select_related("community")
        .first()
    )
    if membership is not None and not membership.community.area.contains(location):
        raise ValidationError(
            {
                "address": _(
                    "Your home must stay inside your community “%(name)s”. To move elsewhere, "
                    "leave the community first."
                )
                % {"name": membership.community.name}
            }
        )


def on_account_closed(sender: object, user_id: int, **kwargs: Any) -> None:
    """ACC-12: the member leaves; the last member closing their account deletes the community."""
    Membership.objects.filter(user_id=user_id, status=Membership.Status.PENDING).update(
        status=Membership.Status.WITHDRAWN, ended_at=timezone.now()
    )
    membership = Membership.objects.filter(user_id=user_id, status=Membership.Status.MEMBER).first()
    if membership is None:
        return
    community = lock_community(membership.community)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    end_membership(
        community,
        membership,
        status=Membership.Status.LEFT,
        actor=None,
        kind=HistoryEntry.Kind.LEFT,
    )


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]] | None:
    """ACC-13 export: the person's memberships and the invitations they sent (counts)."""
    memberships = [
        {
            "community": m.community.name,
            "commune": m.community.commune.name,
            "status": m.status,
            "referent": m.is_referent,
            "requested_at": m.requested_at,
            "decided_at": m.decided_at,
            "ended_at": m.ended_at,
            "refusal_reason": m.refusal_reason,
        }
        for m in Membership.objects.filter(user=user).select_related(
            "community", "community__commune"
        )
    ]
    if not memberships:
        return None
    return (
        "communities",
        {
            "memberships": memberships,
            "invitations_sent": Invitation.objects.filter(sender=user).count(),
        },
    )
