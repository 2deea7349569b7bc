"""The référents' kit in the API: /api/v1/referent-kit/ (API-1, CTY-12)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from wagtail.models import Collection

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities.models import Membership, ReferentKitDocument
from tests.api.conftest import token_client
from tests.communities import make_community, referent_of
from tests.factories import UserFactory
from tests.follows import grant
from tests.kit import CONTENT, document

LIST = "/api/v1/referent-kit/"


def download_url(pk) -> str:
    return f"{LIST}{pk}/download/"


@pytest.fixture
def item(db):
    return ReferentKitDocument.objects.create(
        title="Guide du référent",
        description="Tout pour bien démarrer.",
        document=document(),
        sort_order=2,
    )


@pytest.fixture
def community(commune):
    return make_community(commune, members=1)


@pytest.fixture
def referent_api(community):
    return token_client(referent_of(community))


@pytest.fixture
def staff_api(db):
    user = UserFactory()
    user.groups.add(platform_staff_group())
    return token_client(user)


def test_a_referent_lists_the_kit_in_its_order(referent_api, item):
    first = ReferentKitDocument.objects.create(
        title="Charte", document=document(name="charte.docx", content=b"PK\x03\x04"), sort_order=1
    )
    response = referent_api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [first.pk, item.pk]
    row = body["results"][1]
    assert set(row) == {
        "id",
        "title",
        "description",
        "file_size",
        "file_extension",
        "created_at",
        "download_url",
    }
    assert (row["title"], row["description"]) == ("Guide du référent", "Tout pour bien démarrer.")
    assert row["file_size"] == len(CONTENT)
    assert row["file_extension"] == "pdf"
    assert body["results"][0]["file_extension"] == "docx"
    assert row["download_url"] == f"http://testserver{download_url(item.pk)}"
    assert row["created_at"]


def test_a_referent_downloads_a_document(referent_api, item):
    response = referent_api.get(download_url(item.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert f'filename="{item.document.filename}"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == CONTENT


def test_platform_staff_use_the_kit_too(staff_api, item):
    assert staff_api.get(LIST).json()["count"] == 1
    response = staff_api.get(download_url(item.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT


@pytest.mark.parametrize("kind", ["member", "mayor", "resident"])
def test_anyone_else_signed_in_is_refused(kind, commune, community, item, resident):
    user = {
        "member": lambda: (
            Membership.objects.members().get(community=community, is_referent=False).user
        ),
        "mayor": lambda: grant(commune, UserFactory(), StaffRole.Role.MAYOR).user,
        "resident": lambda: resident,
    }[kind]()
    client = token_client(user)
    for url in (LIST, download_url(item.pk)):
        response = client.get(url)
        assert response.status_code == 403, url
        assert CONTENT not in response.content


def test_anonymous_callers_get_401(item):
    client = APIClient()
    assert client.get(LIST).status_code == 401
    assert client.get(download_url(item.pk)).status_code == 401


def test_a_document_outside_the_kit_is_404(referent_api, item):
    # A Wagtail document of another collection, not in the kit: its id is no kit's id.
    root = Collection.get_first_root_node()
    stray = document(collection=root, name="affiche.pdf")
    if stray.pk == item.pk:  # ids of two tables may meet: take the next one
        stray = document(collection=root, name="affiche.pdf")
    assert not ReferentKitDocument.objects.filter(pk=stray.pk).exists()
    response = referent_api.get(download_url(stray.pk))
    assert response.status_code == 404
    assert CONTENT not in response.content
    assert referent_api.get(download_url(item.pk + 1000)).status_code == 404
    # Taken out of the kit: 404 too.
    ReferentKitDocument.objects.filter(pk=item.pk).delete()
    assert referent_api.get(download_url(item.pk)).status_code == 404


def test_a_file_missing_from_the_storage_is_404(referent_api, item):
    item.document.file.delete(save=False)
    assert referent_api.get(download_url(item.pk)).status_code == 404


def test_the_list_queries_do_not_grow(referent_api, item, django_assert_max_num_queries):
    referent_api.get(LIST)
    with django_assert_max_num_queries(8) as few:
        referent_api.get(LIST)
    for number in range(5):
        ReferentKitDocument.objects.create(
            title=f"Fiche {number}", document=document(name=f"fiche-{number}.pdf")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert referent_api.get(LIST).json()["count"] == 6
