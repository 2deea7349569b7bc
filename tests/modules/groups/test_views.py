"""The groups' pages on the commune's host, under /groupes/ (CNT-4)."""

from __future__ import annotations

import pytest
from django.test import Client

from communes.models import CommuneModule
from conversations.models import Comment
from modules.groups.models import GroupMember
from modules.groups.services import group_update
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.groups.conftest import make_group, member_of, write
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None and user.staff_roles.exists():
        verified_login(client, user)
    elif user is not None:
        client.force_login(user)
    return client


def test_the_list_shows_pinned_groups_first_and_new_messages(
    commune, staff, group, resident, neighbour
):
    pinned = make_group(commune, staff, title="Info travaux", pinned=True)
    write(group, neighbour)
    html = client_for(resident).get("/groupes/").content.decode()
    assert html.index("Info travaux") < html.index("Jardins partagés")
    assert "Épinglé" in html
    assert "1 nouveau" in html
    assert f'href="/groupes/{pinned.pk}/"' in html


def test_a_resident_posts_and_answers_from_the_group_page(group, resident, neighbour):
    site = client_for(resident)
    page = site.get(f"/groupes/{group.pk}/").content.decode()
    assert 'id="comment-form"' in page
    response = site.post(f"/groupes/{group.pk}/", {"body": "  Qui arrose ?  "})
    post = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/groupes/{group.pk}/#comment-{post.pk}"
    other = client_for(neighbour)
    form = other.get(f"/groupes/{group.pk}/?reply={post.pk}").content.decode()
    assert f'name="parent" value="{post.pk}"' in form
    other.post(f"/groupes/{group.pk}/", {"body": "Moi !", "parent": post.pk})
    reply = Comment.objects.get(parent=post)
    html = site.get(f"/groupes/{group.pk}/").content.decode()
    assert html.index("Qui arrose ?") < html.index("Moi !")
    assert f'id="comment-{reply.pk}"' in html
    assert "Nouveau" in html


def test_an_empty_post_shows_the_form_again(group, resident):
    response = client_for(resident).post(f"/groupes/{group.pk}/", {"body": "  "})
    assert response.status_code == 400
    assert "Écrivez votre message." in response.content.decode()


def test_on_request_group_shows_its_description_not_its_messages(
    private_group, resident, neighbour
):
    member_of(private_group, neighbour)
    write(private_group, neighbour, body="Texte des membres")
    site = client_for(resident)
    html = site.get(f"/groupes/{private_group.pk}/").content.decode()
    assert "Pour organiser les parcelles." in html
    assert "Texte des membres" not in html
    assert "Demander à rejoindre" in html
    response = site.post(f"/groupes/{private_group.pk}/join/".replace("join", "rejoindre"))
    assert response.status_code == 302
    assert GroupMember.objects.get(user=resident).status == "pending"
    assert site.post(f"/groupes/{private_group.pk}/", {"body": "x"}).status_code == 302
    assert not Comment.objects.filter(author=resident).exists()


def test_join_and_unsubscribe(group, resident):
    site = client_for(resident)
    site.post(f"/groupes/{group.pk}/rejoindre/")
    member = GroupMember.objects.get(user=resident)
    assert (member.status, member.subscribed) == ("accepted", True)
    site.post(f"/groupes/{group.pk}/abonnement/", {"subscribed": "0"})
    member.refresh_from_db()
    assert member.subscribed is False


def test_closed_group_is_read_only(group, resident, staff):
    write(group, resident, body="Avant la fermeture")
    group_update(group=group, by=staff, closed=True)
    html = client_for(resident).get(f"/groupes/{group.pk}/").content.decode()
    assert "Avant la fermeture" in html
    assert 'id="comment-form"' not in html


def test_the_author_edits_their_post_others_get_404(group, resident, neighbour):
    post = write(group, resident)
    url = f"/groupes/{group.pk}/messages/{post.pk}/modifier/"
    assert client_for(neighbour).get(url).status_code == 404
    response = client_for(resident).post(url, {"body": "Corrigé"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Corrigé"


def test_other_commune_anonymous_and_pending(commune, other_commune, group):
    assert client_for().get("/groupes/").status_code == 302
    waiting = UserFactory()
    pending(waiting, commune)
    assert client_for(waiting).get("/groupes/").status_code == 403
    elsewhere = validated(UserFactory(), other_commune)
    assert client_for(elsewhere, "cocody.localhost").get(f"/groupes/{group.pk}/").status_code == 404


def test_staff_answer_as_the_town_hall(group, resident, staff):
    post = write(group, resident)
    site = client_for(staff)
    html = site.get(f"/groupes/{group.pk}/").content.decode()
    assert 'name="as_town_hall"' in html
    site.post(
        f"/groupes/{group.pk}/",
        {"body": "La mairie répond", "parent": post.pk, "as_town_hall": "on"},
    )
    answer = Comment.objects.get(parent=post)
    assert answer.as_town_hall
    html = client_for(resident).get(f"/groupes/{group.pk}/").content.decode()
    assert "Mairie de Saint-Malo" in html
    assert staff.email not in html


def test_switched_off_the_pages_are_404(commune, group, resident):
    CommuneModule.objects.create(commune=commune, module="groups", enabled=False)
    assert client_for(resident).get("/groupes/").status_code == 404


def test_the_shared_comment_partial_links_a_post_to_the_group_edit(group, resident, neighbour):
    post = write(group, resident)
    html = client_for(resident).get(f"/groupes/{group.pk}/").content.decode()
    assert f'href="/groupes/{group.pk}/messages/{post.pk}/modifier/"' in html
    assert "au message de" in html
    other = client_for(neighbour).get(f"/groupes/{group.pk}/").content.decode()
    assert "/modifier/" not in other
