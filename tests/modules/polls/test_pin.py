"""An open poll the person has not answered is pinned above the feed (POL-1): on top of
the commune's home page and first in the API feed's ``pinned`` list, until they answer or
it closes (``receivers.feed_pin`` through ``core.signals.commune_feed_pins``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communes.models import CommunePage, NewsPage
from modules.polls.models import Poll
from tests.alerts import switch
from tests.factories import UserFactory
from tests.follows import pending
from tests.modules.polls.conftest import cast, open_poll
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
PIN = re.compile(r'<section class="poll-pin".*?</section>', re.S)


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user)
    return client


def pin_of(html: str) -> str:
    match = PIN.search(html)
    return match.group(0) if match else ""


def news_page(commune, title="Marché de Noël") -> NewsPage:
    home = CommunePage.objects.get(pk=commune.site.root_page_id)
    page = NewsPage(title=title, slug=title.lower().replace(" ", "-"), body="<p>Place.</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def feed(client, commune) -> dict:
    response = client.get(f"/api/v1/communes/{commune.slug}/feed/")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def poll(commune, staff):
    return open_poll(commune, staff, days=3)


# --- the home page -------------------------------------------------------------------


def test_the_home_page_pins_the_open_poll_above_the_news_until_answered(commune, poll, resident):
    news_page(commune)
    site = client_for(resident)
    html = site.get("/").content.decode()
    pin = pin_of(html)
    assert "Sondage de la mairie" in pin
    assert poll.question in pin
    assert "Répondre avant le" in pin
    assert f'href="/sondages/{poll.pk}/"' in pin
    assert html.index('class="poll-pin"') < html.index("Marché de Noël")
    cast(poll, [resident], "Oui")
    assert pin_of(site.get("/").content.decode()) == ""


def test_the_pin_goes_when_the_poll_closes(commune, poll, resident):
    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        assert pin_of(client_for(resident).get("/").content.decode()) == ""


def test_no_pin_for_visitors_pending_residents_staff_or_a_hidden_poll(
    commune, poll, resident, staff
):
    assert pin_of(client_for().get("/").content.decode()) == ""
    waiting = UserFactory()
    pending(waiting, commune)
    assert pin_of(client_for(waiting).get("/").content.decode()) == ""
    town_hall = Client(HTTP_HOST=HOST)
    verified_login(town_hall, staff)
    assert pin_of(town_hall.get("/").content.decode()) == ""  # staff do not vote
    Poll.objects.filter(pk=poll.pk).update(hidden_at=timezone.now())
    assert pin_of(client_for(resident).get("/").content.decode()) == ""


def test_no_pin_when_the_module_is_off(commune, poll, resident):
    switch(commune, "polls", False)
    assert pin_of(client_for(resident).get("/").content.decode()) == ""


# --- the API's feed ------------------------------------------------------------------


def test_the_feed_lists_the_pinned_polls_first(commune, staff, poll, resident):
    later_poll = open_poll(commune, staff, question="Un autre sondage", days=6)
    api = client_for(resident, host="testserver")
    data = feed(api, commune)
    assert [(p["module"], p["kind"], p["id"]) for p in data["pinned"]] == [
        ("polls", "poll.open", poll.pk),
        ("polls", "poll.open", later_poll.pk),
    ]
    first = data["pinned"][0]
    assert first["title"] == poll.question
    assert first["url"].endswith(f"/sondages/{poll.pk}/")
    assert first["url"].startswith("http")
    assert first["until"] is not None
    assert first["text"].startswith("Sondage de la mairie : répondre avant le")
    cast(poll, [resident], "Non")
    assert [p["id"] for p in feed(api, commune)["pinned"]] == [later_poll.pk]
    assert feed(Client(), commune)["pinned"] == []


def test_the_feed_with_pinned_polls_costs_the_same_queries_for_1_and_5_polls(
    commune, staff, poll, resident, django_assert_max_num_queries
):
    news_page(commune)
    api = client_for(resident, host="testserver")
    feed(api, commune)  # warm caches (content types, the module switches)
    with CaptureQueriesContext(connection) as one:
        assert len(feed(api, commune)["pinned"]) == 1
    for index in range(4):
        open_poll(commune, staff, question=f"Sondage {index}")
    with CaptureQueriesContext(connection) as five:
        assert len(feed(api, commune)["pinned"]) == 5
    assert len(five) == len(one)
    with django_assert_max_num_queries(len(one)):
        feed(api, commune)
