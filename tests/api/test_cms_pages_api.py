"""API-2: each headless page type carries its public content through ``/api/cms/v2/pages/``,
and nothing personal (no e-mail, phone, address, birth date or id of a person).

Scope (Wagtail's ``get_public_pages_queryset``): the listing and the detail answer only
the live, public pages of the site found for the request's host
(``Site.find_for_request``); another commune's page is a 404 on this host, an
unpublished page a 404 everywhere. ``?site=<hostname>`` names another site explicitly:
its pages are public anyway (asserted below, so a change in Wagtail is noticed).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from communes.models import CommunePage, NewsPage
from communities import services
from communities.models import CommunityPage
from tests.communities import SAINT_MALO, join, make_community, offset, person_at

HOST = "saint-malo.localhost"
OTHER_HOST = "cocody.localhost"
PAGES = "/api/cms/v2/pages/"
META = {
    "type",
    "detail_url",
    "html_url",
    "slug",
    "show_in_menus",
    "seo_title",
    "search_description",
    "first_published_at",
    "alias_of",
    "parent",
}


def png(name: str, size=(64, 48)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (20, 90, 160)).save(buffer, "PNG")
    return Image.objects.create(title=name, file=ImageFile(buffer, name=f"{name}.png"))


def jpeg_bytes() -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return buffer


PEOPLE = [
    {
        "first_name": "Régis",
        "last_name": "Lemaréchal",
        "email": "regis.lemarechal@example.org",
        "mobile": "+33611223344",
        "landline": "+33299112233",
        "address": "4 rue de la Pie, 35400 Saint-Malo",
        "birth_date": datetime.date(1961, 4, 12),
    },
    {
        "first_name": "Awa",
        "last_name": "Traoré",
        "email": "awa.traore@example.org",
        "mobile": "+33622334455",
        "address": "9 rue Porcon, 35400 Saint-Malo",
        "birth_date": datetime.date(1990, 7, 3),
        "pseudonym": "Awa du Sillon",
        "presentation": "Jardinière passionnée",
    },
]


@pytest.fixture
def people(commune):
    persons = []
    for i, fields in enumerate(PEOPLE):
        person = person_at(commune, offset(SAINT_MALO, 10 * i, 5), **fields)
        person.photo.save(f"p{i}.jpg", ContentFile(jpeg_bytes().getvalue()), save=True)
        persons.append(person)
    return persons


@pytest.fixture
def community(commune, people):
    referent, neighbour = people
    community = make_community(commune, referent=referent, name="Intra-muros")
    join(community, neighbour)
    services.community_update_showcase(
        by=referent, community=community, presentation="Entraide dans la ville close."
    )
    return community


@pytest.fixture
def dressed_commune(commune):
    commune.logo = png("logo")
    commune.coat_of_arms = png("blason")
    commune.contact_email = "mairie@saint-malo.fr"
    commune.contact_phone = "+33299406161"
    commune.contact_address = "Place Chateaubriand, 35400 Saint-Malo"
    commune.opening_hours = "Lundi-vendredi 8h30-17h30"
    commune.save()
    home = commune.site.root_page.specific
    home.intro = "<p>Bienvenue à Saint-Malo</p>"
    home.save_revision().publish()
    return commune


def get(client, path, host=HOST, **params):
    response = client.get(path, params, HTTP_HOST=host)
    return response


def secrets_of(persons) -> set[str]:
    """What must never appear: each person's e-mail, phones, address, birth date."""
    values: set[str] = set()
    for person in persons:
        person.refresh_from_db()
        values.add(person.email)
        values.add(person.email.split("@")[0])
        for field in ("mobile", "landline", "address"):
            if getattr(person, field):
                values.add(str(getattr(person, field)))
        if person.birth_date:
            values.add(person.birth_date.isoformat())
            values.add(person.birth_date.strftime("%d/%m/%Y"))
    return values


PERSONAL_KEYS = {
    "email",
    "mobile",
    "landline",
    "address",
    "birth_date",
    "user",
    "user_id",
    "owner",
    "author",
    "created_by",
    "members",
    "memberships",
    "location",
}


def assert_no_personal_data(payload, persons, *, allowed_keys=frozenset()):
    """Walk the JSON: no key naming a person's data, no value holding one, no person's
    id under a key that could carry one (the exact key sets are asserted besides)."""
    secrets = secrets_of(persons)
    ids = {person.pk for person in persons}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in PERSONAL_KEYS and key not in allowed_keys:
                    pytest.fail(f"personal key {path}.{key}")
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and (key.endswith("_id") or key in {"pk", "person", "referent"})
                    and value in ids
                ):
                    pytest.fail(f"a person's id at {path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        elif isinstance(node, str):
            for secret in secrets:
                if secret in node:
                    pytest.fail(f"{secret!r} leaks at {path}")

    walk(payload, "$")


# --- CommunityPage --------------------------------------------------------------------


def page_of(community) -> CommunityPage:
    return CommunityPage.objects.get(community=community)


def test_community_page_listing_gives_exactly_the_showcase(client, community, people):
    referent, neighbour = people
    response = get(client, PAGES, type="communities.CommunityPage", fields="*")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert len(items) == 1
    item = items[0]
    page = page_of(community)
    assert set(item) == {
        "id",
        "meta",
        "title",
        "name",
        "created_at",
        "member_count",
        "presentation",
        "referents",
    }
    assert item["id"] == page.pk
    assert item["title"] == "Intra-muros"
    assert item["name"] == "Intra-muros"
    assert item["member_count"] == 2
    assert item["presentation"] == "Entraide dans la ville close."
    assert item["created_at"].startswith(community.created_at.date().isoformat())
    assert item["referents"] == [{"name": "Régis Lemaréchal", "photo_url": None}]
    assert_no_personal_data(response.json(), people)
    # The neighbour is neither named nor pictured.
    assert "Traoré" not in response.content.decode()
    assert "Awa" not in response.content.decode()
    assert neighbour.photo.url not in response.content.decode()
    assert referent.photo.url not in response.content.decode()


def test_community_page_detail_and_photo_only_when_opted_in(client, community, people):
    referent, _neighbour = people
    page = page_of(community)
    response = get(client, f"{PAGES}{page.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) - {"meta"} == {
        "id",
        "title",
        "name",
        "created_at",
        "member_count",
        "presentation",
        "referents",
    }
    assert set(body["meta"]) == META
    assert body["referents"] == [{"name": "Régis Lemaréchal", "photo_url": None}]
    assert_no_personal_data(body, people)

    services.community_update_showcase(
        by=referent, community=community, presentation=community.presentation, show_photo=True
    )
    body = get(client, f"{PAGES}{page.pk}/").json()
    assert body["referents"] == [
        {"name": "Régis Lemaréchal", "photo_url": f"http://{HOST}{referent.photo.url}"}
    ]
    assert_no_personal_data(body, people)


def test_community_page_shows_the_pseudonym_as_the_site_does(client, community, people):
    referent, _ = people
    referent.pseudonym = "Régis des Remparts"
    referent.save()
    body = get(client, f"{PAGES}{page_of(community).pk}/").json()
    assert body["referents"] == [{"name": "Régis des Remparts", "photo_url": None}]
    assert "Lemaréchal" not in str(body)


def test_the_walker_can_fail(people):
    """The leak check itself fails on a person's data (so the checks above mean something)."""
    referent, _ = people
    with pytest.raises(pytest.fail.Exception):
        assert_no_personal_data({"x": f"écrire à {referent.email}"}, people)
    with pytest.raises(pytest.fail.Exception):
        assert_no_personal_data({"note": "né le 12/04/1961"}, people)
    with pytest.raises(pytest.fail.Exception):
        assert_no_personal_data({"owner": 1}, people)
    with pytest.raises(pytest.fail.Exception):
        assert_no_personal_data({"referent": referent.pk}, people)
    with pytest.raises(pytest.fail.Exception):
        assert_no_personal_data({"referents": [{"person_id": referent.pk}]}, people)


# --- CommunePage ----------------------------------------------------------------------


def test_commune_page_gives_the_commune_public_details(client, dressed_commune, community, people):
    home = dressed_commune.site.root_page
    response = get(client, PAGES, type="communes.CommunePage", fields="*")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [item["id"] for item in items] == [home.pk]
    detail = get(client, f"{PAGES}{home.pk}/").json()
    for body in (items[0], detail):
        assert set(body) - {"meta"} == {
            "id",
            "title",
            "intro",
            "commune",
            "logo",
            "coat_of_arms",
            "contact",
        }
        assert body["intro"] == "<p>Bienvenue à Saint-Malo</p>"
        assert body["commune"] == {
            "name": "Saint-Malo",
            "slug": "saint-malo",
            "official_code": "35288",
            "country": "FR",
        }
        assert body["contact"] == {
            "address": "Place Chateaubriand, 35400 Saint-Malo",
            "phone": "+33299406161",
            "email": "mairie@saint-malo.fr",
            "opening_hours": "Lundi-vendredi 8h30-17h30",
        }
        for key in ("logo", "coat_of_arms"):
            rendition = body[key]
            assert set(rendition) == {"url", "full_url", "width", "height", "alt"}
            assert rendition["url"].endswith(".png")
            assert (rendition["width"], rendition["height"]) == (64, 48)
        assert_no_personal_data(body, people, allowed_keys={"email", "address"})


def test_commune_page_without_logo_gives_null(client, commune):
    body = get(client, f"{PAGES}{commune.site.root_page_id}/").json()
    assert body["logo"] is None
    assert body["coat_of_arms"] is None
    assert body["contact"]["phone"] is None


# --- NewsPage -------------------------------------------------------------------------


def news(commune, title, *, image=None, live=True):
    page = NewsPage(
        title=title,
        body=f"<p>{title}, en détail</p>",
        intro=f"{title} en bref",
        date=datetime.date(2026, 11, 20),
        image=image,
    )
    commune.site.root_page.add_child(instance=page)
    if not live:
        page.unpublish()
    return page


def test_news_page_gives_body_and_renditions(client, commune):
    page = news(commune, "Marché de Noël", image=png("marche", size=(1920, 1080)))
    response = get(client, PAGES, type="communes.NewsPage", fields="*")
    items = response.json()["items"]
    detail = get(client, f"{PAGES}{page.pk}/").json()
    for body in (items[0], detail):
        assert set(body) - {"meta"} == {
            "id",
            "title",
            "date",
            "intro",
            "body",
            "image",
            "image_thumbnail",
            "image_large",
        }
        assert body["date"] == "2026-11-20"
        assert body["intro"] == "Marché de Noël en bref"
        assert body["body"] == "<p>Marché de Noël, en détail</p>"
        thumb, large = body["image_thumbnail"], body["image_large"]
        assert (thumb["width"], thumb["height"]) == (480, 270)
        assert thumb["url"].endswith(".webp")
        assert (large["width"], large["height"]) == (1600, 900)
        assert large["url"].endswith(".webp")
        assert thumb["full_url"].startswith("http")


def test_news_page_without_image(client, commune):
    page = news(commune, "Travaux")
    body = get(client, f"{PAGES}{page.pk}/").json()
    assert body["image"] is None
    assert body["image_thumbnail"] is None
    assert body["image_large"] is None


# --- scope: unpublished pages, another commune's host ---------------------------------


def test_unpublished_pages_are_not_served(client, commune, community):
    draft = news(commune, "Brouillon", live=False)
    showcase = page_of(community)
    showcase.unpublish()
    assert get(client, f"{PAGES}{draft.pk}/").status_code == 404
    assert get(client, f"{PAGES}{showcase.pk}/").status_code == 404
    listing = get(client, PAGES, type="communities.CommunityPage").json()
    assert listing["items"] == []


def test_pages_of_another_commune_stay_on_their_host(client, commune, other_commune, community):
    cocody_news = news(other_commune, "Nettoyage")
    malo_news = news(commune, "Travaux")
    showcase = page_of(community)
    # On Saint-Malo's host: Saint-Malo's pages only; Cocody's detail is a 404.
    listing = get(client, PAGES, type="communes.NewsPage").json()
    assert [item["id"] for item in listing["items"]] == [malo_news.pk]
    assert get(client, f"{PAGES}{cocody_news.pk}/").status_code == 404
    # On Cocody's host, Saint-Malo's news and showcase are 404.
    assert get(client, f"{PAGES}{malo_news.pk}/", host=OTHER_HOST).status_code == 404
    assert get(client, f"{PAGES}{showcase.pk}/", host=OTHER_HOST).status_code == 404
    listing = get(client, PAGES, host=OTHER_HOST, type="communes.NewsPage").json()
    assert [item["id"] for item in listing["items"]] == [cocody_news.pk]
    # ``?site=`` names another site explicitly (Wagtail's filter): its public pages only.
    listing = get(client, PAGES, site=OTHER_HOST, type="communes.NewsPage").json()
    assert [item["id"] for item in listing["items"]] == [cocody_news.pk]


def test_community_page_whose_community_is_gone(client, community):
    page = page_of(community)
    CommunityPage.objects.filter(pk=page.pk).update(community=None)
    body = get(client, f"{PAGES}{page.pk}/").json()
    assert body["name"] is None
    assert body["member_count"] is None
    assert body["referents"] == []


def test_commune_pages_type(commune):
    assert isinstance(commune.site.root_page.specific, CommunePage)
