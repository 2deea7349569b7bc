"""Phones (320–390 px): every entry of the main navigation is on screen and no page
scrolls sideways, on both themes (Saint-Malo: default, Cocody: bocage)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tests.communities import COCODY, SAINT_MALO, join, make_community, offset, person_at
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


def resident_on(commune, center, host_slug: str):
    """A member of a community with both phone numbers, logged into its commune's site."""
    community = make_community(commune, center, name="Les Voisins du Port")
    return join(
        community,
        person_at(
            commune,
            offset(center, 20, 20),
            email=f"maelle@{host_slug}.example",
            first_name="Maëlle",
            last_name="Le Bihan-Kerjean",
            mobile="+33611223344" if commune.country == "FR" else "+2250701020304",
            landline="+33299404040" if commune.country == "FR" else "+2252722441010",
        ),
    )


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("host", HOSTS)
def test_preferences_and_profile_fit_a_phone(
    phone, site_url, live_server, commune, other_commune, host, width
):
    where = commune if host == HOSTS[0] else other_commune
    center = SAINT_MALO if host == HOSTS[0] else COCODY
    resident = resident_on(where, center, where.slug)
    page = phone(width)
    log_in(page, site_url, host, resident.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    for path in ("/notifications/preferences/", "/compte/profil/"):
        page.goto(site_url(host, path))
        entries = page.evaluate(NAV_ON_SCREEN)
        assert entries and all(entry["inside"] for entry in entries), (host, path, entries)
        assert no_sideways_scroll(page), (host, path, width)
        page.screenshot(
            path=f"/tmp/voisinage-{where.slug}{path.replace('/', '-')}{width}.png", full_page=True
        )


def test_each_preference_control_is_named_with_its_rubric(
    phone, site_url, live_server, commune, other_commune
):
    """A screen reader user hears "Annonces : Fréquence", not five bare "Fréquence"."""
    from notifications.selectors import offered_preferences

    resident = resident_on(commune, SAINT_MALO, commune.slug)
    with translation.override("fr"):
        rubrics = [(c.rubric.key, str(c.rubric.label)) for c in offered_preferences(resident)]
    labels = [label for _key, label in rubrics]
    assert len(rubrics) >= 5 and len(set(labels)) == len(labels)
    page = phone(320)
    log_in(page, site_url, HOSTS[0], resident.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOSTS[0], "/notifications/preferences/"))
    for key, rubric in rubrics:
        # One group per rubric, named by its legend (the rubric, and "Toujours actives").
        group = page.get_by_role("group", name=re.compile(rf"^{re.escape(rubric)}(\s|$)"))
        assert group.count() == 1, rubric
        assert group.get_attribute("data-rubric") == key
        for role, control in (
            ("combobox", "Fréquence"),
            ("checkbox", "Par e-mail aussi"),
            ("checkbox", "Push sur l’application"),
        ):
            named = page.get_by_role(role, name=f"{rubric} : {control}", exact=True)
            assert named.count() == 1, (rubric, control)
            assert named.is_visible(), (rubric, control)
            assert group.get_by_role(role, name=f"{rubric} : {control}", exact=True).count() == 1
    names = page.evaluate(
        """() => [...document.querySelectorAll('.preferences select, .preferences input')]
        .map(el => el.labels[0].textContent.replace(/\\s+/g, ' ').trim())"""
    )
    # Three controls per rubric (alerts add their SMS switch), each name unique and led by
    # its rubric.
    assert len(names) >= 3 * len(rubrics) and len(set(names)) == len(names), names
    assert all(any(name.startswith(f"{label} : ") for label in labels) for name in names), names
