"""The groups API (CNT-4): /api/v1/communes/{slug}/groups/."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import CommuneModule
from modules.groups.models import Group, GroupMember
from modules.groups.services import group_join, group_update
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.groups.conftest import make_group, member_of, write

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communes/saint-malo/groups/"


def test_list_pinned_first_archived_left_out_on_request_listed(
    commune, staff, resident, group, private_group
):
    pinned = make_group(commune, staff, title="Épinglé", pinned=True)
    archived = make_group(commune, staff, title="Archivé")
    group_update(group=archived, by=staff, archived=True)
    response = token_client(resident).get(BASE)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [pinned.pk, private_group.pk, group.pk]
    private = rows[1]
    assert private["description"] == "Pour organiser les parcelles."
    assert (private["can_read"], private["can_post"], private["membership"]) == (False, False, None)
    assert rows[2]["can_read"] is True


def test_unread_counts_what_others_wrote_since_the_last_visit(group, resident, neighbour):
    write(group, neighbour)
    write(group, resident)
    api = token_client(resident)
    assert api.get(BASE).json()["results"][0]["unread"] == 1
    api.get(f"{BASE}{group.pk}/posts/")  # the visit
    assert api.get(BASE).json()["results"][0]["unread"] == 0
    write(group, neighbour, body="Et dimanche ?")
    assert api.get(BASE).json()["results"][0]["unread"] == 1


def test_the_group_list_costs_the_same_queries_for_3_and_30_groups(commune, staff, resident):
    api = token_client(resident)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(BASE).status_code == 200
        return len(queries)

    for index in range(3):
        make_group(commune, staff, title=f"Groupe {index}")
    api.get(BASE)  # warm caches (content types, the token's last use)
    three = count()
    for index in range(27):
        make_group(commune, staff, title=f"Groupe {index + 3}")
    assert count() == three


def test_the_posts_cost_the_same_queries_for_3_and_30_posts(group, resident, neighbour, staff):
    api = token_client(resident)
    url = f"{BASE}{group.pk}/posts/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
            assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        top = write(group, neighbour)
        write(group, staff, body="Réponse", parent=top, as_town_hall=True)
    api.get(url)  # the first visit creates the read marker; later ones update it
    three = count()
    for _ in range(27):
        top = write(group, validated(UserFactory(), group.commune))
        write(group, staff, body="Réponse", parent=top, as_town_hall=True)
    assert count() == three


def test_posts_with_replies_and_the_town_halls_signature(group, resident, neighbour, staff):
    top = write(group, resident)
    write(group, staff, body="Oui.", parent=top, as_town_hall=True)
    newer = write(group, neighbour, body="Et les graines ?")
    response = token_client(resident).get(f"{BASE}{group.pk}/posts/")
    body = response.json()
    assert [p["id"] for p in body["results"]] == [newer.pk, top.pk]
    first = body["results"][1]
    assert first["is_mine"] is True
    [answer] = first["replies"]
    assert answer["signature"] == "Mairie de Saint-Malo · Élu du conseil municipal"
    assert staff.email not in response.content.decode()
    # The first visit marks nothing new (as under a news item); the next one does.
    assert body["results"][0]["is_new"] is False
    newest = write(group, neighbour, body="Et l'eau ?")
    again = token_client(resident).get(f"{BASE}{group.pk}/posts/").json()["results"]
    assert [(p["id"], p["is_new"]) for p in again[:2]] == [(newest.pk, True), (newer.pk, False)]


def test_posts_are_cursor_paginated(group, resident, neighbour):
    posts = [write(group, neighbour, body=f"Message {i}") for i in range(25)]
    api = token_client(resident)
    first = api.get(f"{BASE}{group.pk}/posts/").json()
    assert len(first["results"]) == 20
    second = api.get(first["next"]).json()
    ids = [p["id"] for p in first["results"] + second["results"]]
    assert ids == [p.pk for p in reversed(posts)]


def test_create_a_post_and_a_reply(group, resident, neighbour):
    response = token_client(resident).post(
        f"{BASE}{group.pk}/posts/", {"body": "  Bonjour  "}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["body"] == "Bonjour"
    reply = token_client(neighbour).post(
        f"{BASE}{group.pk}/posts/",
        {"body": "Salut", "parent": response.json()["id"]},
        format="json",
    )
    assert reply.status_code == 201
    assert reply.json()["parent"] == response.json()["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": 12}, "body"),
        ({}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({"body": "ok", "parent": "abc"}, "parent"),
        ({"body": "ok", "parent": 999999}, "parent"),
        ({"body": "ok", "as_town_hall": "yes"}, "as_town_hall"),
    ],
)
def test_bad_input_is_a_400_on_its_field(group, resident, payload, field):
    response = token_client(resident).post(f"{BASE}{group.pk}/posts/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_an_on_request_group_s_posts_are_404_for_non_members(private_group, resident, neighbour):
    member_of(private_group, neighbour)
    write(private_group, neighbour)
    api = token_client(resident)
    assert api.get(f"{BASE}{private_group.pk}/").status_code == 200  # description visible
    assert api.get(f"{BASE}{private_group.pk}/posts/").status_code == 404
    assert (
        api.post(f"{BASE}{private_group.pk}/posts/", {"body": "x"}, format="json").status_code
        == 404
    )
    joined = api.post(f"{BASE}{private_group.pk}/join/")
    assert joined.status_code == 200
    assert joined.json() == {"status": "pending", "subscribed": True}
    assert api.get(f"{BASE}{private_group.pk}/posts/").status_code == 404  # still pending
    assert token_client(neighbour).get(f"{BASE}{private_group.pk}/posts/").status_code == 200


def test_another_commune_s_group_is_404(other_commune, group, resident, staff):
    grant_other = make_group  # noqa: F841  (readability)
    elsewhere = validated(UserFactory(), other_commune)
    api = token_client(elsewhere)
    assert api.get(f"/api/v1/communes/cocody/groups/{group.pk}/").status_code == 404
    assert api.get(f"/api/v1/communes/cocody/groups/{group.pk}/posts/").status_code == 404
    # and a Saint-Malo resident asking Saint-Malo for a missing group
    assert token_client(resident).get(f"{BASE}999999/").status_code == 404


def test_an_archived_group_is_404_for_non_members_and_readable_by_members(
    group, resident, neighbour, staff
):
    member_of(group, resident)
    group_update(group=group, by=staff, archived=True)
    assert token_client(resident).get(f"{BASE}{group.pk}/posts/").status_code == 200
    assert token_client(neighbour).get(f"{BASE}{group.pk}/").status_code == 404


def test_anonymous_and_pending_residents_are_refused(commune, group):
    assert token_client(UserFactory()).get(BASE).status_code == 403
    waiting = UserFactory()
    pending(waiting, commune)
    response = token_client(waiting).get(f"{BASE}{group.pk}/")
    assert response.status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(BASE).status_code in (401, 403)


def test_staff_create_and_change_groups_residents_cannot(commune, staff, resident):
    data = {"title": "Sécurité routière", "description": "Vos idées.", "access": "on_request"}
    assert token_client(resident).post(BASE, data, format="json").status_code == 403
    response = token_client(staff).post(BASE, data, format="json")
    assert response.status_code == 201
    group_id = response.json()["id"]
    assert Group.objects.get(pk=group_id).access == "on_request"
    patch = token_client(staff).patch(
        f"{BASE}{group_id}/", {"pinned": True, "closed": True}, format="json"
    )
    assert patch.status_code == 200
    assert patch.json()["pinned"] is True and patch.json()["closed_at"] is not None
    assert (
        token_client(resident)
        .patch(f"{BASE}{group_id}/", {"pinned": False}, format="json")
        .status_code
        == 403
    )
    bad = token_client(staff).post(BASE, {"title": "", "description": 3}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"title", "description"}


def test_staff_list_and_decide_requests(private_group, resident, staff, neighbour):
    member = group_join(group=private_group, user=resident)
    url = f"{BASE}{private_group.pk}/requests/"
    assert token_client(neighbour).get(url).status_code == 403
    listed = token_client(staff).get(url)
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["id"] == member.pk and row["status"] == "pending"
    assert resident.email not in listed.content.decode()
    decided = token_client(staff).post(f"{url}{member.pk}/decide/", {"accept": True}, format="json")
    assert decided.status_code == 200
    assert GroupMember.objects.get(pk=member.pk).status == "accepted"
    again = token_client(staff).post(f"{url}{member.pk}/decide/", {"accept": True}, format="json")
    assert again.status_code == 400
    assert (
        token_client(staff)
        .post(f"{url}999999/decide/", {"accept": True}, format="json")
        .status_code
        == 404
    )


def test_edit_own_post_only(group, resident, neighbour):
    post = write(group, resident)
    url = f"{BASE}{group.pk}/posts/{post.pk}/"
    assert token_client(neighbour).patch(url, {"body": "x"}, format="json").status_code == 404
    response = token_client(resident).patch(url, {"body": "Corrigé"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited_at"] is not None


def test_subscription(group, resident):
    api = token_client(resident)
    url = f"{BASE}{group.pk}/subscription/"
    assert api.put(url, {"subscribed": True}, format="json").json() == {
        "status": "accepted",
        "subscribed": True,
    }
    assert api.put(url, {"subscribed": False}, format="json").json()["subscribed"] is False
    assert api.put(url, {"subscribed": "no"}, format="json").status_code == 400


def test_switched_off_the_api_is_404(commune, group, resident):
    CommuneModule.objects.create(commune=commune, module="groups", enabled=False)
    assert token_client(resident).get(BASE).status_code == 404
