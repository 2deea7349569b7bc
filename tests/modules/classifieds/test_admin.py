import pytest
from django.test import Client

from modules.classifieds.models import Classified
from tests.factories import HostingPartnerFactory, UserFactory, make_commune
from tests.two_factor import verified_login

INDEX = "/admin/classifieds/"


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


@pytest.fixture
def two_ads(commune, other_commune, resident, publish):
    return (
        publish(commune, resident, title="Annonce de Saint-Malo"),
        publish(other_commune, resident, title="Annonce de Cocody"),
    )


@pytest.fixture
def town_hall_editor(commune):
    editor = UserFactory(is_staff=False)
    editor.groups.add(commune.editors_group)
    return editor


def test_superuser_lists_classifieds_of_every_commune_on_the_platform_host(superuser, two_ads):
    response = admin_client(superuser).get(INDEX)
    assert response.status_code == 200
    assert "Annonce de Saint-Malo" in response.text
    assert "Annonce de Cocody" in response.text
    assert "Marie Durand" in response.text  # platform staff see the real name


def test_admin_on_a_commune_host_lists_that_commune_only(superuser, two_ads):
    response = admin_client(superuser, "saint-malo.localhost").get(INDEX)
    assert response.status_code == 200
    assert "Annonce de Saint-Malo" in response.text
    assert "Annonce de Cocody" not in response.text


def test_admin_searches_titles_and_filters_status(superuser, commune, resident, publish):
    publish(commune, resident, title="Tonte de pelouse")
    closed = publish(commune, resident, title="Garde de chat")
    Classified.objects.filter(pk=closed.pk).update(status=Classified.Status.CLOSED)
    client = admin_client(superuser)
    found = client.get(INDEX, {"q": "pelouse"})
    assert "Tonte de pelouse" in found.text
    assert "Garde de chat" not in found.text
    filtered = client.get(INDEX, {"status": "closed"})
    assert "Garde de chat" in filtered.text
    assert "Tonte de pelouse" not in filtered.text


def test_town_hall_editor_sees_and_moderates_own_commune_only(town_hall_editor, two_ads):
    mine, elsewhere = two_ads
    client = admin_client(town_hall_editor)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert "Annonce de Saint-Malo" in response.text
    assert "Annonce de Cocody" not in response.text
    assert client.get(f"{INDEX}edit/{elsewhere.pk}/").status_code == 404
    response = client.post(
        f"{INDEX}edit/{mine.pk}/",
        {"title": "Annonce retirée", "description": mine.description, "status": "closed"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Classified.Status.CLOSED
    assert mine.closed_at is not None
    assert mine.title == "Annonce retirée"
    assert mine.author_id is not None


def test_hosting_partner_staff_sees_classifieds_of_their_communes(resident, publish, two_ads):
    staff = UserFactory()
    partner = HostingPartnerFactory(staff=[staff])
    theirs = make_commune(partner, name="Dinard", hostname="dinard.localhost")
    publish(theirs, resident, title="Annonce de Dinard")
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    response = admin_client(staff).get(INDEX)
    assert "Annonce de Dinard" in response.text
    assert "Annonce de Saint-Malo" not in response.text


def test_staff_cannot_change_author_or_commune(superuser, two_ads, resident):
    mine, _elsewhere = two_ads
    other = UserFactory()
    admin_client(superuser).post(
        f"{INDEX}edit/{mine.pk}/",
        {
            "title": mine.title,
            "description": mine.description,
            "status": "open",
            "author": other.pk,
            "commune": _elsewhere.commune_id,
        },
    )
    mine.refresh_from_db()
    assert mine.author == resident
    assert mine.commune_id != _elsewhere.commune_id


def test_nobody_adds_classifieds_in_the_admin(superuser, commune):
    assert admin_client(superuser).get(f"{INDEX}new/").status_code in (302, 403)


def test_resident_without_role_has_no_classifieds_admin(resident, two_ads):
    response = admin_client(resident).get(INDEX)
    assert response.status_code in (302, 403)


def test_menu_shows_classifieds_to_town_hall_editor(town_hall_editor):
    response = admin_client(town_hall_editor, "saint-malo.localhost").get("/admin/")
    assert response.status_code == 200
    assert INDEX in response.text


def test_inspect_view_shows_the_classified(superuser, two_ads):
    mine, _ = two_ads
    response = admin_client(superuser).get(f"{INDEX}inspect/{mine.pk}/")
    assert response.status_code == 200
    assert "Marie Durand" in response.text  # platform staff see the real name
