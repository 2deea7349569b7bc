"""Inviting a person without an account to a town-hall role (issue 20: police accounts).

The staff page offers "Send an invitation" for an address no account uses; the
invitation (a digest of its token, 14 days) is e-mailed, listed with "Cancel", and the
person who registered with that verified address takes the role from its link.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from communes.invitations import INVITATION_VALIDITY, token_digest
from communes.models import StaffInvitation, StaffRole
from communes.roles import POLICE_GROUP
from communes.services import staff_invitation_accept, staff_invite
from tests.factories import UserFactory
from tests.follows import grant
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
Role = StaffRole.Role
HOST = "saint-malo.localhost"
ADDRESS = "agent.dupont@police.example"
LINK = re.compile(r"/equipe/invitation/([\w-]+)/")


@pytest.fixture
def mayor(commune):
    return grant(commune, UserFactory(first_name="Gilles", last_name="Lurton"), Role.MAYOR).user


def admin_client(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    verified_login(client, user)
    return client


def staff_page(commune) -> str:
    return f"/admin/town-hall-staff/{commune.pk}/"


def invite(commune, by, email=ADDRESS, role=Role.POLICE, capture=None):
    with capture(execute=True):
        invitation = staff_invite(commune=commune, email=email, role=role, by=by)
    token = LINK.search(mail.outbox[-1].body).group(1)
    return invitation, token


# --- the staff page ----------------------------------------------------------------------------


def test_an_address_without_account_offers_an_invitation_then_sends_it(
    commune, mayor, django_capture_on_commit_callbacks
):
    client = admin_client(mayor)
    data = {"email": "Agent.Dupont@police.example", "role": Role.POLICE}
    offered = client.post(staff_page(commune), data)
    assert offered.status_code == 200
    assert "data-staff-invite" in offered.text
    assert not StaffInvitation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(staff_page(commune), {**data, "invite": "1"})
    assert sent.status_code == 302 and sent["Location"] == staff_page(commune)
    invitation = StaffInvitation.objects.get()
    assert (invitation.commune, invitation.email, invitation.role, invitation.invited_by) == (
        commune,
        ADDRESS,
        Role.POLICE,
        mayor,
    )
    assert invitation.accepted_at is None
    assert abs(invitation.expires_at - invitation.created_at - INVITATION_VALIDITY) < timedelta(
        seconds=5
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ADDRESS]
    token = LINK.search(message.body).group(1)
    assert f"http://{HOST}/equipe/invitation/{token}/" in message.body
    assert "Saint-Malo" in message.subject
    ((html, kind),) = message.alternatives
    assert kind == "text/html" and f"/equipe/invitation/{token}/" in html
    assert invitation.token_hash == token_digest(token) and token not in invitation.token_hash

    page = client.get(staff_page(commune))
    assert "data-staff-invitations" in page.text and ADDRESS in page.text
    assert f"/invitations/{invitation.pk}/cancel/" in page.text
    assert "data-staff-invite" not in page.text


def test_an_existing_account_is_granted_not_invited(commune, mayor):
    UserFactory(email=ADDRESS)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        staff_invite(commune=commune, email=ADDRESS, role=Role.POLICE, by=mayor)
    assert refused.value.message_dict == {
        "email": ["An account already uses this address: grant the role directly."]
    }
    assert not StaffInvitation.objects.exists()


def test_the_same_pending_invitation_is_not_sent_twice(
    commune, mayor, django_capture_on_commit_callbacks
):
    invite(commune, mayor, capture=django_capture_on_commit_callbacks)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        staff_invite(commune=commune, email=ADDRESS.upper(), role=Role.POLICE, by=mayor)
    assert refused.value.message_dict == {
        "email": ["This address has already been invited to this role."]
    }
    assert StaffInvitation.objects.count() == 1


def test_only_those_who_manage_the_staff_invite(commune, other_commune):
    from django.core.exceptions import PermissionDenied

    council = grant(commune, UserFactory(), Role.COUNCIL).user
    police = grant(commune, UserFactory(), Role.POLICE).user
    other_mayor = grant(other_commune, UserFactory(), Role.MAYOR).user
    for person in (council, police, other_mayor, UserFactory()):
        with pytest.raises(PermissionDenied):
            staff_invite(commune=commune, email=ADDRESS, role=Role.POLICE, by=person)
    assert admin_client(council).get(staff_page(commune)).status_code == 404
    assert not StaffInvitation.objects.exists()


def test_the_mayor_cancels_an_invitation_another_communes_mayor_cannot(
    commune, other_commune, mayor, django_capture_on_commit_callbacks
):
    invitation, token = invite(commune, mayor, capture=django_capture_on_commit_callbacks)
    cancel = f"{staff_page(commune)}invitations/{invitation.pk}/cancel/"
    other_mayor = grant(other_commune, UserFactory(), Role.MAYOR).user
    assert admin_client(other_mayor).post(cancel).status_code == 404
    assert admin_client(mayor).get(cancel).status_code == 405
    assert StaffInvitation.objects.filter(pk=invitation.pk).exists()
    response = admin_client(mayor).post(cancel)
    assert response.status_code == 302 and response["Location"] == staff_page(commune)
    assert not StaffInvitation.objects.exists()
    assert Client(HTTP_HOST=HOST).get(f"/equipe/invitation/{token}/").status_code == 404


# --- taking the role ---------------------------------------------------------------------------


def test_the_invited_person_takes_the_role_with_the_verified_address(
    commune, mayor, django_capture_on_commit_callbacks
):
    invitation, token = invite(commune, mayor, capture=django_capture_on_commit_callbacks)
    url = f"/equipe/invitation/{token}/"
    signed_out = Client(HTTP_HOST=HOST).get(url)
    assert signed_out.status_code == 302 and "next=" in signed_out["Location"]

    stranger = UserFactory(email="autre@police.example", email_verified_at=timezone.now())
    client = Client(HTTP_HOST=HOST)
    client.force_login(stranger)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 403
    assert not StaffRole.objects.filter(user=stranger).exists()

    person = UserFactory(email=ADDRESS, email_verified_at=timezone.now())
    client = Client(HTTP_HOST=HOST)
    client.force_login(person)
    page = client.get(url)
    assert page.status_code == 200 and "Saint-Malo" in page.text
    taken = client.post(url)
    assert taken.status_code == 302 and taken["Location"] == "/admin/"
    role = StaffRole.objects.get(user=person)
    assert (role.commune, role.role, role.granted_by) == (commune, Role.POLICE, mayor)
    assert person.groups.filter(name=POLICE_GROUP).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Used once: the link is dead (404 for a staff member past the second factor).
    verified_login(client, person)
    assert client.get(url).status_code == 404


def test_an_unverified_address_cannot_take_the_role(
    commune, mayor, django_capture_on_commit_callbacks
):
    from django.core.exceptions import PermissionDenied

    _invitation, token = invite(commune, mayor, capture=django_capture_on_commit_callbacks)
    person = UserFactory(email=ADDRESS, email_verified_at=None)
    with pytest.raises(PermissionDenied):
        staff_invitation_accept(token=token, user=person)
    assert not StaffRole.objects.filter(user=person).exists()


def test_an_expired_invitation_is_refused(commune, mayor, django_capture_on_commit_callbacks):
    invitation, token = invite(commune, mayor, capture=django_capture_on_commit_callbacks)
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    person = UserFactory(email=ADDRESS, email_verified_at=timezone.now())
    client = Client(HTTP_HOST=HOST)
    client.force_login(person)
    assert client.get(f"/equipe/invitation/{token}/").status_code == 404
    assert client.post(f"/equipe/invitation/{token}/").status_code == 404
    assert not StaffRole.objects.filter(user=person).exists()
    assert admin_client(mayor).get(staff_page(commune)).text.count(ADDRESS) == 0
