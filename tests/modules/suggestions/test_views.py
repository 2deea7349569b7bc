"""The suggestions' pages on the commune's host, under /suggestions/ (SUG-1, SUG-2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from conversations.models import Comment
from modules.suggestions.models import Follower, Suggestion, Vote
from modules.suggestions.services import vote_cast
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.suggestions.helpers import category_of, jpeg, propose, public, publish
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


def test_the_list_shows_public_suggestions_with_totals_newest_first(commune, resident, neighbour):
    older = public(commune, resident, title="Plus de bancs")
    newer = public(commune, neighbour, title="Une piste cyclable")
    propose(commune, resident, title="En attente")
    for _ in range(1):
        vote_cast(suggestion=older, user=neighbour, in_favour=False)
    vote_cast(suggestion=older, user=resident, in_favour=True)
    html = client_for(neighbour).get("/suggestions/").content.decode()
    assert html.index("Une piste cyclable") < html.index("Plus de bancs")
    assert "En attente" not in html
    assert "1 pour · 1 contre" in html
    assert "Vous avez voté contre" in html
    assert f'href="/suggestions/{newer.pk}/"' in html


def test_the_list_filters_by_status_and_category(commune, resident):
    public(commune, resident, title="Plus de bancs")
    publish(
        propose(commune, resident, title="Des arbres", category_id=category_of(commune, 3).pk),
        status=Suggestion.Status.UNDER_STUDY,
    )
    site = client_for(resident)
    html = site.get("/suggestions/?status=under_study").content.decode()
    assert "Des arbres" in html and "Plus de bancs" not in html
    html = site.get(f"/suggestions/?category={category_of(commune, 1).pk}").content.decode()
    assert "Plus de bancs" in html and "Des arbres" not in html


def test_the_list_stays_o1_in_queries_with_500_suggestions(
    commune, resident, neighbour, django_assert_max_num_queries
):
    category = category_of(commune)
    now = timezone.now()
    Suggestion.objects.bulk_create(
        [
            Suggestion(
                commune=commune,
                category=category,
                author=neighbour if index % 2 else resident,
                title=f"Idée {index}",
                description="…",
                status=Suggestion.Status.PUBLISHED,
                published_at=now,
            )
            for index in range(500)
        ]
    )
    site = client_for(resident)
    site.get("/suggestions/")  # warm the caches (content types, session)
    with django_assert_max_num_queries(20):
        response = site.get("/suggestions/?page=7")
    assert response.status_code == 200
    assert response.content.decode().count('class="card suggestion-card"') == 20


def test_a_resident_proposes_with_a_photo(commune, resident, neighbour, staff):
    site = client_for(resident)
    page = site.get("/suggestions/proposer/").content.decode()
    assert "Voirie et circulation" in page
    response = site.post(
        "/suggestions/proposer/",
        {
            "category": category_of(commune).pk,
            "title": "Un banc",
            "description": "Place du marché.",
            "photo": jpeg(),
        },
    )
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/suggestions/{suggestion.pk}/"
    page = site.get(response["Location"]).content.decode()
    assert "Votre suggestion attend la mairie" in page
    photo = site.get(f"/suggestions/{suggestion.pk}/photo/")
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert client_for(staff).get(f"/suggestions/{suggestion.pk}/photo/").status_code == 200
    # Another resident: neither the page nor the photo of a waiting proposal.
    other = client_for(neighbour)
    assert other.get(f"/suggestions/{suggestion.pk}/").status_code == 404
    assert other.get(f"/suggestions/{suggestion.pk}/photo/").status_code == 404


def test_the_form_shows_errors_in_french(commune, resident):
    response = client_for(resident).post(
        "/suggestions/proposer/", {"category": "", "title": "", "description": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez une des catégories de la commune." in html
    assert "Donnez un titre à votre suggestion." in html
    assert not Suggestion.objects.exists()


def test_my_suggestions_show_waiting_and_refused_with_the_reason(commune, resident, neighbour):
    propose(commune, resident, title="En attente")
    refused = propose(commune, resident, title="Refusée")
    Suggestion.objects.filter(pk=refused.pk).update(
        status=Suggestion.Status.REFUSED, refusal_reason="Déjà prévu au budget."
    )
    propose(commune, neighbour, title="Celle de Paul")
    html = client_for(resident).get("/suggestions/mes-suggestions/").content.decode()
    assert "En attente de la mairie" in html
    assert "Refusée" in html and "Déjà prévu au budget." in html
    assert "Celle de Paul" not in html


def test_vote_against_with_a_comment_then_change_it(commune, resident, neighbour):
    suggestion = public(commune, resident)
    site = client_for(neighbour)
    page = site.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "0 pour · 0 contre" in page
    assert 'name="vote-side"' in page
    response = site.post(
        f"/suggestions/{suggestion.pk}/voter/",
        {"vote-side": "against", "vote-comment": "Trop cher pour la commune."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/suggestions/{suggestion.pk}/#vote"
    page = site.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "0 pour · 1 contre" in page
    assert "Vous avez voté contre cette suggestion." in page
    assert "Modifier mon vote" in page
    assert "Trop cher pour la commune." in page
    assert '<span class="badge badge--warning">Contre</span>' in page
    site.post(f"/suggestions/{suggestion.pk}/voter/", {"vote-side": "for"})
    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (1, 0)
    page = site.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "Contre</span>" not in page  # the comment no longer stands for a vote


def test_the_author_shows_per_the_privacy_rules(commune, resident, neighbour):
    suggestion = public(commune, resident)
    page = client_for(neighbour).get(f"/suggestions/{suggestion.pk}/").content.decode()
    # No relation between them: the privacy matrix shows "Un habitant", never her name.
    assert "Proposée par Un habitant" in page
    assert "Durand" not in page and resident.email not in page


def test_a_pending_resident_sees_how_to_take_part_and_cannot_vote(commune, resident):
    suggestion = public(commune, resident)
    person = UserFactory()
    pending(person, commune)
    site = client_for(person)
    response = site.get("/suggestions/")
    assert response.status_code == 403
    assert "Réservé aux habitants de la commune" in response.content.decode()
    response = site.post(f"/suggestions/{suggestion.pk}/voter/", {"vote-side": "for"})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_visitor_is_sent_to_log_in(commune):
    response = client_for().get("/suggestions/")
    assert response.status_code == 302
    assert "/suggestions/" in response["Location"]


def test_another_communes_resident_gets_404_for_the_suggestion(commune, other_commune, resident):
    suggestion = public(commune, resident)
    outsider = validated(UserFactory(), other_commune)
    site = client_for(outsider, host="cocody.localhost")
    assert site.get(f"/suggestions/{suggestion.pk}/").status_code == 404


def test_a_closed_vote_is_refused_with_a_french_message(commune, resident, neighbour):
    suggestion = publish(propose(commune, resident), voting_closed_at=timezone.now())
    site = client_for(neighbour)
    page = site.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert 'name="vote-side"' not in page
    assert "Les votes sont clos pour cette suggestion." in page
    response = site.post(f"/suggestions/{suggestion.pk}/voter/", {"vote-side": "for"}, follow=True)
    assert "Les votes sont clos pour cette suggestion." in response.content.decode()
    assert not Vote.objects.exists()


def test_a_hidden_suggestion_is_gone(commune, resident, neighbour):
    suggestion = publish(propose(commune, resident), hidden_at=timezone.now())
    site = client_for(neighbour)
    assert site.get(f"/suggestions/{suggestion.pk}/").status_code == 404
    assert "Un banc place du marché" not in site.get("/suggestions/").content.decode()


def test_follow_toggle_and_comment_and_answer(commune, resident, neighbour):
    suggestion = public(commune, resident)
    site = client_for(neighbour)
    site.post(f"/suggestions/{suggestion.pk}/suivre/", {"on": "1"})
    assert Follower.objects.filter(user=neighbour, suggestion=suggestion).exists()
    assert "Ne plus suivre" in site.get(f"/suggestions/{suggestion.pk}/").content.decode()
    site.post(f"/suggestions/{suggestion.pk}/suivre/", {"on": "0"})
    assert not Follower.objects.filter(user=neighbour, suggestion=suggestion).exists()
    response = site.post(f"/suggestions/{suggestion.pk}/", {"body": "Bonne idée"})
    comment = Comment.objects.get()
    assert response["Location"] == f"/suggestions/{suggestion.pk}/#comment-{comment.pk}"
    client_for(resident).post(
        f"/suggestions/{suggestion.pk}/", {"body": "Merci", "parent": comment.pk}
    )
    assert Comment.objects.get(body="Merci").parent == comment
    edit = f"/suggestions/{suggestion.pk}/commentaires/{comment.pk}/modifier/"
    assert client_for(resident).get(edit).status_code == 404  # not hers
    site.post(edit, {"body": "Très bonne idée"})
    comment.refresh_from_db()
    assert comment.body == "Très bonne idée"
