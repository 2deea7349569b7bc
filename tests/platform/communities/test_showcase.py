"""CTY-11: the public page of a community shows its name, date, member count,
presentation and référents (pseudonym or name, photo if opted in) — nothing else personal."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from communities import services
from communities.models import PRESENTATION_MAX_LENGTH, Community, CommunityPage, Membership
from privacy.matrix import showcase_card
from tests.communities import SAINT_MALO, join, make_community, offset, person_at, referent_of
from tests.follows import root

HOST = "saint-malo.localhost"


def jpeg() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def referent(commune):
    person = person_at(
        commune,
        SAINT_MALO,
        first_name="Régis",
        last_name="Lemaréchal",
        email="regis.lemarechal@example.org",
        mobile="+33611223344",
        landline="+33299112233",
        address="4 rue de la Pie, 35400 Saint-Malo",
    )
    person.photo.save("regis.jpg", jpeg(), save=True)
    return person


NEIGHBOURS = [
    {
        "first_name": "Awa",
        "last_name": "Traoré",
        "email": "awa.traore@example.org",
        "mobile": "+33622334455",
        "landline": "+33299223344",
        "address": "9 rue Porcon, 35400 Saint-Malo",
        "pseudonym": "Awa du Sillon",
        "presentation": "Jardinière passionnée",
    },
    {
        "first_name": "Bertrand",
        "last_name": "Kerjean",
        "email": "bertrand.kerjean@example.org",
        "mobile": "+33633445566",
        "address": "2 place Chateaubriand, 35400 Saint-Malo",
    },
    {
        "first_name": "Chantal",
        "last_name": "Gwenolé",
        "email": "chantal.gwenole@example.org",
        "landline": "+33299334455",
        "address": "17 rue Jacques Cartier, 35400 Saint-Malo",
    },
]


@pytest.fixture
def community(commune, referent):
    community = make_community(commune, referent=referent, name="Intra-muros")
    for i, fields in enumerate(NEIGHBOURS):
        person = person_at(commune, offset(SAINT_MALO, 10 * (i + 1), 5), **fields)
        person.photo.save(f"n{i}.jpg", jpeg(), save=True)
        join(community, person)
    services.community_update_showcase(
        by=referent,
        community=community,
        presentation="Entraide entre voisins de la ville close.",
    )
    return community


def page_of(community) -> CommunityPage:
    return CommunityPage.objects.get(community=community)


def render(community, client=None) -> str:
    page = page_of(community)
    client = client or Client(HTTP_HOST=HOST)
    response = client.get(page.relative_url(page.get_site()))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_what_the_showcase_allows(community, referent):
    html = render(community)
    assert "Intra-muros" in html
    assert "Entraide entre voisins de la ville close." in html
    assert "4 membres" in html or "4 members" in html
    assert "Régis Lemaréchal" in html  # no pseudonym: the real name
    page = page_of(community)
    assert f'<link rel="canonical" href="{page.full_url}">' in html
    assert f'<meta property="og:url" content="{page.full_url}">' in html
    assert '<meta property="og:title" content="Intra-muros">' in html
    assert '<meta property="og:type" content="website">' in html
    assert (
        '<meta property="og:description" content="Entraide entre voisins de la ville close.">'
        in html
    )
    assert '<meta name="description" content="Entraide entre voisins de la ville close.">' in html
    # A call to join, or to create an account first.
    assert "/compte/inscription/" in html


def test_nothing_else_personal_reaches_the_page(community, referent):
    html = render(community)
    for fields in NEIGHBOURS:
        for value in fields.values():
            assert value not in html, value
    for value in (
        referent.email,
        "+33611223344",
        "06 11 22 33 44",
        "+33299112233",
        "02 99 11 22 33",
        "4 rue de la Pie",
    ):
        assert value not in html, value
    # Other members' photos never appear.
    for membership in Membership.objects.members().filter(community=community, is_referent=False):
        assert membership.user.photo.url not in html


def test_the_photo_appears_only_when_the_referent_opts_in(community, referent):
    html = render(community)
    assert referent.photo.url not in html
    assert "og:image" not in html
    services.community_update_showcase(
        by=referent,
        community=community,
        presentation=community.presentation,
        show_photo=True,
    )
    html = render(community)
    assert referent.photo.url in html
    assert f'<meta property="og:image" content="http://{HOST}{referent.photo.url}">' in html


def test_a_pseudonym_replaces_the_name_on_the_public_page(community, referent):
    referent.pseudonym = "Régis des Remparts"
    referent.save()
    html = render(community)
    assert "Régis des Remparts" in html
    assert "Lemaréchal" not in html


def test_every_referent_is_named_and_no_one_else(commune, community, referent):
    second = (
        Membership.objects.members()
        .filter(community=community, user__last_name="Kerjean")
        .get()
        .user
    )
    services.referent_grant(by=referent, community=community, user=second)
    html = render(community)
    assert "Bertrand Kerjean" in html
    assert "Traoré" not in html and "Awa du Sillon" not in html and "Gwenolé" not in html


def test_showcase_card_keeps_only_name_and_photo(referent):
    card = showcase_card(referent, show_photo=False)
    assert card.display_name == "Régis Lemaréchal"
    for field in ("id", "email", "mobile", "landline", "address", "presentation", "birth_date"):
        assert getattr(card, field) is None
    assert card.photo_url is None
    assert showcase_card(referent, show_photo=True).photo_url == referent.photo.url


def test_the_presentation_is_limited_to_1000_characters(community, referent):
    with pytest.raises(ValidationError):
        services.community_update_showcase(
            by=referent, community=community, presentation="x" * (PRESENTATION_MAX_LENGTH + 1)
        )
    text = "é" * PRESENTATION_MAX_LENGTH
    services.community_update_showcase(by=referent, community=community, presentation=text)
    assert text in render(community)


def test_the_page_is_in_the_sitemap(community):
    page = page_of(community)
    response = Client(HTTP_HOST=HOST).get("/sitemap.xml")
    assert response.status_code == 200
    assert f"<loc>{page.full_url}</loc>" in response.content.decode()


def test_the_page_is_deleted_with_its_community(commune, referent):
    community = make_community(commune, referent=referent, name="Éphémère")
    assert CommunityPage.objects.filter(community=community).exists()
    page_pk = page_of(community).pk
    assert services.membership_leave(user=referent)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert not CommunityPage.objects.filter(pk=page_pk).exists()
    assert "Éphémère" not in Client(HTTP_HOST=HOST).get("/sitemap.xml").content.decode()


def test_the_page_of_a_merged_community_goes_away(commune):
    west = make_community(commune, name="Ouest")
    ring = west.area.exterior_ring.coords
    (sw_x, _), (se_x, se_y), (ne_x, ne_y) = ring[0], ring[1], ring[2]
    width = se_x - sw_x
    from django.contrib.gis.geos import Polygon

    east_area = Polygon(
        [(se_x, se_y), (se_x + width, se_y), (ne_x + width, ne_y), (ne_x, ne_y), (se_x, se_y)],
        srid=4326,
    )
    east_ref = person_at(commune, (se_x + width / 2, (se_y + ne_y) / 2))
    east = services.community_create(user=east_ref, commune=commune, name="Est", area=east_area)
    absorbed_page = page_of(west).pk
    proposal = services.merge_propose(
        by=referent_of(west), community=west, other=east, keep="other"
    )
    services.merge_agree(by=east_ref, proposal=proposal)
    services.merge_execute(by=root(), proposal=proposal)
    assert not CommunityPage.objects.filter(pk=absorbed_page).exists()
    assert page_of(east).live
