"""The comments under a news page and their forms, on the commune's host (CNT-1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conversations.models import Comment
from conversations.services import comment_create
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.platform.conversations.conftest import add_news
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None and user.staff_roles.exists():
        verified_login(client, user)  # staff prove a second factor (accounts.mfa)
    elif user is not None:
        client.force_login(user)
    return client


def write(news, commune, author, body="Le marché est-il maintenu ?", **kwargs) -> Comment:
    return comment_create(target=news, commune=commune, author=author, body=body, **kwargs)


def test_visitors_and_pending_residents_see_the_news_but_not_the_comments(commune, news, resident):
    write(news, commune, resident, body="Texte réservé aux habitants")
    anonymous = client_for().get("/travaux/")
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert "La rue sera fermée" in html
    assert "Texte réservé aux habitants" not in html
    assert "Les commentaires sont réservés aux administrés validés par la mairie." in html
    assert "/compte/connexion/?next=/travaux/" in html
    waiting = UserFactory()
    pending(waiting, commune)
    html = client_for(waiting).get("/travaux/").content.decode()
    assert "Texte réservé aux habitants" not in html
    assert "Votre demande est en attente de validation par la mairie." in html
    assert 'id="comment-form"' not in html


def test_a_resident_of_another_commune_does_not_read_them(commune, other_commune, news, resident):
    write(news, commune, resident, body="Texte réservé aux habitants")
    elsewhere = validated(UserFactory(), other_commune)
    html = client_for(elsewhere).get("/travaux/").content.decode()
    assert "Texte réservé aux habitants" not in html


def test_a_resident_comments_and_answers_from_the_page(commune, news, resident, neighbour):
    site = client_for(resident)
    page = site.get("/travaux/")
    assert 'id="comment-form"' in page.content.decode()
    response = site.post(f"/commentaires/actualites/{news.pk}/", {"body": "  Bonne nouvelle  "})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/travaux/#comment-{comment.pk}"
    assert comment.body == "Bonne nouvelle"
    other = client_for(neighbour)
    form = other.get(f"/travaux/?reply={comment.pk}").content.decode()
    assert f'name="parent" value="{comment.pk}"' in form
    assert "Votre réponse au commentaire de" in form
    other.post(f"/commentaires/actualites/{news.pk}/", {"body": "Oui !", "parent": comment.pk})
    reply = Comment.objects.get(parent=comment)
    assert reply.author == neighbour
    html = site.get("/travaux/").content.decode()
    assert html.index("Bonne nouvelle") < html.index("Oui !")
    assert f'id="comment-{reply.pk}"' in html


def test_an_empty_comment_shows_the_form_again(commune, news, resident):
    response = client_for(resident).post(f"/commentaires/actualites/{news.pk}/", {"body": "  "})
    assert response.status_code == 200
    assert "Écrivez votre commentaire." in response.content.decode()
    assert not Comment.objects.exists()


def test_staff_answer_as_the_town_hall(commune, news, resident, staff):
    top = write(news, commune, resident)
    form = client_for(staff).get(f"/travaux/?reply={top.pk}").content.decode()
    assert "Répondre au nom de la mairie" in form
    assert (
        "Répondre au nom de la mairie" not in client_for(resident).get("/travaux/").content.decode()
    )
    client_for(staff).post(
        f"/commentaires/actualites/{news.pk}/",
        {"body": "Le marché est maintenu.", "parent": top.pk, "as_town_hall": "on"},
    )
    answer = Comment.objects.get(parent=top)
    assert answer.as_town_hall
    html = client_for(resident).get("/travaux/").content.decode()
    assert "<strong>Mairie de Saint-Malo</strong> · Élu du conseil municipal" in html
    assert staff.email not in html


def test_a_resident_cannot_sign_as_the_town_hall(commune, news, resident):
    client_for(resident).post(
        f"/commentaires/actualites/{news.pk}/", {"body": "Signé mairie", "as_town_hall": "on"}
    )
    assert not Comment.objects.get().as_town_hall  # the field is not offered: ignored


def test_new_comments_since_the_last_visit_are_highlighted(commune, news, resident, neighbour):
    site = client_for(resident)
    first = site.get("/travaux/").content.decode()
    assert "comment--new" not in first
    comment = write(news, commune, neighbour, body="Du nouveau")
    html = site.get("/travaux/").content.decode()
    assert "1 nouveau commentaire depuis votre dernière visite." in html
    assert f'class="comment comment--new" id="comment-{comment.pk}"' in html
    again = site.get("/travaux/").content.decode()
    assert "comment--new" not in again


def test_the_author_edits_and_the_comment_is_marked(commune, news, resident, neighbour):
    comment = write(news, commune, resident, body="Premier jet")
    site = client_for(resident)
    assert site.get(f"/commentaires/{comment.pk}/modifier/").status_code == 200
    assert client_for(neighbour).get(f"/commentaires/{comment.pk}/modifier/").status_code == 404
    assert (
        client_for(neighbour)
        .post(f"/commentaires/{comment.pk}/modifier/", {"body": "Pirate"})
        .status_code
        == 404
    )
    response = site.post(f"/commentaires/{comment.pk}/modifier/", {"body": "Version corrigée"})
    assert response.status_code == 302
    html = site.get("/travaux/").content.decode()
    assert "Version corrigée" in html
    assert "modifié le" in html
    assert "Premier jet" not in html


def test_a_closed_page_shows_its_comments_without_a_form(commune, news, resident):
    write(news, commune, resident, body="Écrit avant la fermeture")
    news.comments_open = False
    news.save_revision().publish()
    site = client_for(resident)
    html = site.get("/travaux/").content.decode()
    assert "Écrit avant la fermeture" in html
    assert "La mairie a fermé cette actualité aux commentaires." in html
    assert 'id="comment-form"' not in html
    response = site.post(f"/commentaires/actualites/{news.pk}/", {"body": "Trop tard"})
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_the_forms_from_the_wrong_side(commune, other_commune, news, resident):
    waiting = UserFactory()
    pending(waiting, commune)
    url = f"/commentaires/actualites/{news.pk}/"
    assert client_for(waiting).post(url, {"body": "x"}).status_code == 403
    anonymous = client_for().post(url, {"body": "x"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/compte/connexion/?next=")
    theirs = add_news(other_commune, "Fête", slug="fete")
    assert (
        client_for(resident)
        .post(f"/commentaires/actualites/{theirs.pk}/", {"body": "x"})
        .status_code
        == 404
    )
    assert (
        client_for(resident).post("/commentaires/actualites/999999/", {"body": "x"}).status_code
        == 404
    )
    draft = add_news(commune, "Brouillon", slug="brouillon", live=False)
    assert (
        client_for(resident)
        .post(f"/commentaires/actualites/{draft.pk}/", {"body": "x"})
        .status_code
        == 404
    )
    assert client_for(resident, host="testserver").post(url, {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


def _queries(site) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert site.get("/travaux/").status_code == 200
    return len(queries)


def test_the_thread_s_query_count_does_not_grow(commune, news, resident, neighbour):
    site = client_for(resident)
    for _ in range(3):
        top = write(news, commune, neighbour)
        write(news, commune, resident, body="Réponse", parent=top)
    site.get("/travaux/")  # the read marker exists from now on
    few = _queries(site)
    for _ in range(27):
        top = write(news, commune, validated(UserFactory(), commune))
        write(news, commune, resident, body="Réponse", parent=top)
    assert _queries(site) == few


def test_answering_a_comment_of_an_older_page_of_the_thread(commune, news, resident, neighbour):
    import re

    oldest = write(news, commune, neighbour, body="Le plus ancien")
    reply = write(news, commune, resident, body="Une réponse", parent=oldest)
    for _ in range(20):
        write(news, commune, resident)
    html = client_for(resident).get(f"/travaux/?reply={reply.pk}").content.decode()
    assert "Le plus ancien" not in html  # not on the first page of the thread
    assert f'name="parent" value="{oldest.pk}"' in html  # a reply's reply answers its top
    assert re.search(r"Votre réponse au commentaire de \w", html)
