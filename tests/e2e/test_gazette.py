"""CNT-2 in a real browser: a member posts in the gazette with a photo and a neighbour
reads it and sees the photo (served to members only, never from MEDIA_URL)."""

import io
import re

import pytest
from PIL import Image

from tests.communities import SAINT_MALO, join, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_a_member_posts_with_a_photo_and_a_neighbour_reads_it(
    browser, page, site_url, commune, tmp_path
):
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    author = join(
        community,
        person_at(
            commune,
            offset(SAINT_MALO, 20, 20),
            email="marie@example.org",
            first_name="Marie",
            last_name="Durand",
        ),
    )
    neighbour = join(
        community,
        person_at(
            commune,
            offset(SAINT_MALO, -20, 10),
            email="paul@example.org",
            first_name="Paul",
            last_name="Martin",
        ),
    )
    photo = tmp_path / "chat.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 90, 40)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    log_in(page, site_url, HOST, author.email, PASSWORD)
    page.goto(site_url(HOST, "/communautes/ma-communaute/"))
    page.get_by_role("link", name="Gazette de ma communauté").click()
    page.wait_for_url(re.compile(r"/gazette/$"))
    page.get_by_role("link", name="Publier dans la gazette").first.click()
    page.wait_for_url(re.compile(r"/gazette/publier/$"))
    page.get_by_label("Catégorie").select_option("lost_found")
    page.get_by_label("Titre").fill("Chat roux trouvé")
    page.get_by_label("Texte").fill("Un chat roux attend son maître devant le 12.")
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(re.compile(r"/gazette/\d+/$"))
    assert "Chat roux trouvé" in page.get_by_role("heading", level=1).inner_text()

    other = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    other.set_default_timeout(10_000)
    log_in(other, site_url, HOST, neighbour.email, PASSWORD)
    other.goto(site_url(HOST, "/gazette/"))
    card = other.locator("article.gazette-post").first
    assert "Chat roux trouvé" in card.inner_text()
    assert "Nouveau" in card.inner_text()
    card.get_by_role("link", name="Chat roux trouvé").click()
    other.wait_for_url(re.compile(r"/gazette/\d+/$"))
    image = other.get_by_role("img", name=re.compile("Photo 1"))
    image.wait_for()
    width = image.evaluate("img => img.complete && img.naturalWidth")
    assert width == 320  # the photo really loaded, through the members-only view
    assert "/media/" not in image.get_attribute("src")
    assert "Marie" in other.locator("article.gazette-post").inner_text()
    other.context.close()
