"""The support desk's services: a request with its context, rate limits, the team's answer
by notification or by plain e-mail, the person's reply, statuses, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from moderation.models import SupportMessage, SupportRequest
from moderation.services import RateLimited
from moderation.support import services
from notifications.models import Event, Notification
from tests.platform.moderation.support_world import support_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

Topic = SupportRequest.Topic
Status = SupportRequest.Status


def ask(user, **fields):
    values = {
        "topic": Topic.MEMBERSHIP_UNANSWERED,
        "subject": "Pas de réponse",
        "body": "Ma demande attend depuis trois semaines.",
    }
    values.update(fields)
    return services.request_create(user=user, **values)


def test_a_signed_in_request_carries_its_context(support_world):
    request = ask(support_world.waiting)
    assert request.requester == support_world.waiting
    assert request.email == support_world.waiting.email
    assert request.commune == support_world.commune
    assert request.status == Status.NEW
    rows = {row["label"]: row["value"] for row in request.context}
    assert rows["Communes"] == "Saint-Malo (habitant validé)"
    pending = rows["Demande d’adhésion en attente"]
    assert pending.startswith("Intra-muros (commune de Saint-Malo), demande envoyée le ")
    assert pending.endswith("en attente depuis 20 jours")
    [message] = request.messages.all()
    assert message.body == "Ma demande attend depuis trois semaines."
    assert not message.from_staff


def test_the_overlap_and_area_topics_read_the_map(support_world):
    inside = ask(support_world.waiting, topic=Topic.OVERLAP)
    rows = {row["label"]: row["value"] for row in inside.context}
    assert rows["Domicile sur la carte"].startswith(
        "Dans la zone de la communauté Intra-muros (n° "
    )
    referent = support_world.community.memberships.get(is_referent=True).user
    area = ask(referent, topic=Topic.AREA_CAP)
    rows = {row["label"]: row["value"] for row in area.context}
    assert re.fullmatch(r"Intra-muros couvre 0,\d\d km² \(limite 1 km²\)", rows["Surface maximale"])
    assert rows["Communauté"].startswith("Intra-muros (commune de Saint-Malo), référent depuis")


def test_a_visitor_needs_a_name_and_an_address(support_world):
    with pytest.raises(ValidationError) as error:
        services.request_create(
            user=None, topic="nonsense", subject=" ", body="", name="", email="pas-une-adresse"
        )
    assert error.value.message_dict == {
        "topic": ["Choisissez l’objet de votre demande."],
        "subject": ["Donnez un objet à votre demande."],
        "body": ["Écrivez votre message."],
        "name": ["Indiquez votre nom."],
        "email": ["Saisissez une adresse e-mail valide."],
    }
    assert not SupportRequest.objects.exists()
    request = services.request_create(
        user=None,
        topic=Topic.MISSING_COMMUNE,
        subject="Ma commune",
        body="Plouër-sur-Rance, 22490",
        name="Jean Visiteur",
        email="jean@example.org",
        client_address="192.0.2.7",
    )
    assert request.requester is None and request.context == []
    assert request.client_address == "192.0.2.7"


def test_invalid_characters_and_long_texts_are_refused(support_world):
    with pytest.raises(ValidationError) as error:
        ask(support_world.waiting, body="a\x00b", subject="x" * 151)
    assert error.value.message_dict == {
        "subject": ["Saisissez au maximum 150 caractères."],
        "body": ["Supprimez les caractères non valides."],
    }


def test_rate_limits_say_when_to_try_again(support_world, settings):
    settings.SUPPORT_REQUESTS_PER_HOUR = 2
    settings.SUPPORT_ANONYMOUS_PER_HOUR = 2
    now = timezone.now()
    ask(support_world.waiting, now=now - timedelta(minutes=50))
    ask(support_world.waiting, now=now - timedelta(minutes=10))
    with pytest.raises(RateLimited) as error:
        ask(support_world.waiting, now=now)
    assert str(error.value.args[0]) == (
        "Vous avez envoyé 2 demandes à l’équipe dans la dernière heure, le maximum permis. "
        "Réessayez dans 11 minutes."
    )
    assert error.value.retry_after == 601
    # An hour later it is allowed again.
    ask(support_world.waiting, now=now + timedelta(minutes=11))

    def visitor(email, address, when):
        return services.request_create(
            user=None,
            topic=Topic.OTHER,
            subject="Question",
            body="Bonjour",
            name="Visiteur",
            email=email,
            client_address=address,
            now=when,
        )

    visitor("a@example.org", "192.0.2.1", now)
    visitor("b@example.org", "192.0.2.1", now)
    with pytest.raises(RateLimited):  # the same address
        visitor("c@example.org", "192.0.2.1", now)
    visitor("c@example.org", "192.0.2.2", now)
    visitor("c@example.org", "192.0.2.3", now)
    with pytest.raises(RateLimited):  # the same e-mail from yet another address
        visitor("C@example.org", "192.0.2.4", now)
    visitor("d@example.org", "192.0.2.4", now)


def test_the_team_is_told_of_a_new_request_and_of_a_reply(support_world):
    request = ask(support_world.waiting)
    event = Event.objects.get(kind="support.request")
    assert event.url == f"/admin/support/{request.pk}/"
    assert event.title == "Nouvelle demande à l’équipe : Pas de réponse"
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert {support_world.desk.pk, support_world.desk2.pk} <= told
    assert support_world.clerk.pk not in told and support_world.waiting.pk not in told
    services.reply(by=support_world.waiting, request=request, body="Une précision.")
    assert Event.objects.filter(kind="support.request").count() == 2


def test_the_answer_reaches_the_person_in_the_centre(support_world):
    request = ask(support_world.waiting)
    services.set_status(by=support_world.desk, request=request, status=Status.IN_PROGRESS)
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS and request.assigned_to == support_world.desk
    message = services.answer(
        by=support_world.desk2, request=request, body="Nous appelons le référent."
    )
    request.refresh_from_db()
    assert message.from_staff and request.status == Status.ANSWERED
    assert request.assigned_to == support_world.desk  # the first who took it keeps it
    event = Event.objects.get(kind="support.answer")
    assert event.url == f"/contact/demandes/{request.pk}/"
    assert event.commune == support_world.commune
    assert list(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    ) == [support_world.waiting.pk]
    # The person writes again: the request goes back to the team as new.
    services.reply(by=support_world.waiting, request=request, body="Merci, toujours rien.")
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert [m.from_staff for m in request.messages.all()] == [False, True, False]


def test_a_visitor_gets_the_answer_by_plain_e_mail(
    support_world, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.request_create(
        user=None,
        topic=Topic.OTHER,
        subject="Une question",
        body="Comment ça marche ?",
        name="Jean Visiteur",
        email="jean@example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.answer(
            by=support_world.desk, request=request, body="Voici comment.\nBonne journée"
        )
    assert not Event.objects.filter(kind="support.answer").exists()
    [mail] = mailoutbox
    assert mail.to == ["jean@example.org"]
    assert mail.subject == "Réponse à votre demande « Une question »"
    assert mail.body.startswith("Bonjour Jean Visiteur,")
    assert "Voici comment.\nBonne journée" in mail.body
    assert "http://localhost:8000/contact/" in mail.body


def test_only_the_platform_staff_answer_and_change_status(support_world):
    request = ask(support_world.waiting)
    for someone in (support_world.clerk, support_world.other, support_world.waiting):
        with pytest.raises(PermissionDenied):
            services.answer(by=someone, request=request, body="Réponse")
        with pytest.raises(PermissionDenied):
            services.set_status(by=someone, request=request, status=Status.CLOSED)
    with pytest.raises(PermissionDenied):
        services.reply(by=support_world.other, request=request, body="Je m’en mêle")
    with pytest.raises(ValidationError) as error:
        services.set_status(by=support_world.desk, request=request, status="lost")
    assert error.value.message_dict == {"status": ["Choisissez un statut dans la liste."]}
    assert SupportMessage.objects.filter(request=request).count() == 1
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_replies_are_rate_limited(support_world, settings):
    settings.SUPPORT_REPLIES_PER_HOUR = 2  # the request's own message counts
    request = ask(support_world.waiting)
    services.reply(by=support_world.waiting, request=request, body="Un")
    with pytest.raises(RateLimited) as error:
        services.reply(by=support_world.waiting, request=request, body="Deux")
    assert "Vous avez envoyé 2 messages à l’équipe" in str(error.value.args[0])


def test_the_demo_requests_are_made_once(support_world):
    from moderation.support import demo

    demo.load(support_world.commune, support_world.desk, [support_world.other])
    demo.load(support_world.commune, support_world.desk, [support_world.other])
    requests = SupportRequest.objects.order_by("pk")
    assert [(r.topic, r.status) for r in requests] == [
        (Topic.AREA_CAP, Status.NEW),
        (Topic.ACCOUNT, Status.ANSWERED),
        (Topic.MISSING_COMMUNE, Status.NEW),
    ]
    assert requests[2].requester is None and requests[2].email.endswith("@saint-malo.localhost")
    assert any(row["label"] == "Surface maximale" for row in requests[0].context)
