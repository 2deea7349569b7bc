"""Idle and absolute session timeouts; a new session key at login."""

import time

import pytest

from accounts.sessions import LOGIN_AT, SEEN_AT
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

HOST = {"HTTP_HOST": "saint-malo.localhost"}


@pytest.fixture
def logged_in(client, commune):
    user = validated(UserFactory(), commune)  # /annonces/ is for validated residents
    response = client.post(
        "/compte/connexion/", {"username": user.email, "password": PASSWORD}, **HOST
    )
    assert response.status_code == 302
    return client


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def _is_logged_in(client) -> bool:
    return client.get("/annonces/", **HOST).status_code == 200


def test_login_creates_a_new_session_key(client, commune):
    client.get("/compte/connexion/", **HOST)
    before = client.session.session_key
    user = UserFactory()
    client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD}, **HOST)
    assert client.session.session_key != before
    assert LOGIN_AT in client.session


def test_an_active_session_stays_open(logged_in, settings):
    _age_session(logged_in, **{SEEN_AT: settings.SESSION_IDLE_TIMEOUT - 60})
    assert _is_logged_in(logged_in)


def test_idle_session_ends(logged_in, settings):
    _age_session(logged_in, **{SEEN_AT: settings.SESSION_IDLE_TIMEOUT + 1})
    assert not _is_logged_in(logged_in)


def test_session_ends_after_the_absolute_timeout_even_when_active(logged_in, settings):
    _age_session(logged_in, **{SEEN_AT: 10, LOGIN_AT: settings.SESSION_ABSOLUTE_TIMEOUT + 1})
    assert not _is_logged_in(logged_in)


def test_expired_session_says_why_on_the_next_page(logged_in, settings):
    _age_session(logged_in, **{SEEN_AT: settings.SESSION_IDLE_TIMEOUT + 1})
    response = logged_in.get("/annonces/", follow=True, **HOST)
    assert "/compte/connexion/" in response.redirect_chain[-1][0]
    assert "session" in response.content.decode().lower()
