"""The comments API (CNT-1): /api/v1/communes/{slug}/news/{page_id}/comments/."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Comment
from conversations.services import comment_create
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.platform.conversations.conftest import add_news
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


def url(news, slug="saint-malo") -> str:
    return f"/api/v1/communes/{slug}/news/{news.pk}/comments/"


def write(news, commune, author, body="Le marché est-il maintenu ?", **kwargs) -> Comment:
    return comment_create(target=news, commune=commune, author=author, body=body, **kwargs)


def test_list_comments_with_their_replies(commune, news, resident, neighbour, staff):
    top = write(news, commune, resident)
    write(news, commune, staff, body="Oui.", parent=top, as_town_hall=True)
    newer = write(news, commune, neighbour, body="Et la brocante ?")
    response = token_client(resident).get(url(news))
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["results"]] == [newer.pk, top.pk]
    first = body["results"][1]
    assert first["is_mine"] is True
    assert first["signature"] is None
    [answer] = first["replies"]
    assert answer["signature"] == "Mairie de Saint-Malo · Élu du conseil municipal"
    assert answer["as_town_hall"] is True
    assert staff.email not in response.content.decode()
    assert body["next"] is None


def test_create_a_comment_and_a_reply(commune, news, resident, neighbour):
    api = token_client(resident)
    response = api.post(url(news), {"body": "  Merci  "}, format="json")
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert response.json()["body"] == "Merci" == comment.body
    reply = token_client(neighbour).post(
        url(news), {"body": "De rien", "parent": comment.pk}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json()["parent"] == comment.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": 3}, "body"),
        ({}, "body"),
        ({"body": "x", "parent": 999999}, "parent"),
        ({"body": "x", "as_town_hall": "yes"}, "as_town_hall"),
    ],
)
def test_bad_input_is_a_400_with_the_field(commune, news, resident, payload, field):
    response = token_client(resident).post(url(news), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Comment.objects.exists()


def test_edit_your_own_comment_only(commune, news, resident, neighbour):
    comment = write(news, commune, resident, body="Avant")
    detail = f"{url(news)}{comment.pk}/"
    assert (
        token_client(neighbour).patch(detail, {"body": "Pirate"}, format="json").status_code == 404
    )
    response = token_client(resident).patch(detail, {"body": "Après"}, format="json")
    assert response.status_code == 200
    assert response.json()["body"] == "Après"
    assert response.json()["edited_at"] is not None
    other = add_news(commune, "Autre", slug="autre")
    assert (
        token_client(resident)
        .patch(f"{url(other)}{comment.pk}/", {"body": "x"}, format="json")
        .status_code
        == 404
    )
    assert token_client(resident).delete(detail).status_code == 405


def test_the_wrong_side(commune, other_commune, news, resident):
    waiting = UserFactory()
    pending(waiting, commune)
    refused = token_client(waiting).get(url(news))
    assert refused.status_code == 403
    assert "validés par la mairie" in refused.json()["detail"]
    assert token_client(waiting).post(url(news), {"body": "x"}, format="json").status_code == 403
    elsewhere = validated(UserFactory(), other_commune)
    assert token_client(elsewhere).get(url(news)).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(url(news)).status_code == 401
    theirs = add_news(other_commune, "Fête", slug="fete")
    assert token_client(resident).get(url(theirs)).status_code == 404
    assert token_client(resident).get(url(theirs, slug="cocody")).status_code == 403
    draft = add_news(commune, "Brouillon", slug="brouillon", live=False)
    assert token_client(resident).get(url(draft)).status_code == 404
    assert token_client(resident).get(url(news, slug="nulle-part")).status_code == 404
    assert (
        token_client(resident).get("/api/v1/communes/saint-malo/news/999999/comments/").status_code
        == 404
    )


def test_a_closed_page_refuses_new_comments(commune, news, resident):
    news.comments_open = False
    news.save_revision().publish()
    response = token_client(resident).post(url(news), {"body": "Trop tard"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Les commentaires sont fermés sur cette page."


def test_only_staff_sign_as_the_town_hall(commune, news, resident, staff):
    response = token_client(resident).post(
        url(news), {"body": "Signé", "as_town_hall": True}, format="json"
    )
    assert response.status_code == 403
    from rest_framework.test import APIClient

    api = APIClient()
    verified_login(api, staff)
    signed = api.post(url(news), {"body": "La mairie", "as_town_hall": True}, format="json")
    assert signed.status_code == 201
    assert signed.json()["signature"] == "Mairie de Saint-Malo · Élu du conseil municipal"


def test_new_since_the_previous_visit(commune, news, resident, neighbour):
    api = token_client(resident)
    api.get(url(news))
    comment = write(news, commune, neighbour)
    [listed] = api.get(url(news)).json()["results"]
    assert (listed["id"], listed["is_new"]) == (comment.pk, True)
    assert api.get(url(news)).json()["results"][0]["is_new"] is False


def test_cursor_pagination(commune, news, resident, neighbour):
    for _ in range(25):
        write(news, commune, neighbour)
    api = token_client(resident)
    first = api.get(url(news)).json()
    assert len(first["results"]) == 20
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert not {c["id"] for c in first["results"]} & {c["id"] for c in second["results"]}


def _queries(api, news) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url(news)).status_code == 200
    return len(queries)


def test_the_list_s_query_count_does_not_grow(commune, news, resident, neighbour):
    api = token_client(resident)
    for _ in range(3):
        top = write(news, commune, neighbour)
        write(news, commune, resident, body="Réponse", parent=top)
    api.get(url(news))
    few = _queries(api, news)
    for _ in range(27):
        top = write(news, commune, validated(UserFactory(), commune))
        write(news, commune, resident, body="Réponse", parent=top)
    assert _queries(api, news) == few


def test_the_schema_lists_the_comment_operations(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    path = "/api/v1/communes/{commune_slug}/news/{page_id}/comments/"
    assert set(schema["paths"][path]) >= {"get", "post"}
    detail = {
        method for method in schema["paths"][path + "{comment_id}/"] if method != "parameters"
    }
    assert detail == {"patch"}  # no delete: nobody removes a comment
    assert schema["paths"][path]["get"]["tags"] == ["comments"]
    assert schema["paths"][path]["post"]["operationId"] == "comments_create"
