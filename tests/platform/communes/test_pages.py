"""The CMS pages as visitors get them, on each commune's host name, in its theme."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils.text import slugify
from wagtail.models import Page, Site

from communes.models import NewsPage, PortalPage

SAINT_MALO = "saint-malo.localhost"
COCODY = "cocody.localhost"


def add_news(commune, title: str, date: datetime.date, *, intro: str = "", slug=None):
    home = commune.site.root_page
    news = NewsPage(
        title=title,
        slug=slug or slugify(title),
        body=f"<p>Texte de « {title} ».</p>",
        intro=intro,
        date=date,
    )
    home.add_child(instance=news)
    return news


def get(path: str, host: str, **extra):
    return Client().get(path, HTTP_HOST=host, **extra)


@pytest.fixture
def news(commune):
    return [
        add_news(
            commune, "Marché de Noël", datetime.date(2025, 12, 1), intro="Place Chateaubriand."
        ),
        add_news(commune, "Travaux rue de Dinan", datetime.date(2026, 1, 15)),
        add_news(commune, "Fête de la musique", datetime.date(2025, 6, 21)),
    ]


def test_home_lists_news_newest_first(commune, news):
    response = get("/", SAINT_MALO)
    assert response.status_code == 200
    html = response.content.decode()
    positions = [
        html.index(title)
        for title in ("Travaux rue de Dinan", "Marché de Noël", "Fête de la musique")
    ]
    assert positions == sorted(positions)
    assert "Place Chateaubriand." in html  # the summary
    assert 'datetime="2026-01-15"' in html
    assert 'href="/travaux-rue-de-dinan/"' in html


def test_each_commune_shows_only_its_own_news(commune, other_commune, news):
    add_news(other_commune, "Saison des pluies", datetime.date(2026, 5, 2))

    malo = get("/", SAINT_MALO).content.decode()
    cocody = get("/", COCODY).content.decode()

    assert "Saint-Malo" in malo and "Marché de Noël" in malo
    assert "Saison des pluies" not in malo
    assert "Cocody" in cocody and "Saison des pluies" in cocody
    assert "Marché de Noël" not in cocody


def test_default_theme_has_landmarks_skip_link_and_stylesheets(commune, news):
    html = get("/", SAINT_MALO).content.decode()

    assert re.search(r'<html lang="(fr|en)"', html)
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'class="skip-link" href="#main"' in html
    assert "/static/themes/default/css/theme.css" in html
    assert "/static/themes/default/css/site.css" in html
    assert "home--classic" in html
    assert "/static/themes/bocage/" not in html


def test_header_has_login_link_and_language_switcher(commune):
    html = get("/", SAINT_MALO).content.decode()
    assert 'href="/compte/connexion/"' in html
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language"' in html and 'for="language-select"' in html


def test_logged_in_visitor_logs_out_with_a_post_form(commune, resident):
    client = Client()
    client.force_login(resident)
    html = client.get("/", HTTP_HOST=SAINT_MALO).content.decode()
    assert re.search(r'<form method="post" action="/compte/deconnexion/">', html)
    assert 'href="/compte/connexion/"' not in html


def test_footer_shows_the_commune_contact_details(commune):
    commune.contact_address = "Place Chateaubriand\n35400 Saint-Malo"
    commune.contact_email = "mairie@saint-malo.example"
    commune.contact_phone = "+33299404040"
    commune.opening_hours = "Du lundi au vendredi, 8h30–17h30"
    commune.save()

    html = get("/", SAINT_MALO).content.decode()
    footer = html[html.index("<footer") :]
    assert "Place Chateaubriand<br>35400 Saint-Malo" in footer
    assert 'href="mailto:mairie@saint-malo.example"' in footer
    assert 'href="tel:+33299404040"' in footer
    assert "8h30–17h30" in footer


def test_bocage_commune_gets_the_bocage_layout_and_colours(commune, other_commune, news):
    commune.theme = "bocage"
    commune.save()

    html = get("/", SAINT_MALO).content.decode()
    assert "/static/themes/bocage/css/theme.css" in html
    assert "/static/themes/default/css/site.css" in html  # layout shared with the default
    assert "home--bocage" in html and 'class="hero"' in html
    assert 'class="news-grid"' in html
    assert "site-header--bocage" in html  # the bocage header partial
    assert "Marché de Noël" in html

    # The other commune keeps the default theme in the same process.
    other = get("/", COCODY).content.decode()
    assert "/static/themes/default/css/theme.css" in other
    assert "home--classic" in other and "home--bocage" not in other
    assert "site-header--bocage" not in other


def test_news_page_renders(commune, news):
    response = get("/marche-de-noel/", SAINT_MALO)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Marché de Noël</h1>" in html
    assert "<p>Texte de « Marché de Noël ».</p>" in html
    assert 'datetime="2025-12-01"' in html
    assert "<title>Marché de Noël · Saint-Malo</title>" in html


def test_news_page_of_another_commune_is_not_found(commune, other_commune, news):
    response = get("/marche-de-noel/", COCODY)
    assert response.status_code == 404
    assert 'class="skip-link"' in response.content.decode()  # the themed 404 page


def test_standard_page_renders(commune):
    from communes.models import StandardPage

    commune.site.root_page.add_child(
        instance=StandardPage(title="Services", slug="services", body="<p>État civil</p>")
    )
    response = get("/services/", SAINT_MALO)
    assert response.status_code == 200
    assert "<p>État civil</p>" in response.content.decode()


def test_login_page_has_labelled_fields(commune):
    response = get("/compte/connexion/", SAINT_MALO, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'type="submit"' in html


@pytest.fixture
def portal(db):
    portal = PortalPage(title="Voisinage", slug="portail", intro="<p>Les communes hébergées.</p>")
    Page.get_first_root_node().add_child(instance=portal)
    updated = Site.objects.filter(is_default_site=True).update(root_page=portal)
    if not updated:
        Site.objects.create(hostname="localhost", port=80, root_page=portal, is_default_site=True)
    return portal


def test_platform_host_renders_the_portal(portal, commune, other_commune):
    response = get("/", "localhost")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les communes hébergées." in html
    assert 'href="//saint-malo.localhost/"' in html
    assert 'href="//cocody.localhost/"' in html
    assert "<nav" in html and "<footer" in html


def test_portal_links_keep_the_request_port(portal, commune):
    html = get("/", "localhost:8000", SERVER_PORT="8000").content.decode()
    assert 'href="//saint-malo.localhost:8000/"' in html
