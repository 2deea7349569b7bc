"""Invitations (CTY-10): a member invites a neighbour by email or SMS. The signed link
itself is read in ``communities.selectors`` (``invitation_token``, ``invitation_url``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.crypto import blind_index
from accounts.selectors import normalise_phone
from communities import notify
from communities.models import Community, Invitation
from communities.services._common import membership_row

if TYPE_CHECKING:
    from accounts.models import User

# --- invitations (CTY-10) ------------------------------------------------------------------


@transaction.atomic
def invitation_send(*, by: User, community: Community, channel: str, recipient: str) -> Invitation:
    """A member invites a neighbour by email or SMS; nobody is registered by it."""
    if membership_row(community, by, lock=False) is None:
        raise PermissionDenied(_("Only members invite neighbours to their community."))
    recipient = (recipient or "").strip()
    if channel == Invitation.Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError as exc:
            raise ValidationError({"recipient": _("Enter a valid email address.")}) from exc
        key = "email:" + recipient.lower()
    elif channel == Invitation.Channel.SMS:
        region = {"FR": "FR", "CI": "CI"}.get(community.commune.country)
        e164 = normalise_phone(recipient, region)
        if e164 is None:
            raise ValidationError({"recipient": _("Enter a valid mobile number.")})
        recipient = e164
        key = "sms:" + e164
    else:
        raise ValidationError({"channel": _("Choose email or SMS.")})
    # Count under a lock on the sender's row so parallel requests cannot pass the limit.
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    since = timezone.now() - timedelta(days=1)
    recent = Invitation.objects.filter(sender=by, sent_at__gte=since)
    limit = settings.COMMUNITY_INVITATIONS_PER_DAY
    if recent.count() >= limit:
        raise ValidationError(
            _("You have sent %(count)s invitations in the last 24 hours: try again tomorrow.")
            % {"count": limit}
        )
    index = blind_index(key)
    if recent.filter(recipient_index=index).exists():
        raise ValidationError({"recipient": _("You already invited this person today.")})
    invitation = Invitation.objects.create(
        community=community, sender=by, channel=channel, recipient_index=index
    )
    transaction.on_commit(
        lambda: notify.invitation(invitation.pk, recipient=recipient), robust=True
    )
    return invitation
