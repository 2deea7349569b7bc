# ruff: noqa: F811  (pytest fixtures imported from test_site, used as arguments)
"""The red banner of unread alerts on every page of the commune's site and on top of
the app's feed, through the module contract (``core.signals.commune_site_banners``)."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from communes.models import CommunePage, NewsPage
from tests.alerts import switch
from tests.modules.alerts.test_site import alerts, no_rate_limits, town_hall  # noqa: F401

HOST = "saint-malo.localhost"
BANNER = re.compile(r'<section class="alert-banner".*?</section>', re.S)


def client_for(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def news_page(commune) -> NewsPage:
    home = CommunePage.objects.get(pk=commune.site.root_page_id)
    page = NewsPage(
        title="Marché de Noël", slug="marche-de-noel", body="<p>Place Chateaubriand.</p>"
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def banner_ids(body: str) -> set[int]:
    match = BANNER.search(body)
    return {int(pk) for pk in re.findall(r'data-alert="(\d+)"', match.group(0))} if match else set()


def test_the_banner_is_on_a_news_page_and_other_pages(alert_world, alerts):
    w = alert_world
    page = news_page(w.commune)
    client = client_for(w.sms_member)
    for path in (page.url, "/communautes/", "/notifications/"):
        body = client.get(path).content.decode()
        assert alerts["town_hall"].pk in banner_ids(body), path
    # Inside <main>, before the page's own content.
    body = client.get(page.url).content.decode()
    assert (
        body.index("<main") < body.index('class="alert-banner"') < body.index("Marché de Noël</h1>")
    )


def test_the_banner_appears_once_on_the_home_page(alert_world, alerts):
    body = client_for(alert_world.sms_member).get("/").content.decode()
    assert body.count('class="alert-banner"') == 1


def test_no_banner_when_the_module_is_off(alert_world, alerts):
    w = alert_world
    page = news_page(w.commune)
    switch(w.commune, "alerts", False)
    client = client_for(w.sms_member)
    assert 'class="alert-banner"' not in client.get(page.url).content.decode()
    assert 'class="alert-banner"' not in client.get("/").content.decode()
    switch(w.commune, "alerts", True)
    assert 'class="alert-banner"' in client.get(page.url).content.decode()


def test_a_news_page_costs_the_same_queries_with_one_or_many_unread_alerts(alert_world, alerts):
    w = alert_world
    page = news_page(w.commune)
    client = client_for(w.sms_member)
    client.get(page.url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        client.get(page.url)
    for i in range(3):
        town_hall(w, text=f"Coupure d’eau numéro {i}.")
    with CaptureQueriesContext(connection) as many:
        body = client.get(page.url).content.decode()
    assert len(banner_ids(body)) >= 4
    assert len(many) == len(one)


# --- the app's feed ---------------------------------------------------------------------------


def feed(client, commune):
    response = client.get(f"/api/v1/communes/{commune.slug}/feed/")
    assert response.status_code == 200
    return response.json()


def test_the_feed_carries_the_unread_alerts_on_top(alert_world, alerts):
    w = alert_world
    news_page(w.commune)
    client = Client()
    client.force_login(w.sms_member)
    data = feed(client, w.commune)
    assert list(data) == ["pinned", "banners", "news"]
    first = data["banners"][0]
    assert first["module"] == "alerts"
    assert first["kind"] == "alert.town_hall"
    assert first["id"] == alerts["town_hall"].pk
    assert first["text"] == alerts["town_hall"].text
    assert first["url"].endswith(f"/alertes/{alerts['town_hall'].pk}/")
    assert [item["title"] for item in data["news"]] == ["Marché de Noël"]
    # Read through the alerts API: gone from the feed.
    slug = w.commune.slug
    read = client.post(f"/api/v1/communes/{slug}/alerts/{alerts['town_hall'].pk}/read/")
    assert read.status_code == 200
    assert alerts["town_hall"].pk not in {b["id"] for b in feed(client, w.commune)["banners"]}


def test_a_visitor_gets_the_news_and_no_banner(alert_world, alerts):
    data = feed(Client(), alert_world.commune)
    assert data["banners"] == []


def test_the_feed_has_no_banner_when_the_module_is_off(alert_world, alerts):
    w = alert_world
    client = Client()
    client.force_login(w.sms_member)
    switch(w.commune, "alerts", False)
    assert feed(client, w.commune)["banners"] == []


def test_the_feed_queries_do_not_grow_with_the_alerts(alert_world, alerts):
    w = alert_world
    news_page(w.commune)
    client = Client()
    client.force_login(w.sms_member)
    feed(client, w.commune)
    with CaptureQueriesContext(connection) as one:
        feed(client, w.commune)
    for i in range(3):
        town_hall(w, text=f"Coupure d’eau numéro {i}.")
    with CaptureQueriesContext(connection) as many:
        assert len(feed(client, w.commune)["banners"]) >= 4
    assert len(many) == len(one)


def test_an_unknown_commune_has_no_feed(db):
    assert Client().get("/api/v1/communes/nulle-part/feed/").status_code == 404
