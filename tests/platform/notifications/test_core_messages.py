"""One notification path: the follow and community messages are events of the engine.

A mail provider's outage while a request saves a follow, a decision, a request to join
or an invitation no longer fails the page; the engine retries the e-mail and sends it
once. The e-mails carry the engine's signed links and List-Unsubscribe, and people's
preferences apply to them.

The outage tests run without the test's wrapping transaction (``transaction=True``): the
messages then leave while the request runs, as in production (where the engine's tasks
run on a worker instead, which the synchronous test settings fold into the request).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from communes.models import Follow, StaffRole
from communities import services
from communities.models import Invitation, Membership
from notifications import delivery
from notifications.emails import sender_for
from notifications.models import Channel, Delivery, DeliveryStatus, Event, Notification, Preference
from tests.communities import SAINT_MALO, make_community, offset, person_at, referent_of
from tests.e2e.conftest import ensure_initial_data
from tests.factories import UserFactory
from tests.follows import grant, pending
from tests.signed_links import link_targets
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
DOWN = "tests.platform.notifications.test_core_messages.DownBackend"


class DownBackend(BaseEmailBackend):
    """A provider that refuses every connection (SMTP server down, ESP outage)."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class Logged(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def later(minutes: int = 2):
    return timezone.now() + timedelta(minutes=minutes)


def client_for(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def email_deliveries(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, channel=Channel.EMAIL))


def assert_waiting_for_retry(user) -> None:
    """The e-mail is recorded, not sent, and due again after the back-off."""
    (row,) = [row for row in email_deliveries(user) if row.status != DeliveryStatus.SENT]
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert "Connection refused" in row.error
    assert row.not_before > timezone.now()


@pytest.fixture(scope="module")
def _restore_initial_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_initial_data()


@pytest.fixture
def committed(_restore_initial_data_after_module, transactional_db):
    """Each request commits as in production; Wagtail's root page is put back first."""
    ensure_initial_data()


@pytest.fixture
def council(commune):
    return grant(commune, UserFactory(first_name="Yves"), StaffRole.Role.COUNCIL).user


@pytest.fixture
def community(commune):
    return make_community(commune, name="Intra-muros")


@pytest.fixture
def neighbour(commune, community):
    return person_at(commune, offset(SAINT_MALO, -30, 40), first_name="Paul")


# --- a provider outage during the request ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_outage_during_a_follow_request_is_retried_by_the_engine(
    committed, commune, resident, council, settings
):
    settings.EMAIL_BACKEND = DOWN
    response = client_for(resident).post("/compte/communes/suivre/", {"commune": "saint-malo"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/communes/"
    assert Follow.objects.get(user=resident).status == Follow.Status.PENDING
    assert mail.outbox == []
    assert_waiting_for_retry(council)
    # The centre has it at once.
    assert Notification.objects.filter(recipient=council).count() == 1

    settings.EMAIL_BACKEND = LOCMEM
    assert delivery.sweep(now=later()) == 1
    (message,) = mail.outbox
    assert message.to == [council.email]
    assert message.subject == "Saint-Malo : un nouvel habitant attend sa validation"
    assert "1 demande attend votre décision." in message.body
    assert delivery.sweep(now=later(30)) == 0  # sent once
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_outage_during_a_follow_decision_is_retried_by_the_engine(
    committed, commune, resident, council, settings
):
    follow = pending(resident, commune)
    client = Client(HTTP_HOST=HOST)
    verified_login(client, council)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = DOWN
    response = client.post(
        f"/admin/residents-to-validate/{follow.pk}/decide/",
        {"accept": "1", "next": "/admin/residents-to-validate/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/residents-to-validate/"
    assert Follow.objects.get(pk=follow.pk).status == Follow.Status.VALIDATED
    assert mail.outbox == []
    assert_waiting_for_retry(resident)

    settings.EMAIL_BACKEND = LOCMEM
    assert delivery.sweep(now=later()) == 1
    assert [m.subject for m in mail.outbox] == ["Vous suivez désormais Saint-Malo"]
    assert mail.outbox[0].to == [resident.email]


@pytest.mark.django_db(transaction=True)
def test_an_outage_during_a_request_to_join_and_its_decision_is_retried_by_the_engine(
    committed, community, neighbour, settings
):
    referent = referent_of(community)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = DOWN
    response = client_for(neighbour).post(f"/communautes/{community.pk}/rejoindre/")
    assert response.status_code == 302
    assert response["Location"] == "/communautes/ma-communaute/"
    membership = Membership.objects.get(user=neighbour)
    assert membership.status == Membership.Status.PENDING
    assert_waiting_for_retry(referent)

    response = client_for(referent).post(
        f"/communautes/{community.pk}/demandes/",
        {"membership": membership.pk, f"r{membership.pk}-decision": "accept"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.MEMBER
    assert_waiting_for_retry(neighbour)
    assert mail.outbox == []

    settings.EMAIL_BACKEND = LOCMEM
    assert delivery.sweep(now=later()) == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {referent.email, neighbour.email}
    assert by_person[referent.email].subject == "Un voisin demande à rejoindre Intra-muros"
    assert by_person[neighbour.email].subject == "Bienvenue dans Intra-muros"
    assert delivery.sweep(now=later(30)) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_an_outage_during_an_invitation_fails_no_page_and_frees_the_invitation(
    committed, community, settings
):
    """An invitation goes to an address no account holds, and the address is not kept
    (CTY-10): nothing can retry it. The page still answers, the failure is logged without
    the address, and the invitation is forgotten so that the member may send it again."""
    member = referent_of(community)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = DOWN
    url = f"/communautes/{community.pk}/inviter/"
    logged = Logged()
    logger = logging.getLogger("communities.notify")
    logger.addHandler(logged)
    try:
        response = client_for(member).post(
            url, {"channel": "email", "recipient": "voisin@example.net"}
        )
    finally:
        logger.removeHandler(logged)
    assert response.status_code == 302
    assert mail.outbox == []
    assert not Invitation.objects.exists()
    (line,) = logged.lines
    assert re.fullmatch(r"invitation \d+ \(email\) not sent: ConnectionRefusedError", line)
    assert "voisin@example.net" not in " ".join(logged.lines)

    settings.EMAIL_BACKEND = LOCMEM
    again = client_for(member).post(url, {"channel": "email", "recipient": "voisin@example.net"})
    assert again.status_code == 302
    assert Invitation.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["voisin@example.net"]]
    # Transactional: no List-Unsubscribe (there is no subscription), an HTML part.
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "Intra-muros" in mail.outbox[0].alternatives[0][0]


# --- exactly once, unsubscribe headers, preferences -----------------------------------------


@pytest.mark.django_db
def test_draining_twice_sends_the_decision_once(
    commune, resident, council, monkeypatch, django_capture_on_commit_callbacks
):
    from communes.services import follow_decide

    follow = pending(resident, commune)
    monkeypatch.setattr("notifications.fanout.queue_batches", lambda *a, **k: 0)
    with django_capture_on_commit_callbacks(execute=True):
        follow_decide(follow=follow, by=council, accept=False, reason="Adresse inconnue")
    event = Event.objects.get(kind="commune.follow_decision")
    mail.outbox.clear()
    assert delivery.drain(event.pk, Channel.EMAIL) == 1
    assert delivery.drain(event.pk, Channel.EMAIL) == 0
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "Le motif indiqué :\nAdresse inconnue" in mail.outbox[0].body
    # Deciding again is refused, and publishing the same decision again makes no event.
    from communes.services import notify_follow_decision

    notify_follow_decision(Follow.objects.select_related("commune").get(pk=follow.pk))
    assert Event.objects.filter(kind="commune.follow_decision").count() == 1


@pytest.mark.django_db
def test_the_emails_carry_list_unsubscribe_and_the_commune(
    commune, resident, council, django_capture_on_commit_callbacks
):
    from communes.services import follow_decide

    with django_capture_on_commit_callbacks(execute=True):
        follow = pending(resident, commune)
    with django_capture_on_commit_callbacks(execute=True):
        follow_decide(follow=follow, by=council, accept=True)
    to_council, to_resident = mail.outbox
    assert to_council.to == [council.email] and to_resident.to == [resident.email]
    for message, rubric in ((to_council, "requests"), (to_resident, "community")):
        header = message.extra_headers["List-Unsubscribe"]
        assert header.startswith("<http://saint-malo.localhost/n/desabonnement/")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        from notifications.links import read_unsubscribe

        token = header.rstrip("/>").rsplit("/", 1)[1]
        assert read_unsubscribe(token)[1] == rubric
        assert message.from_email == sender_for(commune)  # "Saint-Malo – Voisinage <…>"
        html = message.alternatives[0][0]
        assert "<strong" in html and "Saint-Malo" in html
    assert "/n/" in to_resident.alternatives[0][0]
    assert link_targets(to_resident.body) == [
        "http://saint-malo.localhost/",
        "http://saint-malo.localhost/compte/communes/",
    ]


@pytest.mark.django_db
def test_preferences_apply_to_requests_and_decisions(
    commune, community, neighbour, django_capture_on_commit_callbacks
):
    referent = referent_of(community)
    Preference.objects.create(user=referent, rubric="requests", email=False)
    Preference.objects.create(user=neighbour, rubric="community", frequency="off")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=neighbour, community=community)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(membership=membership, by=referent, accept=True)
    assert mail.outbox == []
    # The référent still sees the request in the centre; the neighbour turned the
    # rubric off altogether, so nothing at all.
    assert Notification.objects.filter(recipient=referent).count() == 1
    assert not Notification.objects.filter(recipient=neighbour).exists()


@pytest.mark.django_db
def test_the_escalation_reaches_staff_on_the_platforms_host(commune, community, neighbour):
    """Staff decide in the platform's admin, where they are signed in: the event has no
    commune, so its links lead to the platform's host."""
    from accounts.staff import platform_staff_group
    from communities.notify import escalated

    staff = UserFactory(first_name="Sam")
    platform_staff_group().user_set.add(staff)
    escalated([(community, 3)])
    event = Event.objects.get(kind="community.requests_escalated")
    assert event.commune is None
    mail.outbox.clear()
    assert delivery.drain(event.pk, Channel.EMAIL) == 1
    (message,) = mail.outbox
    assert message.subject == "Demandes d’adhésion en attente de l’équipe de la plateforme"
    assert "- Intra-muros (Saint-Malo) : 3\n" in message.body
    assert link_targets(message.body) == ["http://localhost:8000/admin/communities/requests/"]
