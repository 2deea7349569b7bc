"""Phones (320–390 px): every entry of the main navigation is on screen and no page
scrolls sideways, on both themes (Saint-Malo: default, Cocody: bocage)."""

from __future__ import annotations

import re

import pytest

from tests.communities import make_community
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

HOSTS = ("saint-malo.localhost", "cocody.localhost")

NAV_ON_SCREEN = """() => [...document.querySelectorAll('.site-nav a')].map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent.trim(), inside: r.width > 0 && r.left >= 0
    && r.right <= window.innerWidth && getComputedStyle(a).visibility !== 'hidden'};
})"""


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phone(browser):
    contexts = []

    def build(width: int):
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield build
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("host", HOSTS)
def test_every_nav_entry_is_on_screen_and_nothing_scrolls_sideways(
    phone, site_url, live_server, commune, other_commune, host, width
):
    page = phone(width)
    for path in ("/", "/communautes/", "/compte/connexion/"):
        page.goto(site_url(host, path))
        entries = page.evaluate(NAV_ON_SCREEN)
        names = [entry["text"] for entry in entries]
        assert "Alertes" in names and "Communautés" in names, (host, path, names)
        assert all(entry["inside"] for entry in entries), (host, path, width, entries)
        assert no_sideways_scroll(page), (host, path, width)


@pytest.mark.parametrize("width", [320, 390])
def test_a_logged_in_resident_home_page_fits_a_phone(
    phone, site_url, live_server, commune, other_commune, width
):
    make_community(commune, name="Intra-muros")
    resident = validated(UserFactory(first_name="Maëlle", last_name="Le Bihan-Kerjean"), commune)
    page = phone(width)
    log_in(page, site_url, HOSTS[0], resident.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOSTS[0], "/"))
    assert all(entry["inside"] for entry in page.evaluate(NAV_ON_SCREEN))
    assert no_sideways_scroll(page)
    page.screenshot(path=f"/tmp/voisinage-home-{width}.png", full_page=True)
