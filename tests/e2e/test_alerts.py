"""Alerts in a real browser (ALR-1, ALR-2, ALR-5).

A member of Intra-muros sends an alert from /alertes/envoyer/; a neighbour (another
member) logs in and finds it in a red banner at the top of the commune's home page
and in /alertes/, then reads it and the banner goes. The town hall then alerts every
resident (through the service, as the admin does); a resident in no community sees
the red banner on the home page, clicks "I have read it", and the banner is gone.

Locators use the pages' data attributes and the alerts' own text, so the test does
not depend on the French catalogue.
"""

from __future__ import annotations

import re

import pytest

from modules.alerts import services
from modules.alerts.models import Alert
from notifications.models import Notification
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
RED = "rgb(161, 22, 27)"  # .alert-banner's background
TEXT = "Démarcheur suspect rue des Lilas, il sonne à toutes les portes."
TOWN_HALL_TEXT = "Vigilance orange orages : rentrez les objets du jardin."


def logged_in(browser, site_url, person):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, site_url, HOST, person.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    return context, page


def test_a_member_alerts_and_a_neighbour_sees_the_red_banner(
    browser, page, site_url, live_server, alert_world
):
    w = alert_world

    # The member sends the alert from the site.
    log_in(page, site_url, HOST, w.member.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOST, "/alertes/envoyer/"))
    page.locator("select[name=category]").select_option("security")
    page.locator("textarea[name=text]").fill(TEXT)
    page.locator("input[name=confirm]").check()  # it cannot be taken back
    page.locator("[data-alert-send]").click()
    page.wait_for_url(re.compile(r"/alertes/\d+/$"))
    alert = Alert.objects.get()
    assert alert.community == w.here and alert.author == w.member and alert.source == "site"
    assert page.locator(f'[data-alert="{alert.pk}"]').is_visible()
    assert TEXT in page.locator(f'[data-alert="{alert.pk}"]').inner_text()
    # The author was not notified of their own alert: no banner for them.
    page.goto(site_url(HOST, "/"))
    assert page.locator(".alert-banner").count() == 0

    # A neighbour, another member of Intra-muros, in their own browser session.
    context, other = logged_in(browser, site_url, w.sms_member)
    try:
        other.goto(site_url(HOST, "/"))
        banner = other.locator(".alert-banner")
        assert banner.is_visible()
        assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == RED
        item = banner.locator(f'[data-alert="{alert.pk}"]')
        assert item.get_attribute("data-alert-kind") == "community"
        assert TEXT in item.inner_text()
        assert "Intra-muros" in item.inner_text()
        assert w.member.get_full_name() in item.inner_text()  # the real name (ACC-5)
        # The banner sits above the page's own heading.
        assert banner.bounding_box()["y"] < other.locator("h1").bounding_box()["y"]
        other.screenshot(path="/tmp/voisinage-alert-banner-community.png", full_page=True)

        # The list of alerts shows it too, and the banner is still above it (every page).
        other.goto(site_url(HOST, "/alertes/"))
        assert TEXT in other.locator(f'article[data-alert="{alert.pk}"]').inner_text()
        assert other.locator(f'.alert-banner [data-alert="{alert.pk}"]').is_visible()

        # "I have read it": back on the home page, the banner is gone.
        other.goto(site_url(HOST, "/"))
        other.locator(f'.alert-banner [data-alert="{alert.pk}"] [data-alert-read]').click()
        other.wait_for_load_state()
        assert other.locator(".alert-banner").count() == 0
        assert Notification.objects.get(recipient=w.sms_member, event=alert.event).read_at
    finally:
        context.close()


def test_the_town_hall_alerts_and_a_resident_reads_the_red_banner(
    browser, page, site_url, live_server, alert_world
):
    w = alert_world
    alert = services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="weather", text=TOWN_HALL_TEXT
    )

    log_in(page, site_url, HOST, w.resident.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOST, "/"))
    banner = page.locator(".alert-banner")
    assert banner.is_visible()
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    item = banner.locator(f'[data-alert="{alert.pk}"]')
    assert item.get_attribute("data-alert-kind") == "town-hall"
    assert TOWN_HALL_TEXT in item.inner_text()
    page.screenshot(path="/tmp/voisinage-alert-banner-town-hall.png", full_page=True)

    item.locator("[data-alert-read]").click()
    page.wait_for_url(site_url(HOST, "/"))
    assert page.locator(".alert-banner").count() == 0
    assert Notification.objects.get(recipient=w.resident, event=alert.event).read_at
    # Reading it is kept: the banner does not come back.
    page.reload()
    assert page.locator(".alert-banner").count() == 0
