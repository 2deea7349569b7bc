"""Cookie consent in a real browser: refuse in one click, by keyboard, remembered; no video
loads from another site before the person asks."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from communes.models import NewsPage
from core import consent

pytestmark = pytest.mark.django_db(transaction=True)

SAINT_MALO = "saint-malo.localhost"
NECESSARY = {cookie.name for cookie in consent.necessary_cookies()}
VIDEO_URL = "https://www.youtube.com/watch?v=Xk2m7v4Lh0c"
IFRAME_SRC = "https://www.youtube.com/embed/Xk2m7v4Lh0c?feature=oembed"


def banner(page):
    return page.get_by_role("region", name="Vos choix sur les cookies")


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement, s = getComputedStyle(e);
            return {text: e.innerText, inBanner: !!e.closest('[data-consent-banner]'),
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )


@pytest.fixture
def third_party_requests(page):
    """Requests the page makes to other sites (answered locally: no network needed)."""
    seen: list[str] = []

    def handle(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>lecteur</p>")

    page.context.route(re.compile(r"^https?://(?!([\w-]+\.)*localhost[:/]).*"), handle)
    return seen


def test_refuse_all_by_keyboard_is_remembered_and_sets_no_optional_cookie(page, site_url, commune):
    page.goto(site_url(SAINT_MALO))
    assert banner(page).is_visible()
    page.screenshot(path="/tmp/voisinage-consent-banner.png", full_page=True)

    # Skip link first, then the three buttons of the banner, in order, with a visible focus.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    names = []
    for _ in range(3):
        page.keyboard.press("Tab")
        state = focused(page)
        assert state["inBanner"], state
        assert state["outline"] != "none" and state["width"] >= 2, state
        names.append(state["text"].strip())
    assert names == ["Tout accepter", "Tout refuser", "Personnaliser"]
    page.screenshot(path="/tmp/voisinage-consent-focus.png")

    # Back to "Tout refuser", pressed with the keyboard: saved by fetch, no reload.
    page.keyboard.press("Shift+Tab")
    with page.expect_response(lambda r: r.url.endswith("/cookies/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200  # the JSON answer, not a redirect
    banner(page).wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.id") == "main"
    expect(page.locator("[data-consent-status]")).to_have_text(
        "Vos choix ont été enregistrés. Vous pouvez les modifier à tout moment avec le lien "
        "« Gestion des cookies » en bas de chaque page."
    )

    page.reload()
    assert page.locator("h1").inner_text() == "Saint-Malo"
    assert banner(page).count() == 0

    cookies = page.context.cookies()
    names = {cookie["name"] for cookie in cookies}
    assert consent.DEFAULT_COOKIE_NAME in names
    assert names <= NECESSARY, names - NECESSARY
    choice = next(c for c in cookies if c["name"] == consent.DEFAULT_COOKIE_NAME)
    assert choice["httpOnly"] and choice["sameSite"] == "Lax"

    # The footer link leads to the choices, where nothing is switched on.
    page.get_by_role("link", name="Gestion des cookies").click()
    page.wait_for_url("**/cookies/")
    assert not page.get_by_role("switch", name=re.compile("Vidéos et contenus")).is_checked()


def test_the_banner_fits_a_small_phone_in_both_themes(page, site_url, commune, other_commune):
    commune.theme = "bocage"
    commune.save()
    page.set_viewport_size({"width": 320, "height": 640})
    for host, theme in ((SAINT_MALO, "bocage"), ("cocody.localhost", "default")):
        page.goto(site_url(host))
        assert banner(page).is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        boxes = [
            banner(page).get_by_role(role, name=name).bounding_box()
            for role, name in (
                ("button", "Tout accepter"),
                ("button", "Tout refuser"),
                ("link", "Personnaliser"),
            )
        ]
        # Equally prominent: same width and height, within the screen.
        assert len({round(b["width"]) for b in boxes}) == 1
        assert len({round(b["height"]) for b in boxes}) == 1
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= 320 for b in boxes)
        page.screenshot(path=f"/tmp/voisinage-consent-320-{theme}.png", full_page=True)


def test_a_video_loads_only_when_asked(page, site_url, commune, third_party_requests):
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html=f'<iframe width="200" height="113" src="{IFRAME_SRC}" title="Conseil"></iframe>',
        title="Conseil municipal du 3 mars",
        provider_name="YouTube",
        width=200,
        height=113,
    )
    commune.site.root_page.add_child(
        instance=NewsPage(
            title="Conseil municipal",
            slug="conseil-municipal",
            date=datetime.date(2026, 3, 4),
            body=f'<p>Revoir la séance.</p><embed embedtype="media" url="{VIDEO_URL}"/>',
        )
    )

    page.goto(site_url(SAINT_MALO, "/conseil-municipal/"))
    assert page.get_by_text("Cette vidéo est hébergée par YouTube").is_visible()
    assert third_party_requests == []
    page.get_by_role("button", name="Tout refuser").click()
    banner(page).wait_for(state="hidden")
    assert page.locator("iframe").count() == 0
    page.screenshot(path="/tmp/voisinage-consent-embed.png", full_page=True)

    # Once: the video appears, consent is not recorded.
    page.get_by_role("button", name="Afficher la vidéo").click()
    page.locator("iframe").wait_for()
    assert page.locator("iframe").get_attribute("src") == IFRAME_SRC
    page.wait_for_timeout(300)
    assert any(url.startswith("https://www.youtube.com/embed/") for url in third_party_requests)
    page.reload()
    assert page.locator("iframe").count() == 0

    # Always: recorded, and the video shows at once and after a reload.
    third_party_requests.clear()
    page.get_by_role("button", name="Toujours autoriser").click()
    page.locator("iframe").wait_for()
    page.reload()
    assert page.locator("iframe").count() == 1
    assert page.get_by_role("button", name="Toujours autoriser").count() == 0


def test_choices_work_without_javascript(browser, site_url, commune):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url(SAINT_MALO, "/"))
        page.get_by_role("link", name="Personnaliser").click()
        page.wait_for_url("**/cookies/?next=/")
        page.screenshot(path="/tmp/voisinage-cookies-page.png", full_page=True)
        page.get_by_role("switch", name=re.compile("Vidéos et contenus")).check()
        page.get_by_role("button", name="Enregistrer mes choix").click()
        page.wait_for_url(site_url(SAINT_MALO, "/"))
        assert page.get_by_text("Vos choix ont été enregistrés.").is_visible()
        assert banner(page).count() == 0
    finally:
        context.close()
