"""The support desk's site pages: the contact form for people and visitors, my requests,
a request's thread (404 for anyone else), French errors, the honeypot, the rate limit,
and the links from the pages seed 003 sends people from."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from moderation.models import SupportMessage, SupportRequest
from moderation.support import services
from tests.platform.moderation.support_world import support_world_fixture  # noqa: F401
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

HOST = "saint-malo.localhost"
Topic = SupportRequest.Topic


def client_for(user=None) -> Client:
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        verified_login(client, user)  # staff need their second factor on every page
    return client


def test_the_form_offers_the_topics_and_preselects_one(support_world):
    page = client_for(support_world.waiting).get("/contact/?topic=membership_unanswered")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Contacter l’équipe</h1>" in html
    assert 'type="radio" name="topic" value="membership_unanswered"' in html
    assert re.search(
        r'<input type="radio" name="topic" value="membership_unanswered"[^>]* checked', html
    )
    assert "Ma demande d’adhésion à une communauté est sans réponse" in html
    assert 'name="email"' not in html  # a signed-in person writes as themselves
    assert "<div hidden>" in html  # the honeypot is out of sight
    visitor = client_for().get("/contact/?topic=nonsense").content.decode()
    assert 'name="name"' in visitor and 'name="email"' in visitor
    assert " checked" not in visitor


def test_a_resident_asks_and_reads_the_thread(support_world):
    client = client_for(support_world.waiting)
    response = client.post(
        "/contact/",
        {
            "topic": Topic.MEMBERSHIP_UNANSWERED,
            "subject": "Pas de réponse du référent",
            "body": "J’attends depuis trois semaines.",
        },
    )
    created = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contact/demandes/{created.pk}/"
    assert created.commune == support_world.commune  # the host's commune
    assert created.context  # gathered by the service
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Votre demande est envoyée. Vous trouverez ici la réponse de l’équipe." in html
    assert "J’attends depuis trois semaines." in html
    services.answer(by=support_world.desk, request=created, body="Nous écrivons au référent.")
    html = client.get(response["Location"]).content.decode()
    assert "Nous écrivons au référent." in html and "Répondue" in html
    mine = client.get("/contact/demandes/").content.decode()
    assert "Pas de réponse du référent" in mine
    assert "l’équipe a répondu en dernier" in mine
    reply = client.post(response["Location"], {"body": "Merci !"})
    assert reply.status_code == 302
    created.refresh_from_db()
    assert created.status == SupportRequest.Status.NEW
    assert SupportMessage.objects.filter(request=created).count() == 3


def test_a_visitor_writes_with_a_name_and_an_address(support_world):
    client = client_for()
    bad = client.post("/contact/", {"topic": "other", "subject": "", "body": "", "email": "x"})
    assert bad.status_code == 400
    html = bad.content.decode()
    for error in (
        "Donnez un objet à votre demande.",
        "Écrivez votre message.",
        "Indiquez votre nom.",
        "Saisissez une adresse e-mail valide.",
    ):
        assert error in html
    assert not SupportRequest.objects.exists()
    good = client.post(
        "/contact/",
        {
            "topic": Topic.MISSING_COMMUNE,
            "subject": "Ma commune manque",
            "body": "Plouër-sur-Rance, 22490",
            "name": "Jean Visiteur",
            "email": "jean@example.org",
        },
        REMOTE_ADDR="192.0.2.9",
    )
    assert good.status_code == 302 and good["Location"] == "/contact/"
    created = SupportRequest.objects.get()
    assert (created.requester, created.email, created.name) == (
        None,
        "jean@example.org",
        "Jean Visiteur",
    )
    assert created.client_address == "192.0.2.9"
    # The visitor has no request page: that needs an account.
    assert client.get(f"/contact/demandes/{created.pk}/").status_code == 302


def test_the_honeypot_stores_nothing(support_world):
    response = client_for().post(
        "/contact/",
        {
            "topic": "other",
            "subject": "Achetez",
            "body": "Promo",
            "name": "Robot",
            "email": "robot@example.org",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 302
    assert not SupportRequest.objects.exists()


def test_the_rate_limit_is_a_french_429(support_world, settings):
    settings.SUPPORT_ANONYMOUS_PER_HOUR = 1
    data = {
        "topic": "other",
        "subject": "Question",
        "body": "Bonjour",
        "name": "Jean",
        "email": "jean@example.org",
    }
    client = client_for()
    assert client.post("/contact/", data).status_code == 302
    again = client.post("/contact/", data)
    assert again.status_code == 429
    assert "Vous avez envoyé 1 demandes à l’équipe dans la dernière heure" in again.content.decode()
    assert SupportRequest.objects.count() == 1


def test_a_request_is_404_for_anyone_else(support_world):
    created = services.request_create(
        user=support_world.waiting, topic="other", subject="Privé", body="Texte privé"
    )
    url = f"/contact/demandes/{created.pk}/"
    for someone in (support_world.other, support_world.clerk, support_world.desk):
        client = client_for(someone)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "Intrus"}).status_code == 404
    owner = client_for(support_world.waiting)
    assert owner.get(f"/contact/demandes/{created.pk + 1000}/").status_code == 404
    assert owner.get("/contact/demandes/99999999999999999999/").status_code == 404
    assert SupportMessage.objects.filter(request=created).count() == 1
    # Someone else's list does not show it.
    assert "Privé" not in client_for(support_world.other).get("/contact/demandes/").content.decode()


def test_a_blank_reply_is_a_french_400(support_world):
    created = services.request_create(
        user=support_world.waiting, topic="other", subject="Sujet", body="Texte"
    )
    response = client_for(support_world.waiting).post(
        f"/contact/demandes/{created.pk}/", {"body": "   "}
    )
    assert response.status_code == 400
    assert "Écrivez votre message." in response.content.decode()


def test_my_requests_stay_o1_in_queries(support_world, settings):
    settings.SUPPORT_REQUESTS_PER_HOUR = 100
    client = client_for(support_world.waiting)

    def make(count):
        for i in range(count):
            created = services.request_create(
                user=support_world.waiting, topic="other", subject=f"Sujet {i}", body="Texte"
            )
            services.answer(by=support_world.desk, request=created, body="Réponse")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/contact/demandes/").status_code == 200
        return len(captured)

    make(3)
    three = queries()
    make(27)
    assert queries() == three


def test_the_seed_situations_link_to_the_form(support_world):
    footer = client_for().get("/contact/").content.decode()
    assert '<a href="/contact/">Contacter l’équipe</a>' in footer
    pending = client_for(support_world.waiting).get("/communautes/ma-communaute/")
    assert pending.status_code == 200
    assert '/contact/?topic=membership_unanswered"' in pending.content.decode()
    register = client_for().get("/compte/inscription/").content.decode()
    assert '/contact/?topic=missing_commune"' in register
    profile = client_for(support_world.waiting).get("/compte/profil/").content.decode()
    assert '/contact/?topic=account"' in profile
