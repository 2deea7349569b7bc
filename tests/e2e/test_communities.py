"""CTY-1, CTY-4 and CTY-13 in a real browser.

A validated resident draws a community around their home with Leaflet.draw's
polygon tool and becomes its référent; a neighbour living inside asks to join
from "my community"; the référent accepts; the neighbour sees the directory
with the référent's badge. Map tiles come from a closed port: the map is blank,
which does not stop drawing.

Locators use the pages' data attributes, or accept the French wording and the
English source text, so the test does not depend on the French catalogue.
"""

import re

import pytest

from communities.models import Community, Membership
from tests.communities import SAINT_MALO, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
# Half the side of the square drawn around the home, in screen pixels (zoom 16: ~1.6 m each).
HALF = 80


def words(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(alternatives), re.IGNORECASE)


def draw_square_around_the_centre(page) -> None:
    """Leaflet.draw's polygon tool: a click on each corner, then on the first one again."""
    area = page.locator("[data-map]")
    area.scroll_into_view_if_needed()
    page.locator(".leaflet-draw-draw-polygon").click()
    box = area.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [
        (x - HALF, y - HALF),
        (x + HALF, y - HALF),
        (x + HALF, y + HALF),
        (x - HALF, y + HALF),
    ]
    for cx, cy in [*corners, corners[0]]:
        page.mouse.move(cx, cy, steps=3)
        page.mouse.click(cx, cy)
        page.wait_for_timeout(150)


def test_resident_creates_a_community_and_accepts_a_neighbour(
    browser, page, site_url, live_server, commune
):
    creator = person_at(
        commune,
        SAINT_MALO,
        email="regis@example.org",
        first_name="Régis",
        last_name="Lemaître",
    )
    neighbour = person_at(
        commune,
        offset(SAINT_MALO, 30, 20),
        email="nina@example.org",
        first_name="Nina",
        last_name="Voisine",
        address="3 rue des Cordiers 35400 Saint-Malo",
    )

    # The creator draws the community around their home.
    log_in(page, site_url, HOST, creator.email, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOST, "/communautes/creer/"))
    page.locator("input[name=name]").fill("Intra-muros")
    page.locator(".leaflet-draw-draw-polygon").wait_for()
    assert page.locator("textarea[name=area]").is_hidden()  # the map replaces the text area
    draw_square_around_the_centre(page)
    drawn = page.locator("textarea[name=area]").input_value()
    assert '"Polygon"' in drawn
    assert page.locator("path.leaflet-interactive").count() >= 1
    page.locator("[data-create]").click()

    page.wait_for_url(re.compile(r"/communautes/\d+/$"))
    community = Community.objects.get(name="Intra-muros")
    assert community.area.contains(creator.location)
    assert community.area.contains(neighbour.location)
    assert page.get_by_role("heading", name="Intra-muros").is_visible()
    assert page.get_by_text(words("Vous êtes référent", "You are référent")).is_visible()
    assert Membership.objects.referents().get(community=community).user == creator

    # The neighbour asks to join from "my community", in their own browser session.
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    other = context.new_page()
    other.set_default_timeout(10_000)
    try:
        log_in(other, site_url, HOST, neighbour.email, PASSWORD)
        other.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
        other.goto(site_url(HOST, "/communautes/ma-communaute/"))
        assert "Intra-muros" in other.content()
        other.locator("[data-join]").click()
        other.wait_for_url(re.compile(r"/communautes/ma-communaute/$"))
        assert other.locator("[data-withdraw]").is_visible()
        assert Membership.objects.get(user=neighbour).status == Membership.Status.PENDING
        # Pending: nothing of the community yet.
        response = other.goto(site_url(HOST, f"/communautes/{community.pk}/annuaire/"))
        assert response.status == 404

        # The référent accepts the request.
        page.goto(site_url(HOST, f"/communautes/{community.pk}/demandes/"))
        request = page.locator("[data-request]").filter(has_text="Nina Voisine")
        assert "3 rue des Cordiers" in request.inner_text()
        request.locator("[data-accept]").click()
        page.wait_for_url(re.compile(r"/demandes/$"))
        assert "Nina Voisine" in page.get_by_role("status").inner_text()
        assert Membership.objects.get(user=neighbour).status == Membership.Status.MEMBER

        # The neighbour sees the directory, the référent with the badge.
        other.goto(site_url(HOST, f"/communautes/{community.pk}/annuaire/"))
        card = other.locator("[data-member]").filter(has_text="Régis Lemaître")
        assert card.locator("[data-referent-badge]").is_visible()
        assert other.locator("[data-member]").count() == 2
        assert "regis@example.org" not in other.content()
    finally:
        context.close()
