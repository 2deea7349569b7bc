"""The support desk's e-mails (French, a signed link, never the answer in a notification
e-mail) and its part of the GDPR export and of the account closure."""

from __future__ import annotations

import pytest

from accounts.closure import account_close
from accounts.export import account_export
from moderation.models import SupportRequest
from moderation.support import services
from notifications.emails import Recipient, event_message
from notifications.models import Event
from tests.factories import PASSWORD
from tests.platform.moderation.support_world import support_world_fixture  # noqa: F401
from tests.signed_links import link_targets

pytestmark = pytest.mark.django_db


def ask(world):
    return services.request_create(
        user=world.waiting,
        topic="membership_unanswered",
        subject="Pas de réponse",
        body="Texte de la demande",
    )


def test_the_e_mails_are_french_and_never_quote_the_texts(support_world):
    request = ask(support_world)
    staff_event = Event.objects.get(kind="support.request")
    desk = support_world.desk
    mail = event_message(staff_event, Recipient(desk.pk, desk.email, "Sam Support"))
    assert mail.subject == (
        "Nouvelle demande à l’équipe : Ma demande d’adhésion à une communauté est sans réponse"
    )
    assert "Une nouvelle demande est arrivée à l’équipe" in mail.body
    assert link_targets(mail.body) == [f"http://localhost:8000/admin/support/{request.pk}/"]
    assert "Texte de la demande" not in mail.body
    services.answer(by=desk, request=request, body="Texte de la réponse")
    answer = Event.objects.get(kind="support.answer")
    person = support_world.waiting
    mail = event_message(answer, Recipient(person.pk, person.email, "Marie"))
    assert mail.subject == "L’équipe a répondu à votre demande « Pas de réponse »"
    assert "Lisez la réponse et répondez sur le site :" in mail.body
    assert link_targets(mail.body) == [
        f"http://saint-malo.localhost/contact/demandes/{request.pk}/"
    ]
    for text in (mail.body, mail.alternatives[0][0]):
        assert "Texte de la réponse" not in text


def test_the_export_holds_the_persons_requests(support_world):
    request = ask(support_world)
    services.answer(by=support_world.desk, request=request, body="Réponse")
    section = account_export(support_world.waiting)["sections"]["support"]
    [exported] = section
    assert exported["subject"] == "Pas de réponse"
    assert exported["topic"] == "membership_unanswered"
    assert [(m["from_team"], m["body"]) for m in exported["messages"]] == [
        (False, "Texte de la demande"),
        (True, "Réponse"),
    ]
    assert "Sam" not in str(section)  # the team signs as the team
    assert "support" not in account_export(support_world.other)["sections"]


def test_closing_the_account_erases_what_was_copied(support_world):
    request = ask(support_world)
    assert request.context and request.email
    account_close(user=support_world.waiting, password=PASSWORD)
    request.refresh_from_db()
    assert (request.name, request.email, request.context) == ("", "", [])
    assert request.messages.count() == 1  # the conversation stays for the team
    assert SupportRequest.objects.count() == 1
