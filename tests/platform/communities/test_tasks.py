"""CTY-5: daily reminders to référents, escalation to platform staff after 15 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import Schedule

from accounts.staff import platform_staff_group
from communities import services, tasks
from communities.models import Community, Membership
from core.schedules import sync_schedules
from tests.communities import SAINT_MALO, make_community, offset, person_at, referent_of
from tests.factories import UserFactory
from tests.signed_links import link_targets


@pytest.fixture
def staff(db):
    person = UserFactory(email="support@example.org")
    platform_staff_group().user_set.add(person)
    return person


def ask(community, east=20):
    return services.membership_request(
        user=person_at(community.commune, offset(SAINT_MALO, east)), community=community
    )


def test_referents_get_one_reminder_a_day_while_requests_wait(
    commune, django_capture_on_commit_callbacks
):
    community = make_community(commune)
    ask(community)
    ask(community, east=30)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_referents() == 1
        assert tasks.remind_referents() == 0  # the same day: nothing more
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [referent_of(community).email]
    assert mail.outbox[0].subject == "2 demandes attendent pour rejoindre Intra-muros"
    assert "2 voisins attendent une réponse pour rejoindre Intra-muros." in mail.outbox[0].body
    assert link_targets(mail.outbox[0].body) == [
        f"http://saint-malo.localhost/communautes/{community.pk}/demandes/"
    ]
    # The next day (the last reminder was yesterday).
    Community.objects.update(reminded_on=timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_referents() == 1
    assert len(mail.outbox) == 2


def test_no_reminder_without_pending_requests(commune):
    community = make_community(commune)
    membership = ask(community)
    services.membership_decide(membership=membership, by=referent_of(community), accept=True)
    mail.outbox.clear()
    assert tasks.remind_referents() == 0
    assert mail.outbox == []


def test_undecided_requests_go_to_platform_staff_after_15_days(
    commune, staff, django_capture_on_commit_callbacks
):
    community = make_community(commune)
    membership = ask(community)
    mail.outbox.clear()
    requested = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(
        requested_at=requested - timedelta(days=14, hours=23)
    )
    assert tasks.escalate_requests() == 0
    Membership.objects.filter(pk=membership.pk).update(
        requested_at=requested - timedelta(days=15, minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_requests() == 1
        assert tasks.escalate_requests() == 0  # idempotent
    staff_mail = [m for m in mail.outbox if m.to == [staff.email]]
    assert len(staff_mail) == 1
    assert "- Intra-muros (Saint-Malo) : 1\n" in staff_mail[0].body
    # Staff decide in the platform's admin, on its own host.
    assert link_targets(staff_mail[0].body) == ["http://localhost:8000/admin/communities/requests/"]
    membership.refresh_from_db()
    assert membership.escalated_at is not None
    # Staff may now decide; référents are no longer reminded of it.
    mail.outbox.clear()
    Community.objects.update(reminded_on=None)
    assert tasks.remind_referents() == 0
    services.membership_decide(membership=membership, by=staff, accept=True)
    assert membership.user.community_memberships.get().status == Membership.Status.MEMBER


def test_the_schedules_exist_after_migrate(db):
    sync_schedules()
    funcs = set(Schedule.objects.values_list("func", flat=True))
    assert {"communities.tasks.remind_referents", "communities.tasks.escalate_requests"} <= funcs
