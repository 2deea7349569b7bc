"""A partner town hall's police and mayor write to the référents of its communities (COM-2).

Seed 003: the référent is "l'interlocuteur privilégié de la Mairie et des forces de
l'ordre". The thread is between the staff member (their name, their role) and the
référent, in both people's inboxes; later messages need the relation to still hold.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from communes.models import Commune, StaffRole
from communes.services import staff_role_grant, staff_role_revoke
from communities.services import referent_give_up, referent_grant
from messaging import selectors, services
from messaging.models import Message, Participant, Thread
from messaging.threads import attach_authors, attach_participants
from notifications.models import Event, Notification
from tests.factories import UserFactory
from tests.follows import grant, root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


def police_of(commune, *, by=None, first_name="Paula", last_name="Gendre"):
    user = UserFactory(first_name=first_name, last_name=last_name)
    staff_role_grant(commune=commune, user=user, role="police", by=by or root())
    return user


def label(text: str, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


@pytest.fixture
def police(partner_commune, mayor):
    return police_of(partner_commune, by=mayor)


def open_thread(by, commune, referent, body="Bonjour, une question sur le quartier."):
    return services.referent_thread_open(
        by=by, commune=commune, referent=referent, body=body, subject="Sécurité"
    )


def test_police_write_to_a_referent_who_answers(
    world, police, partner_commune, django_capture_on_commit_callbacks
):
    referent = world.here_referent
    with django_capture_on_commit_callbacks(execute=True):
        thread = open_thread(police, partner_commune, referent)
    signature = label("Police – %(commune)s", commune="Saint-Malo")
    assert signature == "Police – Saint-Malo"
    thread.refresh_from_db()
    assert (thread.commune, thread.referents_commune, thread.created_by) == (
        None,
        partner_commune,
        police,
    )
    assert thread.staff_label == signature
    assert sorted(Participant.objects.filter(thread=thread).values_list("user_id", flat=True)) == (
        sorted([police.pk, referent.pk])
    )
    first = Message.objects.get(thread=thread)
    assert (first.author, first.as_town_hall, first.signed_role) == (police, False, signature)
    # The référent is told in the app (the e-mail never quotes the message).
    event = Event.objects.get(kind="messages.new")
    assert event.title == label("%(role)s wrote to you", role=signature)
    assert list(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    ) == [referent.pk]
    # In the référent's inbox, unread, the police officer by name and role; never an e-mail.
    row = selectors.inbox(referent).get()
    assert row.thread_id == thread.pk and row.is_unread
    [row] = attach_participants(referent, [row])
    [card] = row.people
    assert card.display_name == f"Paula Gendre · {signature}"
    assert (card.id, card.email, card.mobile, card.address) == (police.pk, None, None, None)
    [message] = attach_authors(referent, list(selectors.messages_of(thread)))
    assert message.author_card.display_name == f"Paula Gendre · {signature}"
    assert message.signature is None
    # The référent answers; the police officer sees the answer, by the référent's name.
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.message_send(thread=thread, author=referent, body="Tout est calme.")
    assert answer.signed_role == ""
    mine = selectors.inbox(police).get()
    assert mine.thread_id == thread.pk and mine.is_unread
    [mine] = attach_participants(police, [mine])
    assert [c.display_name for c in mine.people] == ["Régis Référent"]
    assert mine.people[0].email is None
    authors = attach_authors(police, list(selectors.messages_of(thread)))
    assert [m.author_card.display_name for m in authors] == [
        "Régis Référent",
        f"Paula Gendre · {signature}",
    ]
    # and writes again, signed with the role held now.
    again = services.message_send(thread=thread, author=police, body="Merci.")
    assert again.signed_role == signature
    assert Message.objects.filter(thread=thread).count() == 3


def test_the_mayor_signs_as_the_town_hall(world, mayor, partner_commune):
    thread = open_thread(mayor, partner_commune, world.near_referent)
    with translation.override(settings.LANGUAGE_CODE):
        town_hall = _("Town hall of %(commune)s") % {"commune": "Saint-Malo"}
        signature = f"{town_hall} · {StaffRole.Role.MAYOR.label}"
    assert Message.objects.get(thread=thread).signed_role == signature
    assert thread.staff_label == signature


def test_hosting_partner_staff_and_superusers_may_write(world, partner, partner_commune):
    staff = UserFactory()
    partner.staff.add(staff)
    open_thread(staff, partner_commune, world.here_referent)
    open_thread(root(), partner_commune, world.far_referent)
    assert Thread.objects.filter(referents_commune=partner_commune).count() == 2


def refused(call, exception=PermissionDenied):
    with pytest.raises(exception) as caught:
        call()
    return caught.value


def test_wrong_side_cannot_open(world, partner_commune, other_commune, police):
    referent = world.here_referent
    expected = label(
        "Only the partner town hall and the police of %(commune)s can write to the référents "
        "of its communities.",
        commune="Saint-Malo",
    )
    council = UserFactory()
    grant(partner_commune, council, StaffRole.Role.COUNCIL)
    resident = world.here_member
    Commune.objects.filter(pk=other_commune.pk).update(is_partner=True)
    other_commune.refresh_from_db()
    other_police = police_of(other_commune)
    for person in (council, resident, other_police):
        error = refused(lambda person=person: open_thread(person, partner_commune, referent))
        assert error.args[0] == expected
    # Another commune's police writing "as Cocody" to a référent of Saint-Malo.
    error = refused(lambda: open_thread(other_police, other_commune, referent), ValidationError)
    assert error.message_dict == {
        "referent": [label("Choose a référent of a community of %(commune)s.", commune="Cocody")]
    }
    # A member who is not a référent, nobody, oneself.
    for person in (resident, None, police):
        error = refused(
            lambda person=person: open_thread(police, partner_commune, person), ValidationError
        )
        assert list(error.message_dict) == ["referent"]
    assert Thread.objects.count() == 0


def test_a_commune_that_is_not_a_partner(world, commune, mayor):
    police = police_of(commune, by=mayor)
    Commune.objects.filter(pk=commune.pk).update(is_partner=False)
    commune.refresh_from_db()
    refused(lambda: open_thread(police, commune, world.here_referent))
    refused(lambda: open_thread(root(), commune, world.here_referent))
    assert Thread.objects.count() == 0


def test_a_former_referent(world, police, partner_commune):
    """After giving the role up: new messages refused both ways, naming them; the past
    stays readable."""
    here = world.here
    second = world.here_member
    referent_grant(by=world.here_referent, community=here, user=second)
    thread = open_thread(police, partner_commune, second)
    services.message_send(thread=thread, author=second, body="Présent.")
    referent_give_up(by=second, community=here)
    name = second.get_full_name()
    error = refused(lambda: services.message_send(thread=thread, author=police, body="Allô ?"))
    assert error.args[0] == label(
        "%(names)s is no longer a référent in %(commune)s: this conversation stays readable, "
        "but you cannot write in it any more.",
        names=name,
        commune="Saint-Malo",
    )
    error = refused(lambda: services.message_send(thread=thread, author=second, body="Oui"))
    assert error.args[0] == label(
        "You are no longer a référent in %(commune)s: this conversation stays readable, but "
        "you cannot write in it any more.",
        commune="Saint-Malo",
    )
    assert Message.objects.filter(thread=thread).count() == 2
    for person in (police, second):
        row = selectors.access_thread(person, thread.pk)
        assert selectors.messages_of(row.thread).count() == 2
    error = refused(lambda: open_thread(police, partner_commune, second), ValidationError)
    assert list(error.message_dict) == ["referent"]


def test_police_who_lost_the_role(world, police, partner_commune, mayor):
    thread = open_thread(police, partner_commune, world.here_referent)
    staff_role_revoke(role_obj=StaffRole.objects.get(user=police, role="police"), by=mayor)
    error = refused(
        lambda: services.message_send(thread=thread, author=world.here_referent, body="Oui")
    )
    signature = label("Police – %(commune)s", commune="Saint-Malo")
    assert error.args[0] == label(
        "%(names)s no longer speaks for %(commune)s: this conversation stays readable, but you "
        "cannot write in it any more.",
        names="Paula Gendre",
        commune="Saint-Malo",
    )
    assert signature not in error.args[0]
    error = refused(lambda: services.message_send(thread=thread, author=police, body="Allô"))
    assert error.args[0] == label(
        "You can no longer write to the référents of %(commune)s: this conversation stays "
        "readable, but you cannot write in it any more.",
        commune="Saint-Malo",
    )
    assert selectors.access_thread(police, thread.pk).thread == thread


def test_blocks_are_respected(world, police, partner_commune):
    referent = world.here_referent
    thread = open_thread(police, partner_commune, referent)
    assert selectors.may_block(referent, police)
    services.block(blocker=referent, blocked=police)
    error = refused(lambda: services.message_send(thread=thread, author=police, body="Allô"))
    assert error.args[0] == label("This person no longer receives your messages.")
    error = refused(lambda: open_thread(police, partner_commune, referent), ValidationError)
    assert error.message_dict == {
        "referent": [label("This person no longer receives your messages.")]
    }


def test_the_referent_reads_it_on_the_site_and_answers(world, police, partner_commune):
    thread = open_thread(police, partner_commune, world.here_referent)
    client = Client()
    client.force_login(world.here_referent)
    inbox = client.get("/messages/").content.decode()
    assert "Paula Gendre · Police – Saint-Malo" in inbox
    page = client.get(f"/messages/{thread.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bonjour, une question sur le quartier." in html
    assert police.email not in html
    sent = client.post(f"/messages/{thread.pk}/", {"body": "Je vous rappelle."})
    assert sent.status_code == 302
    assert Message.objects.filter(thread=thread).last().body == "Je vous rappelle."
    staff = Client()
    verified_login(staff, police)  # police are staff: a second factor on the site too
    mine = staff.get(f"/messages/{thread.pk}/").content.decode()
    assert "Je vous rappelle." in mine and "Régis Référent" in mine
    # Someone else: exactly 404.
    outsider = Client()
    outsider.force_login(world.here_member)
    assert outsider.get(f"/messages/{thread.pk}/").status_code == 404
