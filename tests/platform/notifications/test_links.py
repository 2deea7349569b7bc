"""Signed links in e-mails (NOT-3) and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from notifications import links
from notifications.fanout import publish
from notifications.models import Notification, Preference
from notifications.selectors import preference
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db

HOST = "saint-malo.localhost"


@pytest.fixture
def published(commune, engine_kinds):
    (person,) = residents(commune, 1)
    result = publish(
        "test.message",
        audience=followers_of(commune),
        commune=commune,
        title="Nouveau message",
        url="/communautes/ma-communaute/",
    )
    return person, result.event


def _path(url: str) -> str:
    return url.split(HOST, 1)[1]


def test_link_marks_read_and_leads_a_signed_out_person_through_login(published, commune):
    person, event = published
    url = links.signed_url(commune, person.pk, event.url, event.pk)
    response = Client(HTTP_HOST=HOST).get(_path(url))
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=%2Fcommunautes%2Fma-communaute%2F"
    assert Notification.objects.get(event=event, recipient=person).read_at is not None


def test_link_goes_straight_to_the_content_when_logged_in(published, commune):
    person, event = published
    client = Client(HTTP_HOST=HOST)
    client.force_login(person)
    response = client.get(_path(links.signed_url(commune, person.pk, event.url, event.pk)))
    assert response.status_code == 302 and response["Location"] == "/communautes/ma-communaute/"


def test_expired_link_still_leads_to_login_then_the_content(published, commune, settings):
    person, event = published
    url = links.signed_url(commune, person.pk, event.url, event.pk)
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_LINK_MAX_AGE + 60)
    ):
        response = Client(HTTP_HOST=HOST).get(_path(url), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == (
        "/compte/connexion/?next=%2Fcommunautes%2Fma-communaute%2F"
    )
    assert "Ce lien a expiré" in response.content.decode()
    # An expired link proves nothing any more: the notification stays unread.
    assert Notification.objects.get(event=event, recipient=person).read_at is None


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "eyJ1IjoxfQ:1xVbtt:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        signing.dumps({"u": 1, "p": "/x/"}, salt="another.salt"),
    ],
)
def test_tampered_link_leads_to_login_never_an_error(published, token):
    response = Client(HTTP_HOST=HOST).get(f"/n/{token}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/compte/connexion/?next=%2Fnotifications%2F"
    assert "plus valable" in response.content.decode()


def test_a_link_never_redirects_off_site(published, commune):
    person, event = published
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        token = links.link_token(person.pk, evil, event.pk)
        response = Client(HTTP_HOST=HOST).get(f"/n/{token}/")
        assert response["Location"] == "/compte/connexion/?next=%2F"


def test_one_click_unsubscribe_turns_the_rubric_email_off(published, commune):
    person, _event = published
    url = links.unsubscribe_url(commune, person.pk, "messages")
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)  # mail clients send no cookie
    response = client.post(_path(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    choice = preference(person, "messages")
    assert choice.email is False and choice.frequency == "instant"


def test_unsubscribe_page_asks_before_acting_and_cannot_touch_alerts(published, commune):
    person, _event = published
    client = Client(HTTP_HOST=HOST)
    response = client.get(_path(links.unsubscribe_url(commune, person.pk, "messages")))
    assert response.status_code == 200 and "Messages" in response.content.decode()
    assert not Preference.objects.filter(user=person).exists()
    client.post(_path(links.unsubscribe_url(commune, person.pk, "alerts")))
    assert preference(person, "alerts").email is True


def test_tampered_unsubscribe_link_is_a_friendly_page(published):
    response = Client(HTTP_HOST=HOST).post("/n/desabonnement/nope/")
    assert response.status_code == 200
    assert "plus valable" in response.content.decode()


def test_one_click_off_a_digest_turns_off_the_e_mail_of_its_rubrics(published, commune):
    person, _event = published
    url = links.unsubscribe_url(commune, person.pk, "digest:daily")
    Client(HTTP_HOST=HOST).post(_path(url), {"List-Unsubscribe": "One-Click"})
    assert preference(person, "news").email is False  # daily by default
    assert preference(person, "messages").email is True  # instant: untouched
    assert preference(person, "alerts").email is True
