"""The e-mails of comments: French, a link to the thread, never the comment's text."""

import pytest

from conversations.services import comment_create
from notifications.emails import Recipient, event_message
from notifications.models import Event

pytestmark = pytest.mark.django_db


def test_reply_and_staff_e_mails(commune, news, resident, neighbour, staff):
    top = comment_create(target=news, commune=commune, author=resident, body="Texte privé A")
    answer = comment_create(
        target=news,
        commune=commune,
        author=staff,
        body="Texte privé B",
        parent=top,
        as_town_hall=True,
    )
    reply = Event.objects.get(kind="comments.reply")
    message = event_message(reply, Recipient(resident.pk, resident.email, "Marie Durand"))
    assert message.subject == "Nouvelle réponse dans une conversation sur « Travaux rue de Dinan »"
    assert "La mairie de Saint-Malo a répondu dans une conversation" in message.body
    assert reply.url == f"/travaux/#comment-{answer.pk}"
    assert "://saint-malo.localhost" in message.body  # the signed link to the thread
    assert "Texte privé" not in message.body
    assert "Texte privé" not in message.alternatives[0][0]
    staff_event = Event.objects.get(kind="comments.new_on_news")
    mail = event_message(staff_event, Recipient(staff.pk, staff.email, "Claire Lemoine"))
    assert mail.subject == "Nouveau commentaire sur « Travaux rue de Dinan »"
    assert "Un administré a commenté l’actualité « Travaux rue de Dinan »." in mail.body
    assert "Texte privé" not in mail.body
