"""Services and rules of discussion groups (CNT-4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.closure import account_close
from accounts.export import account_export
from conversations.models import Comment, CommentRevision
from modules.groups.models import Group, GroupMember
from modules.groups.selectors import can_read, subscribers
from modules.groups.services import (
    group_join,
    group_update,
    membership_decide,
    post_edit,
    subscription_set,
)
from notifications.models import Notification
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.groups.conftest import make_group, member_of, write

pytestmark = pytest.mark.django_db


def kinds_of(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("event_id")
        .values_list("event__kind", flat=True)
    )


def test_only_the_town_halls_staff_open_groups(commune, resident, staff):
    with pytest.raises(PermissionDenied):
        make_group(commune, resident)
    group = make_group(commune, staff, title="  Jardins  ")
    assert group.title == "Jardins"
    assert group.created_by == staff
    with pytest.raises(ValidationError) as error:
        make_group(commune, staff, title=" ")
    assert error.value.message_dict == {"title": ["Donnez un titre au groupe."]}


def test_joining_an_open_group_is_immediate(group, resident):
    member = group_join(group=group, user=resident)
    assert (member.status, member.subscribed) == (GroupMember.Status.ACCEPTED, True)
    assert group_join(group=group, user=resident) == member


def test_asking_to_join_tells_the_staff_and_their_decision_tells_the_resident(
    private_group, resident, staff
):
    member = group_join(group=private_group, user=resident)
    assert member.status == GroupMember.Status.PENDING
    assert kinds_of(staff) == ["groups.join_request"]
    assert not can_read(resident, private_group, member=member)
    membership_decide(member=member, by=staff, accept=False)
    assert kinds_of(resident) == ["groups.membership"]
    member = group_join(group=private_group, user=resident)  # asks again after a refusal
    assert member.status == GroupMember.Status.PENDING
    member = membership_decide(member=member, by=staff, accept=True)
    assert can_read(resident, private_group, member=member)
    with pytest.raises(ValidationError):
        membership_decide(member=member, by=staff, accept=False)


def test_a_resident_does_not_decide_requests(private_group, resident, neighbour):
    member = group_join(group=private_group, user=resident)
    with pytest.raises(PermissionDenied):
        membership_decide(member=member, by=neighbour, accept=True)


def test_people_who_are_not_validated_residents_cannot_join(commune, group):
    waiting = UserFactory()
    pending(waiting, commune)
    with pytest.raises(PermissionDenied):
        group_join(group=group, user=waiting)


def test_residents_post_in_an_open_group_and_subscribers_are_told(
    group, resident, neighbour, staff
):
    member_of(group, neighbour)
    quiet = validated(UserFactory(), group.commune)
    member_of(group, quiet)
    subscription_set(group=group, user=quiet, subscribed=False)
    post = write(group, resident)
    group.refresh_from_db()
    assert group.last_post_at == post.created_at
    assert post.commune == group.commune and post.target == group
    assert kinds_of(neighbour) == ["groups.post"]
    assert kinds_of(quiet) == []
    assert kinds_of(resident) == []
    assert set(subscribers(group)) == {neighbour}


def test_a_reply_to_a_reply_answers_the_top_post(group, resident, neighbour):
    top = write(group, resident)
    reply = write(group, neighbour, body="Moi", parent=top)
    again = write(group, resident, body="Merci", parent=reply)
    assert again.parent == top


def test_a_post_of_another_group_cannot_be_answered(commune, group, staff, resident):
    other = make_group(commune, staff, title="Autre")
    top = write(other, resident)
    with pytest.raises(ValidationError):
        write(group, resident, parent=top)


def test_on_request_groups_are_for_accepted_members(private_group, resident, neighbour):
    with pytest.raises(PermissionDenied):
        write(private_group, resident)
    group_join(group=private_group, user=resident)  # pending
    with pytest.raises(PermissionDenied):
        write(private_group, resident)
    member_of(private_group, neighbour)
    assert write(private_group, neighbour).pk


def test_closed_and_archived_groups_are_read_only(group, resident, staff):
    member_of(group, resident)
    group_update(group=group, by=staff, closed=True)
    group.refresh_from_db()
    with pytest.raises(PermissionDenied) as error:
        write(group, resident)
    assert "fermé" in str(error.value)
    group = group_update(group=group, by=staff, closed=False, archived=True)
    with pytest.raises(PermissionDenied):
        write(group, resident)
    assert can_read(resident, group, member=GroupMember.objects.get(user=resident))
    outsider = validated(UserFactory(), group.commune)
    assert not can_read(outsider, group)


def test_staff_answer_as_the_town_hall_and_residents_cannot(group, resident, staff):
    top = write(group, resident)
    answer = write(group, staff, body="Oui", parent=top, as_town_hall=True)
    assert answer.signed_role == "Élu du conseil municipal"
    with pytest.raises(PermissionDenied):
        write(group, resident, as_town_hall=True)


def test_the_author_edits_and_the_previous_text_is_kept(group, resident, neighbour):
    post = write(group, resident)
    with pytest.raises(PermissionDenied):
        post_edit(post=post, group=group, by=neighbour, body="Pirate")
    post = post_edit(post=post, group=group, by=resident, body="Qui arrose dimanche ?")
    assert post.edited_at is not None
    assert CommentRevision.objects.get(comment=post).body == "Qui arrose samedi ?"


def test_a_closed_account_leaves_its_posts_as_a_former_member(group, resident, neighbour):
    member_of(group, resident)
    post = write(group, resident)
    resident.set_password("secret-pass-123")
    resident.save()
    account_close(user=resident, password="secret-pass-123")
    assert Comment.objects.filter(pk=post.pk, author=resident).exists()
    assert not GroupMember.objects.filter(user=resident).exists()
    from modules.groups.selectors import posts_of
    from privacy.matrix import attach_cards

    [shown] = attach_cards(neighbour, list(posts_of(group)), "author", public_author=True)
    assert shown.author_card.display_name == "Ancien membre"


def test_the_gdpr_export_holds_the_persons_group_posts(group, resident):
    assert "groups" not in account_export(resident)["sections"]  # nothing yet: no section
    member_of(group, resident)
    post = write(group, resident, body="Mon message")
    data = account_export(resident)
    section = data["sections"]["groups"]
    assert section["memberships"][0]["group_title"] == "Jardins partagés"
    assert section["posts"][0]["id"] == post.pk
    assert section["posts"][0]["body"] == "Mon message"
    # conversations' own section names the target's kind: not a news item.
    [comment] = data["sections"]["conversations"]["comments"]
    assert comment["on"] == "groups.group"


def test_subscription_needs_an_accepted_membership(private_group, resident):
    with pytest.raises(ValidationError):
        subscription_set(group=private_group, user=resident, subscribed=True)
    assert not GroupMember.objects.exists()  # subscribing does not ask to join
    group_join(group=private_group, user=resident)
    with pytest.raises(ValidationError):
        subscription_set(group=private_group, user=resident, subscribed=True)


def test_groups_are_a_commune_s(commune, other_commune, staff):
    group = make_group(commune, staff)
    assert Group.objects.get().commune == commune
    with pytest.raises(PermissionDenied):
        make_group(other_commune, staff)
    assert group.pk
