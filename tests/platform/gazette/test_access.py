"""Only the members of the community read its gazette (CNT-2): every site URL and API
endpoint, as each person who must not, answers exactly 404 (the login page for an
anonymous visitor on the site, 401 on the API); a member gets 200."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gazette import services
from tests.api.conftest import token_client
from tests.platform.gazette.conftest import HOST, jpeg, pdf, publish, site_client
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(gazette_world):
    post = publish(gazette_world, photos=[jpeg()], files=[pdf()])
    post.comment = services.comment_create(
        post=post, author=gazette_world.here_member, body="Qui vient ?"
    )
    return post


def site_urls(post) -> list[tuple[str, str]]:
    photo = post.photos.get()
    document = post.files.get()
    base = f"/gazette/{post.pk}/"
    return [
        ("get", "/gazette/"),
        ("get", "/gazette/?category=help"),
        ("get", "/gazette/publier/"),
        ("post", "/gazette/publier/"),
        ("get", base),
        ("get", f"{base}modifier/"),
        ("post", f"{base}modifier/"),
        ("post", f"{base}commenter/"),
        ("get", f"{base}commentaires/{post.comment.pk}/modifier/"),
        ("post", f"{base}commentaires/{post.comment.pk}/modifier/"),
        ("get", f"{base}photos/{photo.pk}/"),
        ("get", f"{base}fichiers/{document.pk}/"),
    ]


def api_urls(post) -> list[tuple[str, str]]:
    photo = post.photos.get()
    document = post.files.get()
    base = f"/api/v1/communities/{post.community_id}/gazette/"
    return [
        ("get", base),
        ("post", base),
        ("get", f"{base}{post.pk}/"),
        ("patch", f"{base}{post.pk}/"),
        ("get", f"{base}{post.pk}/comments/"),
        ("post", f"{base}{post.pk}/comments/"),
        ("patch", f"{base}{post.pk}/comments/{post.comment.pk}/"),
        ("get", f"{base}{post.pk}/photos/{photo.pk}/"),
        ("get", f"{base}{post.pk}/files/{document.pk}/"),
    ]


PAYLOAD = {"category": "help", "title": "Titre", "body": "Texte", "photos": [], "files": []}


def _site_client_for(name, user):
    client = site_client()
    if name in ("town-hall staff", "platform staff"):
        verified_login(client, user)
    else:
        client.force_login(user)
    return client


# Members of another community (twinned or not) have a gazette of their own at /gazette/.
OWN_GAZETTE = {"twinned member", "other community's member"}


def test_every_site_url_is_404_for_outsiders(gazette_world, post, outsiders):
    for name, user in outsiders.items():
        client = _site_client_for(name, user)
        for method, url in site_urls(post):
            if method == "get" and not url.startswith(f"/gazette/{post.pk}/"):
                response = client.get(url)
                if name in OWN_GAZETTE:  # theirs, without this community's posts
                    assert response.status_code == 200, (name, url)
                    assert post.title not in response.content.decode()
                    assert gazette_world.here.name not in response.content.decode()
                    continue
            elif method == "post" and url == "/gazette/publier/" and name in OWN_GAZETTE:
                continue  # would post in their own gazette
            data = {"body": "x", "title": "x", "category": "help"} if method == "post" else None
            response = getattr(client, method)(url, data) if data else client.get(url)
            assert response.status_code == 404, (name, method, url, response.status_code)


def test_anonymous_visitors_are_sent_to_the_login_page(post):
    client = site_client()
    for method, url in site_urls(post):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/compte/connexion/"), response["Location"]


def test_every_api_endpoint_is_404_for_outsiders(gazette_world, post, outsiders):
    for name, user in outsiders.items():
        api = token_client(user)
        for method, url in api_urls(post):
            response = getattr(api, method)(url, {"body": "x"}, format="json")
            assert response.status_code == 404, (name, method, url, response.status_code)


def test_anonymous_api_requests_are_401(post):
    api = APIClient()
    for method, url in api_urls(post):
        assert getattr(api, method)(url).status_code == 401, (method, url)


def test_a_member_reads_everything(gazette_world, post):
    client = site_client(gazette_world.neighbour)
    for method, url in site_urls(post):
        if method != "get" or "modifier" in url:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
    photo = client.get(f"/gazette/{post.pk}/photos/{post.photos.get().pk}/")
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert photo["Cache-Control"].startswith("private")
    document = client.get(f"/gazette/{post.pk}/fichiers/{post.files.get().pk}/")
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"].startswith("attachment")
    assert b"".join(document.streaming_content).startswith(b"%PDF-")
    api = token_client(gazette_world.neighbour)
    for method, url in api_urls(post):
        if method == "get":
            assert api.get(url).status_code == 200, url


def test_only_the_author_edits(gazette_world, post):
    neighbour = site_client(gazette_world.neighbour)
    assert neighbour.get(f"/gazette/{post.pk}/modifier/").status_code == 404
    api = token_client(gazette_world.neighbour)
    url = f"/api/v1/communities/{post.community_id}/gazette/{post.pk}/"
    assert api.patch(url, {"title": "Pirate"}, format="json").status_code == 404
    author = site_client(gazette_world.here_member)
    assert author.get(f"/gazette/{post.pk}/modifier/").status_code == 200


def test_the_platform_host_redirects_to_the_commune(gazette_world, post):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(gazette_world.neighbour)
    response = client.get("/gazette/")
    assert response.status_code == 302
    assert HOST in response["Location"]


def test_the_staff_comment_list_never_shows_gazette_comments(gazette_world, post):
    from conversations.selectors import comments_for_staff

    assert not comments_for_staff(user=gazette_world.mayor).exists()
    client = site_client()
    verified_login(client, gazette_world.mayor)
    response = client.get("/admin/comments/")
    assert response.status_code == 200
    assert "Qui vient" not in response.content.decode()


def test_conversations_news_paths_never_reach_gazette_comments(gazette_world, post):
    """The news comments' pages, API and admin answer 404 for a gazette comment."""
    comment = post.comment
    author = site_client(gazette_world.here_member)
    assert author.get(f"/commentaires/{comment.pk}/modifier/").status_code in (403, 404)
    staff = site_client()
    verified_login(staff, gazette_world.mayor)
    assert staff.get(f"/admin/comments/{comment.pk}/reply/").status_code == 404
    assert staff.post(f"/admin/comments/{comment.pk}/reply/", {"body": "x"}).status_code == 404


def test_the_post_is_a_reportable_kind():
    from django.apps import apps

    kinds = {kind.key: kind for kind in apps.get_app_config("gazette").reportable_kinds}
    assert kinds["gazette.post"].model == "gazette.Post"
    assert kinds["gazette.post"].commune == "community__commune"
    assert kinds["gazette.post"].space == "community"
