"""NOT-1 in a real browser: the header's unread count drops as the person reads.

Two notifications wait for a validated resident; the header shows 2. Opening one
from the centre leads to its content and the header shows 1; "mark all as read"
brings it to 0 and the badge disappears.
"""

import pytest
from django.contrib.auth import get_user_model

from notifications.fanout import publish
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_unread_count_drops_after_reading(browser, page, site_url, live_server, commune):
    person = validated(UserFactory(email="lea@example.org", first_name="Léa"), commune)
    audience = get_user_model().objects.filter(pk=person.pk)
    for title in ("Travaux rue Saint-Vincent", "Marché de Noël samedi"):
        publish("commune.news", audience=audience, commune=commune, title=title, url="/")

    log_in(page, site_url, HOST, person.email, PASSWORD)
    bell = page.locator(".account__notifications")
    # The two news and the town hall's "your registration is validated".
    assert bell.get_attribute("data-unread") == "3"

    bell.click()
    page.wait_for_url("**/notifications/")
    first = page.locator(".notification--unread").first
    assert "Marché de Noël samedi" in first.inner_text()  # newest first
    first.locator(".notification__title").click()
    page.wait_for_load_state()
    assert page.locator(".account__notifications").get_attribute("data-unread") == "2"

    page.goto(site_url(HOST, "/notifications/"))
    page.locator("form[action$='/tout-lu/'] button").click()
    page.wait_for_url("**/notifications/")
    assert page.locator(".account__notifications").get_attribute("data-unread") == "0"
    assert page.locator("[data-unread-badge]").count() == 0
    assert page.locator(".notification--unread").count() == 0
