"""The gazette's e-mails (French, a signed link, never the post) and site forms."""

from __future__ import annotations

import re

import pytest

from gazette import services
from gazette.models import Post
from notifications.emails import Recipient, event_message
from notifications.models import Event
from tests.platform.gazette.conftest import jpeg, publish, site_client

pytestmark = pytest.mark.django_db


def test_e_mails_name_the_community_and_never_quote(gazette_world):
    post = publish(gazette_world, title="Titre privé", body="Texte privé")
    services.comment_create(post=post, author=gazette_world.neighbour, body="Commentaire privé")
    event = Event.objects.get(kind="gazette.post")
    assert event.url == f"/gazette/{post.pk}/"
    assert "Titre privé" not in event.title
    neighbour = gazette_world.neighbour
    message = event_message(event, Recipient(neighbour.pk, neighbour.email, "Paul"))
    assert message.subject == "Nouvelle publication dans la gazette de Intra-muros"
    assert "Un voisin a publié dans la gazette de Intra-muros." in message.body
    assert "://saint-malo.localhost" in message.body
    comment = Event.objects.get(kind="gazette.comment")
    author = gazette_world.here_member
    mail = event_message(comment, Recipient(author.pk, author.email, "Marie"))
    assert mail.subject == "Nouveau commentaire dans la gazette de Intra-muros"
    for text in (message.body, message.alternatives[0][0], mail.body, mail.alternatives[0][0]):
        assert "privé" not in text


def test_the_gazette_rubric_never_sends_sms(gazette_world):
    from notifications.kinds import kinds
    from notifications.models import Delivery

    assert kinds.rubric_of("gazette.post").key == "gazette"
    assert kinds.rubric_of("gazette.comment").key == "gazette"
    assert not kinds.rubric_of("gazette.post").locked  # only alerts' locked rubric may SMS
    post = publish(gazette_world)
    services.comment_create(post=post, author=gazette_world.neighbour, body="Oui")
    channels = set(Delivery.objects.values_list("channel", flat=True))
    assert "sms" not in channels and "email" in channels


def test_post_comment_and_edit_on_the_site(gazette_world):
    client = site_client(gazette_world.here_member)
    response = client.post(
        "/gazette/publier/",
        {
            "category": "carpool",
            "title": "Rennes lundi",
            "body": "Je pars à 7 h, deux places.",
            "photos": [jpeg()],
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gazette/{post.pk}/"
    assert post.photos.count() == 1
    page = client.get("/gazette/?category=carpool").content.decode()
    assert "Rennes lundi" in page and "Covoiturage" in page
    assert "Rennes lundi" not in client.get("/gazette/?category=help").content.decode()
    neighbour = site_client(gazette_world.neighbour)
    response = neighbour.post(f"/gazette/{post.pk}/commenter/", {"body": "Je prends une place"})
    assert response.status_code == 302
    detail = neighbour.get(f"/gazette/{post.pk}/").content.decode()
    assert "Je prends une place" in detail
    empty = neighbour.post(f"/gazette/{post.pk}/commenter/", {"body": ""}, follow=True)
    assert "Écrivez votre commentaire." in empty.content.decode()
    response = client.post(
        f"/gazette/{post.pk}/modifier/",
        {"category": "carpool", "title": "Rennes mardi", "body": "Je pars à 8 h."},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Rennes mardi" and post.revisions.count() == 1
    bad = client.post(
        "/gazette/publier/",
        {"category": "help", "title": "x", "body": "y", "documents": [jpeg("a.pdf")]},
    )
    assert bad.status_code == 302  # an image is an accepted document type
    refused = client.post(
        "/gazette/publier/",
        {"category": "help", "title": "x", "body": "y", "photos": [jpeg() for _ in range(7)]},
    )
    assert refused.status_code == 200
    assert "6 photos au plus." in refused.content.decode()


def test_the_site_list_s_query_count_does_not_grow(gazette_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.platform.gazette.conftest import pdf

    def rich(i):
        post = publish(gazette_world, title=f"Post {i}", photos=[jpeg()], files=[pdf()])
        services.comment_create(post=post, author=gazette_world.here_member, body="Merci")

    client = site_client(gazette_world.neighbour)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/gazette/").status_code == 200
        return len(queries)

    for i in range(3):
        rich(i)
    client.get("/gazette/")
    few = count()
    for i in range(27):
        rich(i + 3)
    assert count() == few


def test_the_shared_comment_partial_links_a_comment_to_the_gazette_edit(gazette_world):
    post = publish(gazette_world)
    comment = services.comment_create(post=post, author=gazette_world.neighbour, body="Bravo")
    html = site_client(gazette_world.neighbour).get(f"/gazette/{post.pk}/").content.decode()
    assert f'href="/gazette/{post.pk}/commentaires/{comment.pk}/modifier/"' in html
    assert "au commentaire de" in html
    other = site_client(gazette_world.here_member).get(f"/gazette/{post.pk}/").content.decode()
    assert f"/commentaires/{comment.pk}/modifier/" not in other


def test_the_comment_edit_page_cancels_back_to_the_comment(gazette_world):
    post = publish(gazette_world)
    comment = services.comment_create(post=post, author=gazette_world.neighbour, body="Bravo")
    url = f"/gazette/{post.pk}/commentaires/{comment.pk}/modifier/"
    html = site_client(gazette_world.neighbour).get(url).content.decode()
    assert f'href="/gazette/{post.pk}/#comment-{comment.pk}"' in html
    assert "Enregistrer" in html


def test_the_list_counts_photos_and_files_only_when_there_are_some(gazette_world):
    from tests.platform.gazette.conftest import pdf

    publish(gazette_world, title="Sans pièce jointe")
    publish(gazette_world, title="Avec photos", photos=[jpeg(), jpeg()], files=[pdf()])
    html = site_client(gazette_world.neighbour).get("/gazette/").content.decode()
    meta = [" ".join(m.split()) for m in re.findall(r'<p class="meta">(.*?)</p>', html, re.S)]
    counts = [line for line in meta if line.endswith("commentaire")]
    assert counts == ["2 photos · 1 fichier · 0 commentaire", "0 commentaire"]
