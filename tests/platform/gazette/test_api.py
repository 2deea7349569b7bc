"""The gazette API (CNT-2): /api/v1/communities/{community_id}/gazette/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gazette import services
from gazette.models import Post, PostRevision
from tests.api.conftest import token_client
from tests.platform.gazette.conftest import jpeg, pdf, publish

pytestmark = pytest.mark.django_db


def url(world, suffix="") -> str:
    return f"/api/v1/communities/{world.here.pk}/gazette/{suffix}"


def test_post_multipart_with_photos_and_files(gazette_world):
    api = token_client(gazette_world.here_member)
    response = api.post(
        url(gazette_world),
        {
            "category": "lost_found",
            "title": "Chat trouvé",
            "body": "Un chat roux rue de Dinan.",
            "photos": [jpeg(), jpeg("b.png")],
            "files": [pdf()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["category"] == "lost_found"
    assert len(data["photos"]) == 2 and len(data["files"]) == 1
    assert data["files"][0]["content_type"] == "application/pdf"
    assert data["is_mine"] is True
    photo = token_client(gazette_world.neighbour).get(data["photos"][0]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "nope", "title": "T", "body": "B"}, "category"),
        ({"category": "help", "title": "", "body": "B"}, "title"),
        ({"category": "help", "title": "T"}, "body"),
        (
            {
                "category": "help",
                "title": "T",
                "body": "B",
                "files": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00")],
            },
            "files",
        ),
        (
            {
                "category": "help",
                "title": "T",
                "body": "B",
                "photos": [SimpleUploadedFile("a.jpg", b"<html>")],
            },
            "photos",
        ),
    ],
)
def test_bad_input_is_a_400_with_the_field(gazette_world, payload, field):
    response = token_client(gazette_world.here_member).post(
        url(gazette_world), payload, format="multipart"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Post.objects.count() == 0


def test_the_author_patches_and_history_is_kept(gazette_world):
    post = publish(gazette_world)
    api = token_client(gazette_world.here_member)
    response = api.patch(
        url(gazette_world, f"{post.pk}/"), {"title": "Fête annulée"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Fête annulée"
    assert response.json()["edited_at"] is not None
    assert PostRevision.objects.get(post=post).title == "Fête de la rue"
    assert api.delete(url(gazette_world, f"{post.pk}/")).status_code == 405


def test_comments_and_replies(gazette_world):
    post = publish(gazette_world)
    api = token_client(gazette_world.neighbour)
    top = api.post(url(gazette_world, f"{post.pk}/comments/"), {"body": "J'y serai"}, format="json")
    assert top.status_code == 201
    reply = token_client(gazette_world.here_member).post(
        url(gazette_world, f"{post.pk}/comments/"),
        {"body": "Super", "parent": top.json()["id"]},
        format="json",
    )
    assert reply.status_code == 201 and reply.json()["parent"] == top.json()["id"]
    listed = token_client(gazette_world.here_member).get(url(gazette_world, f"{post.pk}/comments/"))
    assert [c["body"] for c in listed.json()["results"]] == ["J'y serai"]
    assert [r["body"] for r in listed.json()["results"][0]["replies"]] == ["Super"]
    edit = url(gazette_world, f"{post.pk}/comments/{top.json()['id']}/")
    assert api.patch(edit, {"body": "Je viens"}, format="json").status_code == 200
    other = token_client(gazette_world.here_member)
    assert other.patch(edit, {"body": "x"}, format="json").status_code == 404
    bad = api.post(url(gazette_world, f"{post.pk}/comments/"), {"body": ""}, format="json")
    assert bad.status_code == 400 and "body" in bad.json()


def test_new_since_the_last_visit(gazette_world):
    post = publish(gazette_world)
    api = token_client(gazette_world.neighbour)
    first = api.get(url(gazette_world)).json()["results"][0]
    assert first["is_new"] is True
    api.get(url(gazette_world, f"{post.pk}/"))
    assert api.get(url(gazette_world)).json()["results"][0]["is_new"] is False
    services.comment_create(post=post, author=gazette_world.here_member, body="Rappel")
    again = api.get(url(gazette_world)).json()["results"][0]
    assert again["has_news"] is True
    api.get(url(gazette_world, f"{post.pk}/"))
    services.comment_create(post=post, author=gazette_world.neighbour, body="Merci")
    assert api.get(url(gazette_world)).json()["results"][0]["has_news"] is False  # their own


def test_category_filter_and_cursor(gazette_world):
    for i in range(22):
        publish(gazette_world, title=f"Annonce {i}", category="classified" if i % 2 else "help")
    api = token_client(gazette_world.neighbour)
    page = api.get(url(gazette_world), {"category": "help"}).json()
    assert {p["category"] for p in page["results"]} == {"help"}
    full = api.get(url(gazette_world)).json()
    assert len(full["results"]) == 20 and full["next"]
    assert len(api.get(full["next"]).json()["results"]) == 2
    assert api.get(url(gazette_world), {"category": "nope"}).status_code == 400


def _queries(api, target) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(target).status_code == 200
    return len(queries)


def _rich_post(world, i):
    post = publish(world, title=f"Post {i}", photos=[jpeg()], files=[pdf()])
    services.comment_create(post=post, author=world.neighbour, body="Merci")
    return post


def test_the_list_s_query_count_does_not_grow(gazette_world):
    api = token_client(gazette_world.neighbour)
    for i in range(3):
        _rich_post(gazette_world, i)
    api.get(url(gazette_world))
    few = _queries(api, url(gazette_world))
    for i in range(27):
        _rich_post(gazette_world, i + 3)
    assert _queries(api, url(gazette_world)) == few


def test_the_schema_lists_the_gazette_operations(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    base = "/api/v1/communities/{community_id}/gazette/"
    assert set(schema["paths"][base]) >= {"get", "post"}
    detail = {m for m in schema["paths"][base + "{post_id}/"] if m != "parameters"}
    assert detail == {"get", "patch"}  # no delete (seed 003)
    assert "multipart/form-data" in schema["paths"][base]["post"]["requestBody"]["content"]
    assert schema["paths"][base]["get"]["tags"] == ["gazette"]
    for suffix in (
        "{post_id}/comments/",
        "{post_id}/comments/{comment_id}/",
        "{post_id}/photos/{photo_id}/",
        "{post_id}/files/{file_id}/",
    ):
        assert base + suffix in schema["paths"]


def test_a_reply_shows_its_author_as_the_thread_does(gazette_world):
    """The POST answer and the list give the same card (conversations.threads.attach_thread)."""
    post = publish(gazette_world)
    top = services.comment_create(post=post, author=gazette_world.here_member, body="Qui vient ?")
    author = gazette_world.neighbour
    author.pseudonym = "Jardinier35"
    author.save(update_fields=["pseudonym"])
    reply = token_client(author).post(
        url(gazette_world, f"{post.pk}/comments/"),
        {"body": "Moi", "parent": top.pk},
        format="json",
    )
    assert reply.status_code == 201
    listed = token_client(author).get(url(gazette_world, f"{post.pk}/comments/"))
    assert reply.json()["author"] == listed.json()["results"][0]["replies"][0]["author"]
