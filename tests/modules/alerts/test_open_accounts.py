"""A closed account is closed everywhere (issue 15, ``accounts.selectors.is_open_account``).

Closing an account (ACC-9) sets both ``is_active=False`` and ``closed_at``. Each half alone
(an account deactivated by hand, or a closure interrupted half-way) must be treated the
same as a full closure by every place that asks: communities' membership, alerts'
recipients and senders, the notifications' audience.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.selectors import is_open_account, open_accounts
from communities.selectors import is_member, is_referent, members_of, referents_of
from modules.alerts import services
from notifications.fanout import audience_users
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLOSURES = {
    "closed": {"is_active": False, "closed_at": True},
    "inactive only": {"is_active": False, "closed_at": False},
    "closed_at only": {"is_active": True, "closed_at": True},
}


def close(user, *, is_active: bool, closed_at: bool) -> None:
    user.is_active = is_active
    user.closed_at = timezone.now() if closed_at else None
    user.save(update_fields=["is_active", "closed_at"])


def test_is_open_account_answers_for_anonymous_and_open_people():
    from django.contrib.auth.models import AnonymousUser

    assert is_open_account(None) is False
    assert is_open_account(AnonymousUser()) is False
    assert is_open_account(UserFactory()) is True


@pytest.mark.parametrize("how", CLOSURES)
def test_a_closed_account_is_treated_the_same_by_every_place_that_asks(alert_world, how):
    w = alert_world
    sms_member, referent = w.sms_member, w.referent
    close(sms_member, **CLOSURES[how])
    close(referent, **CLOSURES[how])
    users = type(sms_member).objects

    assert is_open_account(sms_member) is False
    assert not open_accounts(users.filter(pk=sms_member.pk)).exists()
    # Communities: neither a member nor a référent any more, nor listed as one.
    assert is_member(sms_member, w.here) is False
    assert is_referent(referent, w.here) is False
    assert set(members_of(w.here).values_list("pk", flat=True)) == {
        w.member.pk,
        w.no_sms_member.pk,
    }
    assert not referents_of(w.here).exists()
    # Notifications: out of any audience.
    audience = users.filter(pk__in=[sms_member.pk, referent.pk, w.member.pk])
    assert set(audience_users(audience).values_list("pk", flat=True)) == {w.member.pk}
    # Alerts: never a recipient of the community's alert, and never its author.
    alert = services.send_community_alert(
        author=w.member, text="Démarcheur suspect rue des Lilas, il sonne partout."
    )
    reached = set(
        Notification.objects.filter(event=alert.event).values_list("recipient_id", flat=True)
    )
    assert reached == {w.no_sms_member.pk}
    assert alert.recipients == 1
    with pytest.raises(PermissionDenied):
        services.send_community_alert(
            author=sms_member, text="Démarcheur suspect rue des Lilas, il sonne partout."
        )
