"""The e-mails of messages: French, a signed link, never the message nor its subject."""

import pytest

from messaging import services
from notifications.emails import Recipient, event_message
from notifications.models import Event
from tests.factories import UserFactory
from tests.follows import validated
from tests.platform.messaging.conftest import start
from tests.signed_links import link_targets

pytestmark = pytest.mark.django_db


def test_private_message_e_mail_never_quotes_it(world, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        thread = start(world.here_member, alice, subject="Sujet privé", body="Texte privé")
    event = Event.objects.get(kind="messages.new")
    assert event.url == f"/messages/{thread.pk}/"
    mail = event_message(event, Recipient(alice.pk, alice.email, "Alice Bernard"))
    assert mail.subject == "Nouveau message privé"
    assert "Vous avez un nouveau message privé." in mail.body
    assert link_targets(mail.body)[0].endswith(f"/messages/{thread.pk}/")
    for text in (mail.subject, mail.body, mail.alternatives[0][0]):
        assert "Texte privé" not in text and "Sujet privé" not in text


def test_town_hall_e_mails(commune, clerk, django_capture_on_commit_callbacks):
    resident = validated(UserFactory(), commune)
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.town_hall_thread_start(
            author=resident, commune=commune, body="Texte privé"
        )
    staff_event = Event.objects.get(kind="messages.town_hall")
    mail = event_message(staff_event, Recipient(clerk.pk, clerk.email, "Claire Lemoine"))
    assert mail.subject == "Nouveau message à la mairie de Saint-Malo"
    assert link_targets(mail.body) == [f"http://saint-malo.localhost/admin/messagerie/{thread.pk}/"]
    assert "Texte privé" not in mail.body
    with django_capture_on_commit_callbacks(execute=True):
        services.town_hall_reply(thread=thread, by=clerk, body="Réponse privée")
    answer = Event.objects.get(kind="messages.new")
    mail = event_message(answer, Recipient(resident.pk, resident.email, "Marie"))
    assert mail.subject == "La mairie de Saint-Malo vous a écrit"
    assert link_targets(mail.body) == [f"http://saint-malo.localhost/messages/{thread.pk}/"]
    assert "Réponse privée" not in mail.body
