"""The town hall's classifieds moderation in the API (manage/, modules/classifieds/api_staff.py):
who gets in (the admin's STAFF_SCOPE), exact codes and bodies, the wrong side, O(1) lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient
from wagtail.models import ModelLogEntry

from communes.models import StaffRole
from communes.services import module_set_enabled
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_close
from tests.factories import HostingPartnerFactory, UserFactory
from tests.follows import grant, root
from tests.twinning import make_mayor

pytestmark = pytest.mark.django_db

BASE = "/api/v1/communes/saint-malo/classifieds/manage/"
FIELDS = {
    "id",
    "kind",
    "title",
    "description",
    "contact",
    "status",
    "status_label",
    "hidden",
    "author_display_name",
    "author",
    "created_at",
    "expires_at",
    "closed_at",
}


def fr(message: str) -> str:
    with translation.override("fr"):
        return gettext(message)


FORBIDDEN = {"detail": fr("Only the town hall and its hosting partner moderate the classifieds.")}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mayor(commune):
    return make_mayor(commune)


@pytest.fixture
def partner_staff(partner):
    user = UserFactory(first_name="Paul", last_name="Hébergeur")
    partner.staff.add(user)
    return user


@pytest.fixture
def other_mayor(other_commune):
    user = UserFactory(first_name="Awa", last_name="Koné")
    grant(other_commune, user, StaffRole.Role.MAYOR)
    return user


@pytest.fixture
def rival_staff(db):
    user = UserFactory()
    HostingPartnerFactory(staff=[user])
    return user


@pytest.fixture
def three(commune, resident, neighbour, publish):
    """An open offer, a closed request and a hidden offer, oldest first."""
    now = timezone.now()
    opened = publish(commune, resident, title="Tonte")
    closed = classified_close(
        classified=publish(commune, neighbour, title="Cherche baby-sitter", kind="request"),
        by=neighbour,
    )
    hidden = publish(commune, neighbour, title="Contenu signalé")
    for offset, classified in enumerate((opened, closed, hidden)):
        Classified.objects.filter(pk=classified.pk).update(
            created_at=now - timedelta(hours=3 - offset)
        )
    Classified.objects.filter(pk=hidden.pk).update(hidden_at=now)
    return opened, closed, hidden


# --- who ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", BASE), ("get", BASE + "1/"), ("patch", BASE + "1/")],
)
def test_anonymous_gets_401(commune, method, path):
    assert getattr(APIClient(), method)(path).status_code == 401


@pytest.mark.parametrize("who", ["resident", "other_mayor", "rival_staff"])
def test_anyone_but_the_moderators_gets_403(request, commune, publish, neighbour, who):
    classified = publish(commune, neighbour)
    client = client_for(request.getfixturevalue(who))
    for response in (
        client.get(BASE),
        client.get(f"{BASE}{classified.pk}/"),
        client.patch(f"{BASE}{classified.pk}/", {"status": "closed"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN


def test_another_communes_classified_is_a_404(mayor, other_commune, neighbour, publish):
    elsewhere = publish(other_commune, neighbour)
    client = client_for(mayor)
    assert client.get(f"{BASE}{elsewhere.pk}/").status_code == 404
    response = client.patch(f"{BASE}{elsewhere.pk}/", {"status": "closed"}, format="json")
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Classified.Status.OPEN


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_unknown_id_is_a_404(mayor, pk):
    assert client_for(mayor).get(f"{BASE}{pk}/").status_code == 404


def test_module_switched_off_is_a_404(mayor, commune):
    module_set_enabled(by=root(), commune=commune, module="classifieds", enabled=False)
    assert client_for(mayor).get(BASE).status_code == 404


# --- list ---------------------------------------------------------------------------------


def test_mayor_lists_every_classified_newest_first(mayor, other_commune, resident, three, publish):
    opened, closed, hidden = three
    publish(other_commune, resident, title="Ailleurs")
    response = client_for(mayor).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [hidden.pk, closed.pk, opened.pk]
    assert set(body["results"][0]) == FIELDS
    assert [(row["status"], row["hidden"]) for row in body["results"]] == [
        ("open", True),
        ("closed", False),
        ("open", False),
    ]
    assert body["results"][1]["status_label"] == fr("Closed")
    assert body["results"][1]["closed_at"] is not None
    # The town hall reads its residents' names (PRIV), never their e-mail addresses.
    assert body["results"][2]["author"]["id"] == resident.pk
    assert body["results"][2]["author_display_name"] == "Marie Durand"
    assert resident.email not in response.content.decode()


def test_list_filters_by_status_and_kind(mayor, three):
    opened, closed, hidden = three
    client = client_for(mayor)
    body = client.get(BASE, {"status": "closed"}).json()
    assert [row["id"] for row in body["results"]] == [closed.pk]
    body = client.get(BASE, {"kind": "offer"}).json()
    assert [row["id"] for row in body["results"]] == [hidden.pk, opened.pk]
    body = client.get(BASE, {"kind": "offer", "status": "open"}).json()
    assert body["count"] == 2
    response = client.get(BASE, {"status": "hidden"})
    assert response.status_code == 400
    assert set(response.json()) == {"status"}


def test_partner_staff_list_too(partner_staff, three):
    response = client_for(partner_staff).get(BASE)
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_a_council_member_moderates_as_the_admin_lets_them(commune, three):
    """STAFF_SCOPE: the commune's staff (a town-hall role), as in the admin."""
    council = UserFactory()
    grant(commune, council, StaffRole.Role.COUNCIL)
    assert client_for(council).get(BASE).json()["count"] == 3


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow(
    mayor, commune, resident, neighbour, publish, count, django_assert_max_num_queries
):
    for index in range(count):
        publish(commune, resident if index % 2 else neighbour)
    client = client_for(mayor)
    client.get(BASE)  # the first request fills per-process caches (content types)
    # site, commune (guard, modules), modules switched on, moderates?, count, page, authors
    with django_assert_max_num_queries(8):
        response = client.get(BASE)
    assert response.json()["count"] == count


def test_list_costs_the_same_for_3_and_30(mayor, commune, neighbour, publish):
    client = client_for(mayor)
    for _ in range(3):
        publish(commune, neighbour)
    client.get(BASE)
    with CaptureQueriesContext(connection) as few:
        client.get(BASE)
    for _ in range(27):
        publish(commune, neighbour)
    with CaptureQueriesContext(connection) as many:
        assert client.get(BASE).json()["count"] == 30
    assert len(many.captured_queries) == len(few.captured_queries)


# --- read and moderate -------------------------------------------------------------------


def test_mayor_reads_a_hidden_classified(mayor, three):
    _opened, _closed, hidden = three
    response = client_for(mayor).get(f"{BASE}{hidden.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert (body["id"], body["title"], body["hidden"]) == (hidden.pk, "Contenu signalé", True)


def test_mayor_corrects_and_closes(mayor, commune, resident, publish):
    classified = publish(commune, resident, title="Tonte de pelouse pas chère")
    response = client_for(mayor).patch(
        f"{BASE}{classified.pk}/",
        {"title": "  Tonte de pelouse  ", "status": "closed"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["status"]) == ("Tonte de pelouse", "closed")
    assert body["description"] == "Je tonds votre pelouse le samedi matin."
    assert body["closed_at"] is not None
    classified.refresh_from_db()
    assert classified.title == "Tonte de pelouse"
    assert classified.status == Classified.Status.CLOSED
    assert classified.closed_at is not None
    assert ModelLogEntry.objects.filter(
        object_id=str(classified.pk), action="wagtail.edit", user=mayor
    ).exists()
    response = client_for(mayor).patch(f"{BASE}{classified.pk}/", {"status": "open"}, format="json")
    assert response.status_code == 200
    assert response.json()["closed_at"] is None
    classified.refresh_from_db()
    assert (classified.status, classified.closed_at) == (Classified.Status.OPEN, None)


def test_partner_staff_moderate_too(partner_staff, commune, resident, publish):
    classified = publish(commune, resident)
    response = client_for(partner_staff).patch(
        f"{BASE}{classified.pk}/", {"description": "Texte corrigé."}, format="json"
    )
    assert response.status_code == 200
    classified.refresh_from_db()
    assert classified.description == "Texte corrigé."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": 12}, "title"),
        ({"description": "x" * 3001}, "description"),
        ({"status": "hidden"}, "status"),
    ],
)
def test_bad_moderation_input_is_a_400(mayor, commune, resident, publish, data, field):
    classified = publish(commune, resident)
    response = client_for(mayor).patch(f"{BASE}{classified.pk}/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    classified.refresh_from_db()
    assert (classified.title, classified.status) == ("Tonte de pelouse", "open")


def test_the_operations_are_documented(client, commune):
    schema = client.get(
        reverse("api:v1:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    paths = schema["paths"]
    listing = paths["/api/v1/communes/{commune_slug}/classifieds/manage/"]
    one = paths["/api/v1/communes/{commune_slug}/classifieds/manage/{classified_id}/"]
    assert listing["get"]["operationId"] == "classifieds_manage_list"
    assert one["get"]["operationId"] == "classifieds_manage_read"
    assert one["patch"]["operationId"] == "classifieds_manage_update"
    names = {p["name"] for p in listing["get"]["parameters"]}
    assert {"status", "kind", "page"} <= names
