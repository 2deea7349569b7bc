"""CTY-12: the référents' kit — documents managed in the CMS, downloaded by référents only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import Collection, CollectionViewRestriction

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities.kit import KIT_COLLECTION_NAME, kit_collection
from communities.models import Membership, ReferentKitDocument
from tests.communities import make_community, referent_of
from tests.factories import UserFactory
from tests.follows import grant
from tests.kit import CONTENT, document
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"


@pytest.fixture
def item(db):
    return ReferentKitDocument.objects.create(
        title="Guide du référent",
        description="Tout pour bien démarrer.",
        document=document(),
    )


@pytest.fixture
def community(commune):
    return make_community(commune, members=1)


@pytest.fixture
def staff(db):
    user = UserFactory()
    user.groups.add(platform_staff_group())
    return user


def client_for(user=None, *, verified=False) -> Client:
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        if verified:
            verified_login(client, user)
        else:
            client.force_login(user)
    return client


def download(client, item):
    return client.get(reverse("communities:kit_download", args=[item.pk]))


def test_a_referent_lists_and_downloads_the_kit(community, item):
    client = client_for(referent_of(community))
    response = client.get(reverse("communities:kit"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Guide du référent" in content and "Tout pour bien démarrer." in content
    assert reverse("communities:kit_download", args=[item.pk]) in content
    response = download(client, item)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert f'filename="{item.document.filename}"' in response["Content-Disposition"]
    assert item.document.filename.startswith("guide-referent")
    assert b"".join(response.streaming_content) == CONTENT


def test_platform_staff_get_the_kit_too(staff, item):
    client = client_for(staff, verified=True)
    assert client.get(reverse("communities:kit")).status_code == 200
    assert download(client, item).status_code == 200


def test_a_member_who_is_not_referent_is_refused(community, item):
    member = Membership.objects.members().get(community=community, is_referent=False).user
    client = client_for(member)
    assert client.get(reverse("communities:kit")).status_code == 403
    assert download(client, item).status_code == 403


def test_town_hall_staff_are_refused(commune, item):
    mayor = grant(commune, UserFactory(), StaffRole.Role.MAYOR).user
    client = client_for(mayor, verified=True)
    assert client.get(reverse("communities:kit")).status_code == 403
    assert download(client, item).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(item):
    client = client_for()
    for response in (client.get(reverse("communities:kit")), download(client, item)):
        assert response.status_code == 302
        assert reverse("accounts:login") in response.url


def test_unknown_document_is_404(community, item):
    client = client_for(referent_of(community))
    response = client.get(reverse("communities:kit_download", args=[item.pk + 1000]))
    assert response.status_code == 404


def test_the_kit_collection_is_private_to_platform_staff(db):
    collection = kit_collection()
    assert collection.name == KIT_COLLECTION_NAME
    assert kit_collection() == collection  # idempotent
    assert Collection.objects.filter(name=KIT_COLLECTION_NAME).count() == 1
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    assert restriction.restriction_type == CollectionViewRestriction.GROUPS
    assert list(restriction.groups.all()) == [platform_staff_group()]


def test_wagtail_document_urls_refuse_a_referent(community, item, staff):
    url = item.document.url
    assert url.startswith("/documents/")
    response = client_for(referent_of(community)).get(url)
    assert response.status_code in (302, 403)
    assert CONTENT not in b"".join(getattr(response, "streaming_content", [response.content]))
    response = client_for().get(url)
    assert response.status_code in (302, 403)
    response = client_for(staff, verified=True).get(url)
    assert response.status_code == 200


def test_a_kit_document_outside_the_collection_is_refused_too(community):
    root_collection = Collection.get_first_root_node()
    outside = document(collection=root_collection, name="affiche.pdf")
    ReferentKitDocument.objects.create(title="Affiche", document=outside)
    response = client_for(referent_of(community)).get(outside.url)
    assert response.status_code in (302, 403)
    assert response.status_code != 200


# --- the snippet in the CMS ---------------------------------------------------------------


def test_platform_staff_manage_the_kit_and_documents_go_to_the_private_collection(staff):
    from communities.wagtail_hooks import kit_viewset

    client = client_for(staff, verified=True)
    assert client.get(reverse(kit_viewset.get_url_name("list"))).status_code == 200
    add_url = reverse(kit_viewset.get_url_name("add"))
    assert client.get(add_url).status_code == 200
    stray = document(collection=Collection.get_first_root_node(), name="charte.pdf")
    response = client.post(
        add_url,
        {"title": "Charte", "description": "", "document": stray.pk, "sort_order": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ReferentKitDocument.objects.filter(title="Charte").exists()
    stray.refresh_from_db()
    assert stray.collection == kit_collection()


def test_other_admin_users_cannot_manage_the_kit(commune, item):
    from communities.wagtail_hooks import kit_viewset

    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(commune.editors_group)
    client = client_for(editor, verified=True)
    for name in ("list", "add"):
        response = client.get(reverse(kit_viewset.get_url_name(name)))
        assert response.status_code in (302, 403), name
    response = client.get(reverse(kit_viewset.get_url_name("edit"), args=[item.pk]))
    assert response.status_code in (302, 403)
