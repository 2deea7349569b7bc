"""Site pages of messages (/messages/) and the Wagtail admin's "Messagerie"."""

from __future__ import annotations

import pytest
from django.test import Client

from messaging import selectors, services
from messaging.models import Block, Message, Thread
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.platform.messaging.conftest import start
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


def logged(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inbox_shows_unread_and_header_count(world, alice):
    thread = start(world.here_member, alice, subject="Fête des voisins")
    client = logged(alice)
    page = client.get("/messages/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fête des voisins" in html
    assert "message-thread--unread" in html
    assert 'data-unread="1"' in html  # the header's count
    reading = client.get(f"/messages/{thread.pk}/")
    assert reading.status_code == 200
    assert "Bonjour !" in reading.content.decode()
    assert selectors.unread_count(alice) == 0


def test_choose_recipients_without_javascript_then_send(world, alice):
    client = logged(world.here_member)
    found = client.get("/messages/nouveau/", {"q": "alice"})
    assert f'name="add" value="{alice.pk}"' in found.content.decode()
    chosen = client.get("/messages/nouveau/", {"add": alice.pk, "q": "alice"})
    html = chosen.content.decode()
    assert f'name="remove" value="{alice.pk}"' in html
    assert f'name="to" value="{alice.pk}"' in html
    removed = client.get("/messages/nouveau/", {"to": alice.pk, "remove": alice.pk})
    assert f'name="remove" value="{alice.pk}"' not in removed.content.decode()
    sent = client.post("/messages/nouveau/", {"to": [alice.pk], "body": "Salut", "subject": ""})
    thread = Thread.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/messages/{thread.pk}/"
    # Someone out of reach passed by hand is dropped, never written to.
    client.post("/messages/nouveau/", {"to": [world.far_referent.pk], "body": "x"})
    assert Thread.objects.count() == 1


def test_a_one_letter_search_asks_for_more(world, alice):
    client = logged(world.here_member)
    html = client.get("/messages/nouveau/", {"q": "a"}).content.decode()
    assert "Tapez au moins 2 lettres du nom ou du pseudonyme." in html
    assert "<p>Personne à qui vous pouvez écrire ne correspond" not in html
    assert f'name="add" value="{alice.pk}"' not in html


def test_reply_and_refusal_messages(world, alice):
    thread = start(world.here_member, alice)
    client = logged(alice)
    response = client.post(f"/messages/{thread.pk}/", {"body": "Bien reçu"})
    assert response.status_code == 302
    assert Message.objects.filter(thread=thread).count() == 2
    services.block(blocker=world.here_member, blocked=alice)
    refused = client.post(f"/messages/{thread.pk}/", {"body": "Encore"})
    assert refused.status_code == 200
    assert "Cette personne ne reçoit plus vos messages." in refused.content.decode()


def test_other_peoples_threads_are_404(world, alice, commune):
    thread = start(world.here_member, alice)
    assert logged(world.here_referent).get(f"/messages/{thread.pk}/").status_code == 404
    assert (
        logged(world.far_referent).post(f"/messages/{thread.pk}/", {"body": "x"}).status_code == 404
    )
    anonymous = Client().get(f"/messages/{thread.pk}/")
    assert anonymous.status_code == 302


def test_block_and_unblock_pages(world, alice):
    start(world.here_member, alice)
    client = logged(alice)
    assert client.post(f"/messages/bloquer/{world.here_member.pk}/").status_code == 302
    assert Block.objects.filter(blocker=alice, blocked=world.here_member).exists()
    assert client.post(f"/messages/bloquer/{world.far_referent.pk}/").status_code == 404
    page = client.get("/messages/bloques/").content.decode()
    assert f'name="unblock" value="{world.here_member.pk}"' in page
    client.post("/messages/bloques/", {"unblock": world.here_member.pk})
    assert not Block.objects.exists()


def test_write_to_the_town_hall(commune, clerk):
    resident = validated(UserFactory(), commune)
    client = logged(resident)
    assert client.get("/messages/mairie/saint-malo/").status_code == 200
    response = client.post("/messages/mairie/saint-malo/", {"body": "Un lampadaire est cassé."})
    thread = Thread.objects.get()
    assert response["Location"] == f"/messages/{thread.pk}/"
    assert thread.commune == commune
    stranger = logged(UserFactory())
    assert stranger.get("/messages/mairie/saint-malo/").status_code == 403
    assert stranger.post("/messages/mairie/saint-malo/", {"body": "x"}).status_code == 403
    assert Thread.objects.count() == 1


def test_admin_inbox_reply_and_scope(commune, other_commune, clerk):
    resident = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    thread = services.town_hall_thread_start(author=resident, commune=commune, body="Bonjour")
    client = Client()
    verified_login(client, clerk)
    inbox = client.get("/admin/messagerie/")
    assert inbox.status_code == 200
    assert "Marie Durand" in inbox.content.decode()
    page = client.get(f"/admin/messagerie/{thread.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<button type="submit" class="button">Envoyer la réponse</button>' in html
    assert 'href="/admin/messagerie/">Retour à la messagerie</a>' in html
    answer = client.post(f"/admin/messagerie/{thread.pk}/", {"body": "Nous arrivons."})
    assert answer.status_code == 302
    last = Message.objects.filter(thread=thread).last()
    assert last.as_town_hall and last.author == clerk
    other = UserFactory()
    grant(other_commune, other)
    other_client = Client()
    verified_login(other_client, other)
    assert other_client.get(f"/admin/messagerie/{thread.pk}/").status_code == 404
    assert "Marie Durand" not in other_client.get("/admin/messagerie/").content.decode()


def test_admin_write_to_a_resident(commune, clerk):
    resident = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    client = Client()
    verified_login(client, clerk)
    search = client.get("/admin/messagerie/ecrire/", {"q": "durand"})
    assert search.status_code == 200
    assert "Marie Durand" in search.content.decode()
    sent = client.post(
        "/admin/messagerie/ecrire/?commune=saint-malo&q=durand",
        {"commune": "saint-malo", "resident": resident.pk, "body": "Bonjour Madame"},
    )
    assert sent.status_code == 302
    assert Thread.objects.get().commune == commune
    assert selectors.unread_count(resident) == 1


def test_the_header_counts_notifications_and_messages_in_one_query(
    world, alice, django_assert_num_queries
):
    start(world.here_member, alice)
    with django_assert_num_queries(1):
        assert selectors.header_counts(alice) == (0, 1)
    assert selectors.header_counts(None) == (0, 0)


def test_an_edited_cursor_shows_the_first_page_of_the_inbox(world, alice):
    """A stale or hand-edited link (cD1hYmM= is p=abc) used to raise while building the
    query: the first page instead (issue 21, item 7; the API answers 400)."""
    start(world.here_member, alice, subject="Fête des voisins")
    page = logged(alice).get("/messages/?cursor=cD1hYmM%3D")
    assert page.status_code == 200
    assert "Fête des voisins" in page.content.decode()
