"""The "Commentaires" admin: the town hall reads its news' comments and answers (CNT-1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from communes.models import StaffRole
from conversations.models import Comment
from conversations.services import comment_create
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.platform.conversations.conftest import add_news
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
INDEX = "/admin/comments/"


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def write(news, commune, author, body="Le marché est-il maintenu ?", **kwargs) -> Comment:
    return comment_create(target=news, commune=commune, author=author, body=body, **kwargs)


@pytest.fixture
def theirs(other_commune):
    """Cocody's news with a comment, and Cocody's own staff member."""
    news = add_news(other_commune, "Fête à Cocody", slug="fete")
    clerk = UserFactory(first_name="Awa", last_name="Koné")
    grant(other_commune, clerk, StaffRole.Role.COUNCIL)
    comment = write(news, other_commune, validated(UserFactory(), other_commune), body="À Cocody")
    return news, clerk, comment


def test_staff_list_their_commune_s_comments_only(commune, news, resident, staff, theirs):
    write(news, commune, resident, body="À Saint-Malo")
    response = admin_client(staff).get(INDEX)
    assert response.status_code == 200
    assert "À Saint-Malo" in response.text
    assert "À Cocody" not in response.text
    assert "Travaux rue de Dinan" in response.text
    _news, clerk, _comment = theirs
    other = admin_client(clerk).get(INDEX)
    assert "À Cocody" in other.text
    assert "À Saint-Malo" not in other.text


def test_filter_by_news_item(commune, news, resident, staff):
    other = add_news(commune, "Fête de la musique", slug="musique")
    write(news, commune, resident, body="Sur les travaux")
    write(other, commune, resident, body="Sur la fête")
    response = admin_client(staff).get(f"{INDEX}?news={other.pk}")
    assert "Sur la fête" in response.text
    assert "Sur les travaux" not in response.text


def test_staff_answer_as_the_town_hall_from_the_admin(commune, news, resident, staff):
    top = write(news, commune, resident)
    client = admin_client(staff)
    form = client.get(f"{INDEX}{top.pk}/reply/")
    assert form.status_code == 200
    assert "Le marché est-il maintenu ?" in form.text
    response = client.post(
        f"{INDEX}{top.pk}/reply/", {"body": "Oui, il est maintenu.", "as_town_hall": "on"}
    )
    assert response.status_code == 302
    answer = Comment.objects.get(parent=top)
    assert (answer.author, answer.as_town_hall, answer.signed_role) == (
        staff,
        True,
        "Élu du conseil municipal",
    )


def test_an_empty_answer_is_refused(commune, news, resident, staff):
    top = write(news, commune, resident)
    response = admin_client(staff).post(f"{INDEX}{top.pk}/reply/", {"body": " "})
    assert response.status_code == 200
    assert "Écrivez votre commentaire." in response.text
    assert not Comment.objects.filter(parent=top).exists()


def test_a_closed_page_takes_no_answer(commune, news, resident, staff):
    top = write(news, commune, resident)
    news.comments_open = False
    news.save_revision().publish()
    response = admin_client(staff).post(f"{INDEX}{top.pk}/reply/", {"body": "Réponse"})
    assert response.status_code == 200
    assert "Les commentaires sont fermés sur cette page." in response.text
    assert not Comment.objects.filter(parent=top).exists()


def test_another_commune_s_staff_get_404(commune, news, resident, theirs):
    top = write(news, commune, resident)
    _news, clerk, their_comment = theirs
    client = admin_client(clerk)
    assert client.get(f"{INDEX}{top.pk}/reply/").status_code == 404
    assert client.post(f"{INDEX}{top.pk}/reply/", {"body": "Intrus"}).status_code == 404
    assert client.get(f"{INDEX}999999/reply/").status_code == 404
    assert not Comment.objects.filter(parent=top).exists()
    # On Saint-Malo's host the scope is Saint-Malo's comments only.
    assert (
        client.get(
            f"{INDEX}{their_comment.pk}/reply/", HTTP_HOST="saint-malo.localhost"
        ).status_code
        == 404
    )


def test_a_resident_is_not_let_in(commune, news, resident):
    top = write(news, commune, resident)
    client = Client()
    client.force_login(resident)
    assert client.get(INDEX).status_code == 302  # Wagtail's admin login
    assert client.get(f"{INDEX}{top.pk}/reply/").status_code == 302


def test_no_delete_route(commune, news, resident, staff):
    top = write(news, commune, resident)
    assert admin_client(staff).post(f"{INDEX}{top.pk}/delete/").status_code == 404


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries)


def test_the_list_s_query_count_does_not_grow(commune, news, resident, staff):
    other = add_news(commune, "Autre", slug="autre")
    for target in (news, other, news):
        write(target, commune, validated(UserFactory(), commune))
    client = admin_client(staff)
    client.get(INDEX)
    few = _queries(client)
    for index in range(27):
        target = news if index % 2 else add_news(commune, f"Actu {index}", slug=f"actu-{index}")
        write(target, commune, validated(UserFactory(), commune))
    assert _queries(client) == few
