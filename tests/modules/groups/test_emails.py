"""The e-mails of groups: French, a link to the group, never the message's text."""

import pytest

from modules.groups.services import group_join, membership_decide
from notifications.emails import Recipient, event_message
from notifications.models import Event
from tests.modules.groups.conftest import member_of, write

pytestmark = pytest.mark.django_db


def test_new_message_e_mail(group, resident, neighbour, staff):
    member_of(group, neighbour)
    post = write(group, staff, body="Texte privé", as_town_hall=True)
    event = Event.objects.get(kind="groups.post")
    message = event_message(event, Recipient(neighbour.pk, neighbour.email, "Paul Martin"))
    assert message.subject == "Nouveau message dans le groupe « Jardins partagés »"
    assert "La mairie de Saint-Malo a écrit dans le groupe « Jardins partagés »." in message.body
    assert event.url == f"/groupes/{group.pk}/#comment-{post.pk}"
    assert "://saint-malo.localhost" in message.body
    assert "Texte privé" not in message.body
    assert "Texte privé" not in message.alternatives[0][0]


def test_decision_e_mail(private_group, resident, staff):
    membership_decide(member=group_join(group=private_group, user=resident), by=staff, accept=True)
    event = Event.objects.get(kind="groups.membership")
    message = event_message(event, Recipient(resident.pk, resident.email, "Marie Durand"))
    assert message.subject.startswith("Vous êtes membre du groupe « Conseil de quartier »")
