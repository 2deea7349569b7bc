"""The suggestions API (SUG-1, SUG-2): /api/v1/communes/{slug}/suggestions/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conversations.models import Comment
from modules.suggestions.models import Follower, Suggestion, Vote
from modules.suggestions.services import vote_cast
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.suggestions.helpers import category_of, jpeg, propose, public, publish

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communes/saint-malo/suggestions/"


def test_list_public_newest_first_with_totals_and_my_vote(commune, resident, neighbour):
    older = public(commune, resident, title="Plus de bancs")
    newer = public(commune, neighbour, title="Une piste cyclable")
    propose(commune, resident, title="En attente")
    vote_cast(suggestion=older, user=neighbour, in_favour=False)
    response = token_client(neighbour).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = body["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert (rows[1]["votes_for"], rows[1]["votes_against"], rows[1]["my_vote"]) == (0, 1, False)
    assert rows[1]["following"] is True
    assert rows[0]["my_vote"] is None
    assert rows[1]["category"]["name"] == "Voirie et circulation"
    assert rows[1]["author"]["display_name"] == "Un habitant"
    assert rows[1]["status"] == "published"


def test_list_filters_and_rejects_bad_filters(commune, resident):
    public(commune, resident, title="Plus de bancs")
    studied = publish(
        propose(commune, resident, title="Des arbres", category_id=category_of(commune, 3).pk),
        status=Suggestion.Status.UNDER_STUDY,
    )
    api = token_client(resident)
    rows = api.get(BASE, {"status": "under_study"}).json()["results"]
    assert [row["id"] for row in rows] == [studied.pk]
    rows = api.get(BASE, {"category": category_of(commune, 3).pk}).json()["results"]
    assert [row["id"] for row in rows] == [studied.pk]
    response = api.get(BASE, {"status": "proposed"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert api.get(BASE, {"category": "x"}).status_code == 400


def test_a_list_of_500_suggestions_stays_o1(
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
    api = token_client(resident)
    api.get(BASE)  # warm the caches (content types, the token's last use)
    with django_assert_max_num_queries(12):
        response = api.get(BASE, {"page": 5, "page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


def test_propose_multipart_with_a_photo_then_read_it(commune, resident, neighbour):
    api = token_client(resident)
    response = api.post(
        BASE,
        {
            "category": category_of(commune).pk,
            "title": "Un banc",
            "description": "Place du marché.",
            "photo": jpeg(),
        },
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    suggestion = Suggestion.objects.get()
    assert (body["id"], body["status"], body["can_vote"]) == (suggestion.pk, "proposed", False)
    assert body["photo_url"] == f"{BASE}{suggestion.pk}/photo/"
    photo = api.get(body["photo_url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    # Invisible to another resident: the suggestion and its photo.
    other = token_client(neighbour)
    assert other.get(f"{BASE}{suggestion.pk}/").status_code == 404
    assert other.get(f"{BASE}{suggestion.pk}/photo/").status_code == 404
    mine = api.get(f"{BASE}mine/").json()["results"]
    assert [row["id"] for row in mine] == [suggestion.pk]
    assert other.get(f"{BASE}mine/").json()["results"] == []


def test_propose_bad_input_is_400_by_field(commune, resident, other_commune):
    from modules.suggestions.categories import default_categories

    foreign = default_categories(other_commune)[0]
    response = token_client(resident).post(
        BASE, {"category": foreign.pk, "title": "Un banc", "description": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["category"] == ["Choisissez une des catégories de la commune."]
    response = token_client(resident).post(
        BASE, {"category": category_of(commune).pk, "title": 3, "description": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["title"]


def test_a_pending_resident_gets_403_and_cannot_vote(commune, resident):
    suggestion = public(commune, resident)
    person = UserFactory()
    pending(person, commune)
    api = token_client(person)
    assert api.get(BASE).status_code == 403
    response = api.post(f"{BASE}{suggestion.pk}/vote/", {"in_favour": True}, format="json")
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_staff_who_are_not_residents_see_but_do_not_vote_nor_propose(commune, resident, staff):
    suggestion = public(commune, resident)
    api = token_client(staff)
    assert api.get(f"{BASE}{suggestion.pk}/").status_code == 200
    response = api.post(f"{BASE}{suggestion.pk}/vote/", {"in_favour": True}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Seuls les habitants validés par la mairie peuvent voter."
    response = api.post(
        BASE, {"category": category_of(commune).pk, "title": "T", "description": "D"}, format="json"
    )
    assert response.status_code == 403


def test_another_commune_is_404(commune, other_commune, resident):
    suggestion = public(commune, resident)
    outsider = validated(UserFactory(), other_commune)
    api = token_client(outsider)
    assert api.get(f"{BASE}{suggestion.pk}/").status_code == 403  # not a resident here
    other = f"/api/v1/communes/cocody/suggestions/{suggestion.pk}/"
    assert api.get(other).status_code == 404
    assert api.post(f"{other}vote/", {"in_favour": True}, format="json").status_code == 404


def test_vote_change_and_comment_shows_its_side(commune, resident, neighbour):
    suggestion = public(commune, resident)
    api = token_client(neighbour)
    url = f"{BASE}{suggestion.pk}/vote/"
    response = api.post(url, {"in_favour": False, "comment": "Trop cher"}, format="json")
    assert response.status_code == 200
    body = response.json()
    comment = Comment.objects.get()
    assert (body["in_favour"], body["comment"]) == (False, comment.pk)
    assert (body["votes_for"], body["votes_against"]) == (0, 1)
    response = api.put(url, {"in_favour": True}, format="json")
    assert (response.json()["votes_for"], response.json()["votes_against"]) == (1, 0)
    api.put(url, {"in_favour": False, "comment": "Non, trop cher"}, format="json")
    rows = api.get(f"{BASE}{suggestion.pk}/comments/").json()["results"]
    assert [(row["body"], row["vote"]) for row in rows] == [
        ("Non, trop cher", "against"),
        ("Trop cher", None),
    ]
    detail = api.get(f"{BASE}{suggestion.pk}/").json()
    assert (detail["my_vote"], detail["votes_against"], detail["can_vote"]) == (False, 1, True)
    assert detail["my_comment"] == rows[0]["id"]


def test_vote_bad_input_and_closed_voting(commune, resident, neighbour):
    suggestion = public(commune, resident)
    api = token_client(neighbour)
    url = f"{BASE}{suggestion.pk}/vote/"
    response = api.post(url, {"in_favour": "yes"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["in_favour"]
    Suggestion.objects.filter(pk=suggestion.pk).update(voting_closed_at=timezone.now())
    response = api.post(url, {"in_favour": True}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Les votes sont clos pour cette suggestion."
    waiting = propose(commune, neighbour, title="La mienne")
    response = api.post(f"{BASE}{waiting.pk}/vote/", {"in_favour": True}, format="json")
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_hidden_suggestion_is_404_for_others(commune, resident, neighbour):
    suggestion = publish(propose(commune, resident), hidden_at=timezone.now())
    api = token_client(neighbour)
    assert api.get(f"{BASE}{suggestion.pk}/").status_code == 404
    assert api.get(f"{BASE}{suggestion.pk}/comments/").status_code == 404
    assert api.get(BASE).json()["count"] == 0


def test_follow_and_unfollow(commune, resident, neighbour):
    suggestion = public(commune, resident)
    api = token_client(neighbour)
    url = f"{BASE}{suggestion.pk}/follow/"
    assert api.post(url).json() == {"following": True}
    assert Follower.objects.filter(user=neighbour).count() == 1
    assert api.delete(url).json() == {"following": False}
    assert not Follower.objects.filter(user=neighbour).exists()


def test_comments_answer_and_waiting_suggestion_has_none(commune, resident, neighbour):
    suggestion = public(commune, resident)
    api = token_client(neighbour)
    url = f"{BASE}{suggestion.pk}/comments/"
    response = api.post(url, {"body": "Bonne idée"}, format="json")
    assert response.status_code == 201
    top = response.json()["id"]
    response = token_client(resident).post(url, {"body": "Merci", "parent": top}, format="json")
    assert response.status_code == 201
    rows = api.get(url).json()["results"]
    assert [row["body"] for row in rows[0]["replies"]] == ["Merci"]
    response = api.post(url, {"body": "x", "parent": 999999}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]
    response = api.post(url, {"body": "x", "as_town_hall": True}, format="json")
    assert response.status_code == 403
    waiting = propose(commune, neighbour, title="La mienne")
    assert api.get(f"{BASE}{waiting.pk}/comments/").status_code == 404
