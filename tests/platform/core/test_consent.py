"""Cookie consent (ACC-14): necessary cookies only until the person chooses; the choice is kept."""

from __future__ import annotations

import datetime
import re
import time
from html import unescape
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.rich_text import expand_db_html

from communes.models import NewsPage
from core import consent
from tests.platform.core.test_themes import THEMES_DIR, custom_properties

SAINT_MALO = "saint-malo.localhost"
NECESSARY = {cookie.name for cookie in consent.necessary_cookies()}
COOKIE = consent.DEFAULT_COOKIE_NAME

VIDEO_URL = "https://www.youtube.com/watch?v=Xk2m7v4Lh0c"
IFRAME_SRC = "https://www.youtube.com/embed/Xk2m7v4Lh0c?feature=oembed"


@pytest.fixture
def visitor():
    """An anonymous visitor of Saint-Malo's site, whose browser asks for French."""
    return Client(HTTP_HOST=SAINT_MALO, HTTP_ACCEPT_LANGUAGE="fr")


def html_of(response) -> str:
    return unescape(response.content.decode())


def has_banner(response) -> bool:
    return "data-consent-banner" in response.content.decode()


def choose(visitor, action: str, next_url: str = "/", **data):
    return visitor.post("/cookies/", {"action": action, "next": next_url, **data})


def stored_consent(visitor) -> consent.Consent:
    """What the server reads from the visitor's consent cookie."""
    request = RequestFactory().get("/")
    request.COOKIES = {name: morsel.value for name, morsel in visitor.cookies.items()}
    return consent.get_consent(request)


# --- First visit: necessary cookies only, and the banner -------------------------------


def test_the_consent_cookie_is_declared_as_necessary():
    assert {"sessionid", "csrftoken", "django_language", COOKIE, "messages"} == NECESSARY


def test_a_first_visit_sets_only_necessary_cookies(visitor, commune):
    response = visitor.get("/")
    assert response.status_code == 200
    assert set(response.cookies) <= NECESSARY
    assert COOKIE not in response.cookies  # only set once the person chooses
    assert COOKIE not in visitor.cookies
    assert "Cookie" in response["Vary"]


def test_the_banner_is_shown_in_french_until_a_choice(visitor, commune):
    for _ in range(2):
        response = visitor.get("/")
        assert has_banner(response)
    html = html_of(response)
    assert 'role="region"' in html and 'aria-labelledby="consent-banner-title"' in html
    assert "Vos choix sur les cookies" in html
    assert "Vidéos et contenus d’autres sites (YouTube, Vimeo…)" in html
    for button in ("Tout accepter", "Tout refuser", "Personnaliser"):
        assert button in html
    assert 'href="/cookies/?next=/"' in html
    # The banner comes right after the skip link, before the header.
    assert html.index("skip-link") < html.index("data-consent-banner") < html.index("site-header")
    assert "/static/themes/default/css/consent.css" in html
    assert "/static/themes/default/js/consent.js" in html

    choose(visitor, "refuse_all")
    assert not has_banner(visitor.get("/"))


def test_the_footer_links_to_the_cookie_settings_on_every_page(visitor, commune):
    choose(visitor, "refuse_all")
    html = html_of(visitor.get("/"))
    assert '<a href="/cookies/">Gestion des cookies</a>' in html


def test_the_banner_is_also_shown_in_the_bocage_theme(visitor, commune):
    commune.theme = "bocage"
    commune.save()
    html = html_of(visitor.get("/"))
    assert "site-header--bocage" in html and "data-consent-banner" in html
    assert "/static/themes/default/css/consent.css" in html


# --- Each choice is remembered ---------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "ticked", "embeds"),
    [
        ("accept_all", [], True),
        ("refuse_all", [], False),
        ("refuse_all", ["embeds"], False),  # refusing everything ignores the switches
        ("save", ["embeds"], True),
        ("save", [], False),
    ],
)
def test_each_choice_is_remembered(visitor, commune, action, ticked, embeds):
    response = choose(visitor, action, purposes=ticked)
    assert response.status_code == 302
    assert response["Location"] == "/"

    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == consent.max_age()
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
    assert not cookie["secure"]  # tests run without HTTPS; see the next test

    stored = stored_consent(visitor)
    assert stored.given and stored.complete
    assert stored.granted("embeds") is embeds
    assert stored.date == timezone.localdate()

    page = visitor.get("/")
    assert not has_banner(page)
    cookies_page = html_of(visitor.get("/cookies/"))
    checked = 'value="embeds" aria-describedby="consent-embeds-help" checked' in cookies_page
    assert checked is embeds


def test_the_cookie_lasts_six_months_and_is_secure_when_sessions_are(visitor, commune):
    assert consent.DEFAULT_MAX_AGE == 182 * 24 * 3600
    assert consent.max_age() == consent.DEFAULT_MAX_AGE
    with override_settings(SESSION_COOKIE_SECURE=True):  # as in production.py
        response = choose(visitor, "refuse_all")
    assert response.cookies[COOKIE]["secure"] is True
    assert response.cookies[COOKIE]["max-age"] == consent.DEFAULT_MAX_AGE


@override_settings(CONSENT_MAX_AGE=3600)
def test_consent_max_age_is_a_setting(visitor, commune):
    response = choose(visitor, "accept_all")
    assert response.cookies[COOKIE]["max-age"] == 3600


def test_a_new_choice_replaces_the_old_one(visitor, commune):
    choose(visitor, "accept_all")
    assert stored_consent(visitor).granted("embeds")
    choose(visitor, "save", purposes=[])
    assert not stored_consent(visitor).granted("embeds")


def test_a_choice_is_confirmed_without_javascript(visitor, commune):
    response = visitor.post("/cookies/", {"action": "refuse_all", "next": "/"}, follow=True)
    assert "Vos choix ont été enregistrés." in html_of(response)


def test_fetch_gets_json_and_the_same_cookie(visitor, commune):
    response = visitor.post(
        "/cookies/",
        {"action": "accept_all", "next": "/"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["purposes"] == {"embeds": True}
    assert data["banner"] is False
    assert data["message"].startswith("Vos choix ont été enregistrés.")
    assert COOKIE in response.cookies and "messages" not in response.cookies
    assert stored_consent(visitor).granted("embeds")


def test_an_unknown_choice_is_refused(visitor, commune):
    assert choose(visitor, "accept_everything").status_code == 400
    assert choose(visitor, "grant", purpose="tracking").status_code == 400
    assert COOKIE not in visitor.cookies


def test_the_form_is_csrf_protected(commune):
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=SAINT_MALO)
    response = browser.post("/cookies/", {"action": "accept_all"})
    assert response.status_code == 403
    assert COOKIE not in response.cookies

    browser.get("/")  # the banner's form carries the token
    token = browser.cookies["csrftoken"].value
    response = browser.post("/cookies/", {"action": "accept_all", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert COOKIE in response.cookies


# --- Invalid, expired and outdated choices --------------------------------------------


def test_a_tampered_cookie_brings_the_banner_back(visitor, commune):
    choose(visitor, "refuse_all")
    value = visitor.cookies[COOKIE].value
    payload, rest = value.split(":", 1)
    # Claim consent to everything while keeping the old signature.
    forged = consent._encode(consent.Consent.from_choices({"embeds": True}))
    visitor.cookies[COOKIE] = f"{forged}:{rest}"
    assert forged != payload
    assert has_banner(visitor.get("/"))
    assert not stored_consent(visitor).given

    visitor.cookies[COOKIE] = forged  # unsigned
    assert has_banner(visitor.get("/"))
    visitor.cookies[COOKIE] = "garbage"
    assert has_banner(visitor.get("/"))


def test_an_expired_choice_brings_the_banner_back(visitor, commune):
    choose(visitor, "accept_all")
    later = time.time() + consent.max_age() + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = visitor.get("/")
        assert has_banner(response)
        assert not stored_consent(visitor).granted("embeds")
    almost = time.time() + consent.max_age() - 3600
    with mock.patch("django.core.signing.time.time", return_value=almost):
        assert not has_banner(visitor.get("/"))


def test_a_choice_under_another_policy_version_brings_the_banner_back(visitor, commune):
    choose(visitor, "accept_all")
    with override_settings(CONSENT_VERSION=2):
        assert has_banner(visitor.get("/"))
        assert not stored_consent(visitor).granted("embeds")
        choose(visitor, "refuse_all")
        assert not has_banner(visitor.get("/"))


def test_a_new_purpose_asks_again_and_keeps_the_earlier_choices(visitor, commune):
    choose(visitor, "accept_all")
    consent.purposes.register(
        consent.Purpose("audience", "Mesure d’audience", "Compter les visites.")
    )
    try:
        response = visitor.get("/")
        assert has_banner(response)
        assert "Mesure d’audience" in html_of(response)
        stored = stored_consent(visitor)
        assert stored.granted("embeds") and not stored.granted("audience")
        assert "Mesure d’audience" in html_of(visitor.get("/cookies/"))
        choose(visitor, "save", purposes=["embeds"])
        assert not has_banner(visitor.get("/"))
    finally:
        consent.purposes.unregister("audience")


# --- API -----------------------------------------------------------------------------------


def test_has_consent_and_needs_banner(visitor, commune):
    rf = RequestFactory()
    request = rf.get("/")
    assert consent.has_consent(request, "embeds") is False
    assert consent.needs_consent_banner(request) is True

    choose(visitor, "save", purposes=["embeds"])
    request = rf.get("/")
    request.COOKIES[COOKIE] = visitor.cookies[COOKIE].value
    assert consent.has_consent(request, "embeds") is True
    assert consent.needs_consent_banner(request) is False
    with pytest.raises(LookupError):
        consent.has_consent(request, "no-such-purpose")


def test_purposes_are_declared_once_with_a_slug():
    assert consent.purposes.all_keys() == ["embeds"]
    with pytest.raises(ImproperlyConfigured):
        consent.purposes.register(consent.Purpose("embeds", "x", "y"))
    with pytest.raises(ImproperlyConfigured):
        consent.purposes.register(consent.Purpose("Not a slug", "x", "y"))


# --- The next URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://cocody.localhost/",
        "",
    ],
)
def test_the_next_url_never_leaves_the_site(visitor, commune, next_url):
    response = choose(visitor, "refuse_all", next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/cookies/"
    page = html_of(visitor.get("/cookies/", {"next": next_url}))
    assert "Retour à la page que vous lisiez" not in page
    if next_url:
        assert f'value="{next_url}"' not in page and f'href="{next_url}"' not in page


def test_the_next_url_brings_the_person_back(visitor, commune):
    response = choose(visitor, "accept_all", next_url="/actualites/?page=2")
    assert response["Location"] == "/actualites/?page=2"
    page = html_of(visitor.get("/cookies/", {"next": "/actualites/?page=2"}))
    assert 'name="next" value="/actualites/?page=2"' in page
    assert "Retour à la page que vous lisiez" in page


# --- The /cookies/ page ----------------------------------------------------------------------


def test_the_cookies_page_lists_purposes_cookies_and_third_parties(visitor, commune):
    response = visitor.get("/cookies/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = html_of(response)
    assert "<h1>Gestion des cookies</h1>" in html
    assert "Vidéos et contenus d’autres sites (YouTube, Vimeo…)" in html
    assert 'role="switch"' in html
    assert " checked" not in html  # nothing is ticked in advance
    for name in NECESSARY:
        assert f"<code>{name}</code>" in html
    assert "Cookies strictement nécessaires" in html
    assert "6 mois" in html  # how long the choice is kept
    tiles_host = urlsplit(settings.MAP_TILES_URL).hostname
    assert f"<code>{tiles_host}</code>" in html  # the map tiles' server
    for button in ("Enregistrer mes choix", "Tout accepter", "Tout refuser"):
        assert button in html
    assert not has_banner(response)  # the page itself asks


def test_the_cookies_page_works_on_the_platform_host_too(db):
    response = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="fr").get("/cookies/")
    assert response.status_code == 200
    assert "Gestion des cookies" in html_of(response)


def test_the_cookies_page_shows_the_date_of_the_choice(visitor, commune):
    choose(visitor, "refuse_all")
    html = html_of(visitor.get("/cookies/"))
    assert "sont conservés 6 mois" in html


# --- Embedded videos ------------------------------------------------------------------------


class Frames(HTMLParser):
    """Sources of live iframes, and of those kept inert in a <template>."""

    def __init__(self, html: str):
        super().__init__()
        self.depth = 0
        self.live: list[str] = []
        self.inert: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            self.depth += 1
        elif tag == "iframe":
            (self.inert if self.depth else self.live).append(dict(attrs).get("src"))

    def handle_endtag(self, tag):
        if tag == "template":
            self.depth -= 1


@pytest.fixture
def video_news(commune):
    # The Embed row is what Wagtail's finder would have stored: no network.
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html=f'<iframe width="200" height="113" src="{IFRAME_SRC}" title="Conseil municipal"'
        " allowfullscreen></iframe>",
        title="Conseil municipal du 3 mars",
        provider_name="YouTube",
        width=200,
        height=113,
    )
    news = NewsPage(
        title="Conseil municipal",
        slug="conseil-municipal",
        date=datetime.date(2026, 3, 4),
        body=f'<p>Revoir la séance.</p><embed embedtype="media" url="{VIDEO_URL}"/>',
    )
    commune.site.root_page.add_child(instance=news)
    return news


def test_without_consent_the_video_does_not_load(visitor, video_news):
    response = visitor.get("/conseil-municipal/")
    assert response.status_code == 200
    html = html_of(response)
    frames = Frames(html)
    assert frames.live == []
    assert frames.inert == [IFRAME_SRC]  # waits in a <template> for a click
    assert "Cette vidéo est hébergée par YouTube, qui peut déposer des cookies." in html
    assert "Afficher la vidéo" in html
    assert "Toujours autoriser" in html
    assert "Conseil municipal du 3 mars" in html
    assert f'href="{VIDEO_URL}"' in html  # to watch it on YouTube, without JavaScript

    choose(visitor, "refuse_all")
    assert Frames(html_of(visitor.get("/conseil-municipal/"))).live == []


def test_with_consent_the_video_loads(visitor, video_news):
    choose(visitor, "accept_all")
    html = html_of(visitor.get("/conseil-municipal/"))
    assert Frames(html).live == [IFRAME_SRC]
    assert "Toujours autoriser" not in html


def test_always_allow_on_a_video_records_consent_and_comes_back(visitor, video_news):
    choose(visitor, "refuse_all")
    html = html_of(visitor.get("/conseil-municipal/"))
    assert 'name="next" value="/conseil-municipal/"' in html
    response = choose(visitor, "grant", next_url="/conseil-municipal/", purpose="embeds")
    assert response["Location"] == "/conseil-municipal/"
    assert stored_consent(visitor).granted("embeds")
    assert Frames(html_of(visitor.get("/conseil-municipal/"))).live == [IFRAME_SRC]


def test_an_embed_rendered_outside_a_request_stays_behind_its_placeholder(video_news):
    html = expand_db_html(video_news.body)
    assert Frames(html).live == [] and Frames(html).inert == [IFRAME_SRC]
    assert 'action="/cookies/"' not in html  # no request: no form, only the link


# --- Styles ---------------------------------------------------------------------------------


def test_consent_css_uses_only_the_themes_properties():
    css = (THEMES_DIR / "default" / "static" / "css" / "consent.css").read_text(encoding="utf-8")
    used = set(re.findall(r"var\(--([\w-]+)", css))
    declared = set(custom_properties("default")) | set(re.findall(r"--([\w-]+)\s*:", css))
    assert used <= declared, used - declared
    assert (THEMES_DIR / "default" / "static" / "js" / "consent.js").is_file()
