"""A visitor opens two communes' sites, each on its own host name and in its own theme."""

from __future__ import annotations

import datetime

import pytest
from wagtail.models import Page, Site

from communes.models import NewsPage, PortalPage

pytestmark = pytest.mark.django_db(transaction=True)


def add_news(commune, title: str, slug: str, date: datetime.date, intro: str = "") -> NewsPage:
    news = NewsPage(
        title=title, slug=slug, intro=intro, date=date, body=f"<p>{title} : tous les détails.</p>"
    )
    commune.site.root_page.add_child(instance=news)
    return news


@pytest.fixture
def two_communes(commune, other_commune):
    commune.theme = "bocage"
    commune.contact_address = "Place Chateaubriand\n35400 Saint-Malo"
    commune.contact_email = "mairie@saint-malo.example"
    commune.contact_phone = "+33299404040"
    commune.opening_hours = "Du lundi au vendredi, de 8 h 30 à 17 h 30"
    commune.save()
    home = commune.site.root_page.specific
    home.intro = "<p>Bienvenue sur le site de la ville de Saint-Malo.</p>"
    home.save_revision().publish()
    add_news(
        commune,
        "Marché de Noël sur la place",
        "marche-de-noel",
        datetime.date(2025, 12, 1),
        "Chalets, artisans et vin chaud du 1er au 24 décembre.",
    )
    add_news(
        commune,
        "Travaux rue de Dinan",
        "travaux-rue-de-dinan",
        datetime.date(2026, 1, 15),
        "La circulation est alternée jusqu'au 30 janvier.",
    )
    add_news(commune, "Fête de la musique", "fete-de-la-musique", datetime.date(2025, 6, 21))

    other_commune.contact_email = "mairie@cocody.example"
    other_commune.opening_hours = "Du lundi au vendredi, de 7 h 30 à 16 h"
    other_commune.save()
    add_news(
        other_commune,
        "Campagne de salubrité",
        "salubrite",
        datetime.date(2026, 3, 2),
        "Grand nettoyage des caniveaux avant la saison des pluies.",
    )
    add_news(other_commune, "Recensement 2026", "recensement", datetime.date(2026, 2, 10))
    return commune, other_commune


def stylesheets(page) -> list[str]:
    return page.eval_on_selector_all("link[rel=stylesheet]", "els => els.map(e => e.href)")


def loaded_rules(page) -> int:
    """Number of CSS rules the browser actually loaded (0 if a stylesheet failed)."""
    return page.evaluate(
        "() => [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)"
    )


def test_each_commune_site_shows_its_own_name_news_and_theme(page, site_url, two_communes):
    # Saint-Malo, in the bocage theme.
    page.goto(site_url("saint-malo.localhost"))
    assert page.locator("h1").inner_text() == "Saint-Malo"
    assert "Saint-Malo" in page.title()
    titles = page.locator(".news-grid .card__title").all_inner_texts()
    assert titles == ["Travaux rue de Dinan", "Marché de Noël sur la place", "Fête de la musique"]
    assert "Campagne de salubrité" not in page.content()
    malo_sheets = stylesheets(page)
    assert any(s.endswith("/static/themes/bocage/css/theme.css") for s in malo_sheets)
    assert loaded_rules(page) > 50
    malo_header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert page.get_by_role("contentinfo").get_by_text("mairie@saint-malo.example").is_visible()
    page.screenshot(path="/tmp/voisinage-saint-malo-bocage.png", full_page=True)

    # Cocody, in the default theme.
    page.goto(site_url("cocody.localhost"))
    assert page.locator("h1").inner_text() == "Cocody"
    titles = page.locator(".news-list .card__title").all_inner_texts()
    assert titles == ["Campagne de salubrité", "Recensement 2026"]
    assert "Marché de Noël" not in page.content()
    cocody_sheets = stylesheets(page)
    assert any(s.endswith("/static/themes/default/css/theme.css") for s in cocody_sheets)
    assert not any("/themes/bocage/" in s for s in cocody_sheets)
    assert loaded_rules(page) > 50
    cocody_header = page.locator(".site-header").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert malo_header != cocody_header
    page.screenshot(path="/tmp/voisinage-cocody-default.png", full_page=True)


def test_visitor_reads_a_news_item_and_uses_the_skip_link(page, site_url, two_communes):
    page.goto(site_url("saint-malo.localhost"))
    page.get_by_role("link", name="Travaux rue de Dinan").click()
    page.wait_for_url("**/travaux-rue-de-dinan/")
    assert page.locator("h1").inner_text() == "Travaux rue de Dinan"
    assert page.get_by_text("Travaux rue de Dinan : tous les détails.").is_visible()
    page.screenshot(path="/tmp/voisinage-saint-malo-news.png", full_page=True)

    # The first Tab reaches the skip link, which becomes visible and leads to <main>.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.screenshot(path="/tmp/voisinage-skip-link-focus.png")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"


def test_login_page_in_the_default_theme(page, site_url, two_communes):
    page.goto(site_url("cocody.localhost", "/compte/connexion/"))
    assert page.locator("form.form input[name=username]").is_visible()
    assert page.locator("label[for=id_username]").is_visible()
    assert page.locator("label[for=id_password]").is_visible()
    page.screenshot(path="/tmp/voisinage-cocody-login.png", full_page=True)


def test_platform_home_links_to_each_commune_site(page, site_url, two_communes):
    portal = PortalPage(
        title="Voisinage",
        slug="portail",
        intro="<p>Les sites des communes hébergées par la plateforme.</p>",
    )
    Page.get_first_root_node().add_child(instance=portal)
    if not Site.objects.filter(is_default_site=True).update(root_page=portal):
        Site.objects.create(hostname="localhost", root_page=portal, is_default_site=True)

    page.goto(site_url("localhost"))
    assert page.locator("h1").inner_text() == "Voisinage"
    page.screenshot(path="/tmp/voisinage-portal.png", full_page=True)
    page.get_by_role("link", name="Cocody").click()
    page.wait_for_url(site_url("cocody.localhost"))
    assert page.locator("h1").inner_text() == "Cocody"
