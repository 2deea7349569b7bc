"""Residents' writes on suggestions (SUG-1 proposing, SUG-2 voting) and who may see what."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.http import Http404

from conversations.models import Comment, CommentRevision
from modules.suggestions.categories import default_categories
from modules.suggestions.models import Category, Follower, Suggestion, Vote
from modules.suggestions.receivers import close, personal_data
from modules.suggestions.selectors import (
    access_suggestion,
    followers_of,
    public_suggestions,
    suggestions_for_list,
)
from modules.suggestions.services import follow_set, suggestion_propose, vote_cast
from notifications.models import Event
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.suggestions.helpers import category_of, jpeg, propose, public, publish

pytestmark = pytest.mark.django_db


# --- categories ---------------------------------------------------------------------


def test_a_commune_without_categories_gets_the_seven_defaults_in_french(commune):
    names = [category.name for category in default_categories(commune)]
    assert names == [
        "Voirie et circulation",
        "Propreté",
        "Espaces verts",
        "Sécurité",
        "Culture et loisirs",
        "Vie associative",
        "Autre",
    ]
    default_categories(commune)
    assert Category.objects.filter(commune=commune).count() == 7


def test_a_commune_with_its_own_categories_keeps_them(commune):
    Category.objects.create(commune=commune, name="Port", position=1)
    assert [c.name for c in default_categories(commune)] == ["Port"]


# --- SUG-1 proposing ----------------------------------------------------------------


def test_sug1_a_resident_proposes_it_waits_and_staff_are_told(commune, resident, staff):
    suggestion = propose(commune, resident, title="  Un banc  ")
    assert suggestion.status == Suggestion.Status.PROPOSED
    assert suggestion.title == "Un banc"
    assert suggestion.hidden_at is None
    assert list(Follower.objects.values_list("user_id", flat=True)) == [resident.pk]
    event = Event.objects.get(kind="suggestions.proposed")
    assert event.audience_size == 1  # Claire, who handles them


def test_sug1_a_photo_is_re_encoded_as_jpeg_in_private_storage(commune, resident):
    suggestion = propose(commune, resident, photo=jpeg())
    assert suggestion.photo.name.startswith("suggestions/photos/")
    assert suggestion.photo.name.endswith(".jpg")
    with suggestion.photo.open("rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"


def test_sug1_a_file_that_is_not_an_image_is_refused_on_photo(commune, resident):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as error:
        propose(commune, resident, photo=SimpleUploadedFile("x.jpg", b"not an image"))
    assert list(error.value.message_dict) == ["photo"]
    assert not Suggestion.objects.exists()


def test_sug1_category_must_be_active_and_of_the_commune(commune, other_commune, resident):
    foreign = default_categories(other_commune)[0]
    retired = category_of(commune, 2)
    Category.objects.filter(pk=retired.pk).update(active=False)
    for category_id in (foreign.pk, retired.pk, 0, "x"):
        with pytest.raises(ValidationError) as error:
            propose(commune, resident, category_id=category_id)
        assert error.value.message_dict == {
            "category": ["Choisissez une des catégories de la commune."]
        }


def test_sug1_title_and_description_are_required_all_errors_at_once(commune, resident):
    with pytest.raises(ValidationError) as error:
        suggestion_propose(
            commune=commune,
            author=resident,
            category_id=category_of(commune).pk,
            title="   ",
            description="\x00",
        )
    assert set(error.value.message_dict) == {"title", "description"}


@pytest.mark.parametrize("who", ["pending", "other_commune", "staff_only"])
def test_sug1_only_validated_residents_propose(commune, other_commune, who, staff):
    person = UserFactory()
    if who == "pending":
        pending(person, commune)
    elif who == "other_commune":
        validated(person, other_commune)
    else:
        person = staff
    with pytest.raises(PermissionDenied):
        propose(commune, person)


def test_sug1_the_hourly_limit_applies(commune, resident, settings):
    settings.ABUSE_LIMITS = {"suggestion": (2, 2)}
    propose(commune, resident, title="Un")
    propose(commune, resident, title="Deux")
    with pytest.raises(PermissionDenied) as error:
        propose(commune, resident, title="Trois")
    assert "Réessayez dans" in str(error.value)


# --- who sees what --------------------------------------------------------------------


def test_a_waiting_proposal_is_seen_by_its_author_and_staff_only(
    commune, resident, neighbour, staff
):
    suggestion = propose(commune, resident)
    assert access_suggestion(resident, suggestion.pk, commune=commune) == suggestion
    assert access_suggestion(staff, suggestion.pk, commune=commune) == suggestion
    with pytest.raises(Http404):
        access_suggestion(neighbour, suggestion.pk, commune=commune)
    assert list(public_suggestions(commune)) == []


def test_another_communes_suggestion_is_404(commune, other_commune, resident):
    suggestion = public(commune, resident)
    outsider = validated(UserFactory(), other_commune)
    with pytest.raises(Http404):
        access_suggestion(outsider, suggestion.pk, commune=other_commune)
    with pytest.raises(Http404):
        access_suggestion(outsider, suggestion.pk, commune=commune)


def test_a_hidden_suggestion_is_gone_for_other_residents(commune, resident, neighbour, staff):
    from django.utils import timezone

    suggestion = publish(propose(commune, resident), hidden_at=timezone.now())
    with pytest.raises(Http404):
        access_suggestion(neighbour, suggestion.pk, commune=commune)
    assert list(suggestions_for_list(neighbour, commune)) == []
    assert access_suggestion(resident, suggestion.pk, commune=commune) == suggestion
    assert access_suggestion(staff, suggestion.pk, commune=commune) == suggestion


# --- SUG-2 votes ----------------------------------------------------------------------


def test_sug2_a_vote_counts_once_and_the_voter_follows(commune, resident, neighbour):
    suggestion = public(commune, resident)
    vote = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False)
    vote_cast(suggestion=suggestion, user=neighbour, in_favour=False)
    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (0, 1)
    assert Vote.objects.get() == vote
    assert vote.comment is None
    assert set(followers_of(suggestion)) == {resident, neighbour}


def test_sug2_a_changed_vote_keeps_the_totals_exact(commune, resident, neighbour):
    suggestion = public(commune, resident)
    vote_cast(suggestion=suggestion, user=resident, in_favour=True)
    vote_cast(suggestion=suggestion, user=neighbour, in_favour=True)
    vote_cast(suggestion=suggestion, user=neighbour, in_favour=False)
    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (1, 1)
    vote_cast(suggestion=suggestion, user=neighbour, in_favour=True)
    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (2, 0)
    assert Vote.objects.filter(in_favour=True).count() == 2


def test_sug2_a_vote_comment_is_a_comment_of_the_thread(commune, resident, neighbour):
    suggestion = public(commune, resident)
    vote = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False, comment=" Trop cher ")
    comment = Comment.objects.get()
    assert vote.comment == comment
    assert (comment.body, comment.author, comment.target) == ("Trop cher", neighbour, suggestion)


def test_sug2_same_side_new_comment_edits_it_and_keeps_the_earlier_text(
    commune, resident, neighbour
):
    suggestion = public(commune, resident)
    vote_cast(suggestion=suggestion, user=neighbour, in_favour=False, comment="Trop cher")
    vote = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False, comment="Bien trop")
    comment = Comment.objects.get()
    assert (vote.comment, comment.body) == (comment, "Bien trop")
    assert comment.edited_at is not None
    assert CommentRevision.objects.get().body == "Trop cher"


def test_sug2_other_side_a_new_comment_and_the_old_one_is_no_longer_attached(
    commune, resident, neighbour
):
    suggestion = public(commune, resident)
    first = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False, comment="Non").comment
    vote = vote_cast(
        suggestion=suggestion, user=neighbour, in_favour=True, comment="Finalement oui"
    )
    assert Comment.objects.count() == 2
    assert vote.comment != first and vote.comment.body == "Finalement oui"
    # Changing side without a comment detaches the comment of the former side too.
    vote = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False)
    assert vote.comment is None
    assert Comment.objects.count() == 2


def test_sug2_same_side_without_comment_keeps_the_comment(commune, resident, neighbour):
    suggestion = public(commune, resident)
    first = vote_cast(suggestion=suggestion, user=neighbour, in_favour=True, comment="Oui").comment
    assert vote_cast(suggestion=suggestion, user=neighbour, in_favour=True).comment == first


def test_sug2_a_pending_resident_cannot_vote(commune, resident):
    suggestion = public(commune, resident)
    person = UserFactory()
    pending(person, commune)
    with pytest.raises(PermissionDenied) as error:
        vote_cast(suggestion=suggestion, user=person, in_favour=True)
    assert str(error.value) == "Seuls les habitants validés par la mairie peuvent voter."
    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (0, 0)


def test_sug2_voting_closed_is_refused(commune, resident, neighbour):
    from django.utils import timezone

    suggestion = publish(propose(commune, resident), voting_closed_at=timezone.now())
    with pytest.raises(PermissionDenied) as error:
        vote_cast(suggestion=suggestion, user=neighbour, in_favour=True)
    assert str(error.value) == "Les votes sont clos pour cette suggestion."
    done = publish(propose(commune, resident, title="Autre"), status=Suggestion.Status.DONE)
    done.voting_closed_at = timezone.now()
    done.save()
    with pytest.raises(PermissionDenied):
        vote_cast(suggestion=done, user=neighbour, in_favour=True)
    assert not Vote.objects.exists()


def test_sug2_a_waiting_proposal_is_not_open_to_votes(commune, resident, neighbour):
    suggestion = propose(commune, resident)
    with pytest.raises(PermissionDenied):
        vote_cast(suggestion=suggestion, user=resident, in_favour=True)


def test_sug2_in_favour_must_be_a_boolean(commune, resident, neighbour):
    suggestion = public(commune, resident)
    with pytest.raises(ValidationError) as error:
        vote_cast(suggestion=suggestion, user=neighbour, in_favour="yes")
    assert list(error.value.message_dict) == ["in_favour"]


def test_follow_and_unfollow(commune, resident, neighbour):
    suggestion = public(commune, resident)
    follow_set(suggestion=suggestion, user=neighbour, on=True)
    follow_set(suggestion=suggestion, user=neighbour, on=True)
    assert Follower.objects.filter(user=neighbour).count() == 1
    follow_set(suggestion=suggestion, user=neighbour, on=False)
    assert not Follower.objects.filter(user=neighbour).exists()


def test_followers_leave_out_who_no_longer_sees_the_commune(commune, resident, neighbour):
    from communes.models import Follow

    suggestion = public(commune, resident)
    follow_set(suggestion=suggestion, user=neighbour, on=True)
    Follow.objects.filter(user=neighbour).update(status=Follow.Status.PENDING)
    assert list(followers_of(suggestion)) == [resident]


# --- GDPR and closure -----------------------------------------------------------------


def test_personal_data_and_closure(commune, resident, neighbour):
    assert personal_data(neighbour) is None
    suggestion = public(commune, resident)
    vote = vote_cast(suggestion=suggestion, user=neighbour, in_favour=False, comment="Non")
    data = personal_data(neighbour)
    assert data["votes"] == [
        {
            "suggestion": suggestion.pk,
            "suggestion_title": "Un banc place du marché",
            "commune": "saint-malo",
            "in_favour": False,
            "comment": vote.comment_id,
            "voted_at": vote.created_at,
            "changed_at": vote.updated_at,
        }
    ]
    assert [row["suggestion"] for row in data["follows"]] == [suggestion.pk]
    assert personal_data(resident)["suggestions"][0]["title"] == "Un banc place du marché"
    close(neighbour.pk)
    assert not Follower.objects.filter(user=neighbour).exists()
    assert Vote.objects.filter(user=neighbour).exists()
    suggestion.refresh_from_db()
    assert suggestion.votes_against == 1


# --- concurrency ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sug2_concurrent_votes_keep_the_totals_exact(commune, resident):
    suggestion = public(commune, resident)
    voters = [validated(UserFactory(), commune) for _ in range(8)]
    barrier = threading.Barrier(len(voters))
    errors: list[BaseException] = []

    def vote(user, in_favour):
        try:
            barrier.wait()
            vote_cast(suggestion=suggestion, user=user, in_favour=in_favour)
            vote_cast(suggestion=suggestion, user=user, in_favour=not in_favour)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=vote, args=(user, index % 2 == 0))
        for index, user in enumerate(voters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    suggestion.refresh_from_db()
    assert suggestion.votes_for == Vote.objects.filter(in_favour=True).count() == 4
    assert suggestion.votes_against == Vote.objects.filter(in_favour=False).count() == 4
