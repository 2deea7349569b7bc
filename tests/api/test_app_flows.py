"""The apps' flows walked over HTTP only (issue 20, "How it is checked").

A person registers, confirms their address, gets a token, resets a forgotten password,
logs in again, follows the commune (its town hall validates them through its own API),
joins a community (its référent accepts through the API), reads the community's gazette
and sends an alert, which they then find in the list. Every step is an HTTP request made
with ``requests`` to pytest-django's ``live_server``, as an app would make it, with the
commune's host name in the ``Host`` header; "the e-mail" is ``django.core.mail.outbox``
(the live server runs in this process). The setup (a commune with its modules on, a
community and its référent, a town hall's staff member and their token) uses factories.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import requests
from django.core import mail
from django.core.cache import cache

from accounts.models import DeviceToken
from gazette.models import Category
from tests.alerts import switch
from tests.communities import SAINT_MALO, make_community, offset, referent_of
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
EMAIL = "awa.kone@example.org"
FIRST_PASSWORD = "Remparts-2026-marée"
NEW_PASSWORD = "un tout nouveau mot de passe 2026"
HOME = offset(SAINT_MALO, 35, -25)  # inside the community's square
VERIFY_LINK = re.compile(r"https?://[^/\s]+/compte/verifier/([^/\s]+)/([^/\s]+)/")
RESET_LINK = re.compile(r"https?://[^/\s]+/compte/mot-de-passe/nouveau/([^/\s]+)/([^/\s]+)/")


class App:
    """An app talking to the live server: JSON, French, the commune's host, a token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Host": HOST, "Accept-Language": "fr"})
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def call(self, method: str, path: str, expected: int, **kwargs) -> dict | list | None:
        response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        assert response.status_code == expected, (method, path, response.text[:2000])
        return response.json() if response.content else None

    def get(self, path: str, expected: int = 200, **kwargs):
        return self.call("GET", path, expected, **kwargs)

    def post(self, path: str, data: dict | None = None, expected: int = 200):
        return self.call("POST", path, expected, json=data or {})


def last_link(pattern: re.Pattern[str], to: str) -> tuple[str, str]:
    """The (uid, token) of the last e-mail to ``to`` whose body holds a ``pattern`` link."""
    for message in reversed(mail.outbox):
        found = pattern.search(str(message.body))
        if message.to == [to] and found:
            return found.group(1), found.group(2)
    raise AssertionError(f"no such e-mail to {to}: {[m.subject for m in mail.outbox]}")


@pytest.fixture
def world(commune):
    """Saint-Malo with alerts and the gazette on, Intra-muros and its référent, and a
    town hall councillor who validates residents (with an API token, as staff log in
    with a second factor)."""
    cache.clear()  # the DRF throttles count in the cache
    switch(commune, "alerts", True)
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    councillor = grant(commune, UserFactory(first_name="Yves", last_name="Morvan")).user
    _token, staff_token = DeviceToken.issue(user=councillor, name="Mairie")
    referent = referent_of(community)
    yield SimpleNamespace(
        commune=commune, community=community, referent=referent, staff_token=staff_token
    )
    cache.clear()


def test_register_verify_reset_follow_join_read_and_alert(live_server, world, fake_geocoder):
    anonymous = App(live_server.url)

    # 1. Register: the account waits for its address to be confirmed.
    profile = anonymous.post(
        "/api/v1/accounts/register/",
        {
            "email": EMAIL,
            "password": FIRST_PASSWORD,
            "first_name": "Awa",
            "last_name": "Koné",
            "address": "3 rue de Dinan, 35400 Saint-Malo",
            "longitude": HOME[0],
            "latitude": HOME[1],
        },
        expected=201,
    )
    assert profile["email_verified"] is False
    credentials = {"email": EMAIL, "password": FIRST_PASSWORD, "device_name": "Tecno Spark"}
    anonymous.post("/api/v1/auth/tokens/", credentials, expected=400)

    # 2. Confirm the address with the uid and token of the e-mailed link.
    uid, token = last_link(VERIFY_LINK, EMAIL)
    anonymous.post("/api/v1/accounts/verify/", {"uid": uid, "token": token}, expected=204)

    # 3. A token for the device.
    first_key = anonymous.post("/api/v1/auth/tokens/", credentials, expected=201)["key"]
    first_device = App(live_server.url, first_key)
    assert first_device.get("/api/v1/me/")["email_verified"] is True

    # 4. Forgotten password: the site's e-mail, its link's uid and token posted back.
    mail.outbox.clear()
    asked = anonymous.post("/api/v1/accounts/password-reset/", {"email": EMAIL}, expected=202)
    assert asked == anonymous.post(
        "/api/v1/accounts/password-reset/", {"email": "personne@example.org"}, expected=202
    )
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert f"http://{HOST}" in mail.outbox[0].body
    uid, token = last_link(RESET_LINK, EMAIL)
    anonymous.post(
        "/api/v1/accounts/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        expected=204,
    )
    first_device.get("/api/v1/me/", expected=401)  # the old token ended with the reset
    anonymous.post("/api/v1/auth/tokens/", credentials, expected=400)

    # 5. Log in again with the new password.
    credentials["password"] = NEW_PASSWORD
    key = anonymous.post("/api/v1/auth/tokens/", credentials, expected=201)["key"]
    me = App(live_server.url, key)

    # 6. Follow the commune; its town hall validates the request through its API.
    follow = me.post("/api/v1/me/follows/", {"commune": "saint-malo"}, expected=201)
    assert follow["status"] == "pending"
    town_hall = App(live_server.url, world.staff_token)
    pending = town_hall.get("/api/v1/communes/saint-malo/follows/", params={"status": "pending"})
    assert [item["id"] for item in pending["results"]] == [follow["id"]]
    decided = town_hall.post(
        f"/api/v1/communes/saint-malo/follows/{follow['id']}/decision/", {"accept": True}
    )
    assert decided["status"] == "validated"
    mine = me.get("/api/v1/me/follows/")
    assert [(f["commune"]["slug"], f["status"]) for f in mine["results"]] == [
        ("saint-malo", "validated")
    ]

    # 7. Find the community covering home, ask to join; its référent accepts.
    covering = me.get("/api/v1/communities/covering/", params={"lon": HOME[0], "lat": HOME[1]})
    community_id = covering["id"]
    assert community_id == world.community.pk
    me.post(f"/api/v1/communities/{community_id}/membership-requests/", expected=201)
    me.get(f"/api/v1/communities/{community_id}/gazette/", expected=404)  # not a member yet
    referent = App(
        live_server.url,
        anonymous.post(
            "/api/v1/auth/tokens/",
            {"email": world.referent.email, "password": PASSWORD, "device_name": "Fairphone"},
            expected=201,
        )["key"],
    )
    requests_ = referent.get(f"/api/v1/communities/{community_id}/membership-requests/")
    items = requests_["results"] if isinstance(requests_, dict) else requests_
    assert len(items) == 1
    referent.post(
        f"/api/v1/communities/{community_id}/membership-requests/{items[0]['id']}/decision/",
        {"accept": True},
    )
    mine = me.get("/api/v1/me/community/")
    assert (mine["status"], mine["community"]["id"]) == ("member", community_id)

    # 8. Read the community's gazette: the référent's welcome post is there.
    post = referent.post(
        f"/api/v1/communities/{community_id}/gazette/",
        {
            "category": Category.INFORMATION,
            "title": "Bienvenue",
            "body": "Fête des voisins samedi au square.",
        },
        expected=201,
    )
    gazette = me.get(f"/api/v1/communities/{community_id}/gazette/")
    assert [(p["id"], p["title"]) for p in gazette["results"]] == [(post["id"], "Bienvenue")]

    # 9. Send an alert to the community, then find it in the list.
    alert = me.post(
        "/api/v1/communes/saint-malo/alerts/",
        {"confirm": True, "text": "Démarcheur suspect rue de Dinan.", "category": "security"},
        expected=201,
    )
    assert alert["text"] == "Démarcheur suspect rue de Dinan."
    assert alert["community"]["id"] == community_id
    listed = me.get("/api/v1/communes/saint-malo/alerts/")
    assert [item["id"] for item in listed["results"]] == [alert["id"]]
