"""Comments on news (CNT-1): who writes, replies, edits; notifications; the contract."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.closure import account_close
from accounts.export import account_export
from communes.models import StaffRole
from conversations.models import Comment, CommentRevision
from conversations.selectors import (
    access_comment,
    access_news,
    access_own_comment,
    can_see_comments,
    mark_new,
    previous_visit,
    top_comments,
)
from conversations.services import comment_create, comment_edit, mark_seen
from core.modules import registry
from notifications.models import Notification
from privacy.matrix import attach_cards
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, pending, validated
from tests.platform.conversations.conftest import add_news

pytestmark = pytest.mark.django_db


def write(news, commune, author, body="Merci pour l'information.", **kwargs) -> Comment:
    return comment_create(target=news, commune=commune, author=author, body=body, **kwargs)


def notified(kind: str) -> set[int]:
    return set(Notification.objects.filter(event__kind=kind).values_list("recipient_id", flat=True))


def test_a_resident_comments_and_the_publishing_staff_hear_of_it(commune, news, resident, staff):
    comment = write(news, commune, resident, body="  Et le marché du samedi ?  ")
    assert comment.body == "Et le marché du samedi ?"
    assert comment.commune == commune
    assert comment.target == news
    assert comment.parent is None
    assert not comment.as_town_hall
    assert notified("comments.new_on_news") == {staff.pk}
    assert notified("comments.reply") == set()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Écrivez votre commentaire."),
        ("x" * 2001, "Saisissez au maximum 2000 caractères."),
        ("a\x00b", "Supprimez les caractères non valides."),
        (12, "Saisissez un texte."),
    ],
)
def test_a_comment_needs_a_text(commune, news, resident, body, message):
    with pytest.raises(ValidationError) as error:
        write(news, commune, resident, body=body)
    assert error.value.message_dict == {"body": [message]}
    assert not Comment.objects.exists()


def test_who_may_not_comment(commune, other_commune, news, resident):
    anonymous_like = UserFactory()  # follows nothing
    waiting = UserFactory()
    pending(waiting, commune)
    elsewhere = validated(UserFactory(), other_commune)
    for person in (anonymous_like, waiting, elsewhere):
        with pytest.raises(PermissionDenied):
            write(news, commune, person)
    closed = validated(UserFactory(), commune)
    account_close(user=closed, password=PASSWORD)
    closed.refresh_from_db()
    with pytest.raises(PermissionDenied):
        write(news, commune, closed)
    assert not Comment.objects.exists()


def test_a_closed_or_unpublished_page_takes_no_comment(commune, news, resident):
    news.comments_open = False
    news.save()
    with pytest.raises(PermissionDenied, match="fermés"):
        write(news, commune, resident)
    draft = add_news(commune, "Brouillon", slug="brouillon", live=False)
    with pytest.raises(PermissionDenied):
        write(draft, commune, resident)
    assert not Comment.objects.exists()


def test_a_page_of_another_commune_is_refused(commune, other_commune, resident):
    theirs = add_news(other_commune, "Fête à Cocody", slug="fete")
    with pytest.raises(PermissionDenied):
        write(theirs, commune, resident)


def test_one_level_of_replies_and_the_thread_is_notified(commune, news, resident, neighbour, staff):
    top = write(news, commune, resident)
    first = write(news, commune, neighbour, body="Oui, il est maintenu.", parent=top)
    third = validated(UserFactory(), commune)
    second = write(news, commune, third, body="Merci !", parent=first)
    assert first.parent == top
    assert second.parent == top  # a reply to a reply attaches to the top comment
    # Marie (top) and Paul (replied) hear of the last answer; its author does not.
    events = Notification.objects.filter(
        event__kind="comments.reply", event__data__as_town_hall=False
    )
    last = events.filter(event__dedupe_key=f"comments.reply:{second.pk}")
    assert set(last.values_list("recipient_id", flat=True)) == {resident.pk, neighbour.pk}
    assert notified("comments.new_on_news") == {staff.pk}


def test_staff_answer_as_the_town_hall_with_their_role(commune, news, resident, staff):
    top = write(news, commune, resident)
    answer = write(
        news, commune, staff, body="Le marché est maintenu.", parent=top, as_town_hall=True
    )
    assert answer.as_town_hall
    assert answer.signed_role == "Élu du conseil municipal"
    assert notified("comments.reply") == {resident.pk}
    # The town hall's own answer is not reported to the town hall.
    assert (
        Notification.objects.filter(event__dedupe_key=f"comments.new_on_news:{answer.pk}").count()
        == 0
    )


def test_a_resident_cannot_sign_as_the_town_hall(commune, news, resident):
    with pytest.raises(PermissionDenied):
        write(news, commune, resident, as_town_hall=True)


def test_the_mayor_signs_with_the_highest_role(commune, news, staff):
    grant(commune, staff, StaffRole.Role.MAYOR)
    answer = write(news, commune, staff, as_town_hall=True)
    assert answer.signed_role == "Maire"


def test_a_reply_to_another_page_s_comment_is_refused(commune, news, resident):
    other = add_news(commune, "Autre", slug="autre")
    top = write(news, commune, resident)
    with pytest.raises(ValidationError) as error:
        write(other, commune, resident, parent=top)
    assert list(error.value.message_dict) == ["parent"]


def test_the_author_edits_and_the_history_is_kept(commune, news, resident, neighbour):
    comment = write(news, commune, resident, body="Premier texte")
    edited = comment_edit(
        comment=comment, target=news, commune=commune, by=resident, body=" Second texte "
    )
    assert edited.body == "Second texte"
    assert edited.edited_at is not None
    revision = CommentRevision.objects.get(comment=comment)
    assert revision.body == "Premier texte"
    assert revision.written_at == comment.created_at
    with pytest.raises(PermissionDenied):
        comment_edit(comment=edited, target=news, commune=commune, by=neighbour, body="Pirate")
    news.comments_open = False
    news.save()
    with pytest.raises(PermissionDenied):
        comment_edit(comment=edited, target=news, commune=commune, by=resident, body="Trop tard")
    assert Comment.objects.get(pk=comment.pk).body == "Second texte"


def test_access_news_and_comments_from_each_side(commune, other_commune, news, resident):
    from django.http import Http404

    comment = write(news, commune, resident)
    assert access_news(resident, news.pk, commune=commune) == news
    assert access_comment(resident, comment.pk, commune=commune) == (comment, news)
    waiting = UserFactory()
    pending(waiting, commune)
    elsewhere = validated(UserFactory(), other_commune)
    for person in (waiting, elsewhere):
        assert not can_see_comments(person, commune)
        with pytest.raises(Http404):
            access_news(person, news.pk, commune=commune)
        with pytest.raises(Http404):
            access_comment(person, comment.pk, commune=commune)
    with pytest.raises(Http404):
        access_news(resident, news.pk, commune=other_commune)
    with pytest.raises(Http404):
        access_comment(resident, comment.pk, commune=other_commune)
    with pytest.raises(Http404):
        access_news(resident, "abc", commune=commune)
    neighbour = validated(UserFactory(), commune)
    with pytest.raises(Http404):
        access_own_comment(neighbour, comment.pk, commune=commune)
    news.unpublish()
    with pytest.raises(Http404):
        access_news(resident, news.pk, commune=commune)


def test_hidden_comments_are_not_listed(commune, news, resident, neighbour):
    shown = write(news, commune, resident)
    hidden = write(news, commune, neighbour)
    Comment.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    assert list(top_comments(news)) == [shown]


def test_new_since_the_previous_visit(commune, news, resident, neighbour):
    ten, eleven, noon = (
        timezone.make_aware(timezone.datetime(2026, 3, 1, hour)) for hour in (10, 11, 12)
    )
    assert mark_seen(user=resident, target=news, now=ten) is None
    own = write(news, commune, resident)
    theirs = write(news, commune, neighbour)
    Comment.objects.update(created_at=eleven)
    own.refresh_from_db()
    theirs.refresh_from_db()
    since = previous_visit(resident, news)
    assert since == ten
    assert mark_seen(user=resident, target=news, now=noon) == ten
    comments = [own, theirs]
    assert mark_new(comments, viewer=resident, since=since) == 1
    assert (own.is_new, theirs.is_new) == (False, True)
    assert mark_new(comments, viewer=resident, since=previous_visit(resident, news)) == 0


def test_closure_keeps_comments_under_a_former_member(commune, news, resident, neighbour):
    comment = write(news, commune, resident)
    account_close(user=resident, password=PASSWORD)
    comment.refresh_from_db()
    attach_cards(neighbour, [comment], "author", public_author=True)
    assert comment.author_card.is_former_member
    assert str(comment.author_card.display_name) == "Ancien membre"


def test_export_lists_comments_with_their_revisions(commune, news, resident):
    comment = write(news, commune, resident, body="Avant")
    comment_edit(comment=comment, target=news, commune=commune, by=resident, body="Après")
    section = account_export(resident)["sections"]["conversations"]["comments"]
    assert [(c["id"], c["body"], c["on"]) for c in section] == [
        (comment.pk, "Après", "communes.newspage")
    ]
    assert [v["body"] for v in section[0]["earlier_versions"]] == ["Avant"]
    assert "conversations" not in account_export(UserFactory())["sections"]


def test_comments_are_reportable():
    kinds = {kind.key: kind for kind in registry.reportable_kinds()}
    assert kinds["conversations.comment"].model == "conversations.Comment"
    assert kinds["conversations.comment"].commune == "commune"
