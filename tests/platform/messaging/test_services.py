"""Private messages' rules (CNT-3, TWN-3): who reaches whom, blocks, limits, closure."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from accounts.closure import account_close
from accounts.signals import personal_data_export
from communities.services import membership_leave
from messaging import selectors, services
from messaging.models import Message, Participant
from tests.communities import SAINT_MALO, offset, person_at
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.platform.messaging.conftest import start

pytestmark = pytest.mark.django_db


def test_members_write_to_their_community(world, alice):
    thread = start(world.here_member, alice, world.here_referent, subject="Fête des voisins")
    assert thread.commune is None
    assert set(Participant.objects.filter(thread=thread).values_list("user_id", flat=True)) == {
        world.here_member.pk,
        alice.pk,
        world.here_referent.pk,
    }
    assert selectors.unread_count(alice) == 1
    assert selectors.unread_count(world.here_member) == 0
    row = selectors.access_thread(alice, thread.pk)
    services.mark_read(participant=row)
    assert selectors.unread_count(alice) == 0
    services.message_send(thread=thread, author=alice, body="Avec plaisir")
    assert selectors.unread_count(world.here_member) == 1
    assert selectors.unread_count(alice) == 0


def test_other_communities_are_out_of_reach_without_twinning(world):
    with pytest.raises(ValidationError) as error:
        start(world.here_member, world.near_member)
    assert error.value.message_dict == {"recipients": ["Vous ne pouvez pas écrire à Un habitant."]}
    assert not Message.objects.exists()


def test_twinned_members_reach_each_other(world, twinned):
    thread = start(world.here_member, world.near_member)
    services.message_send(thread=thread, author=world.near_member, body="Bonjour d'à côté")
    assert Message.objects.filter(thread=thread).count() == 2
    with pytest.raises(ValidationError):
        start(world.here_member, world.far_referent)  # Paramé is not twinned


def test_search_finds_pseudonyms_never_real_names_behind_them(world, twinned, alice):
    near = world.near_member  # pseudonym Serv1
    assert list(selectors.search_recipients(world.here_member, "serv")) == [near]
    assert list(selectors.search_recipients(world.here_member, near.last_name)) == []
    assert list(selectors.search_recipients(world.here_member, "alice")) == [alice]
    assert list(selectors.search_recipients(world.far_referent, "alice")) == []


def test_pending_and_non_members_reach_nobody(world, commune, alice):
    outsider = person_at(commune, offset(SAINT_MALO, 3000, 3000))
    assert not selectors.reachable_people(outsider).exists()
    with pytest.raises(ValidationError):
        start(outsider, alice)


def test_at_most_twenty_recipients(world, alice):
    with override_settings(MESSAGING_MAX_RECIPIENTS=1), pytest.raises(ValidationError) as error:
        start(world.here_member, alice, world.here_referent)
    assert error.value.message_dict == {"recipients": ["Choisissez au plus 1 personnes."]}


def test_past_thread_stays_readable_after_leaving_but_new_messages_need_the_relation(world, alice):
    thread = start(world.here_member, alice)
    membership_leave(user=alice)
    assert selectors.access_thread(alice, thread.pk).thread == thread  # still readable
    with pytest.raises(PermissionDenied) as error:
        services.message_send(thread=thread, author=world.here_member, body="Tu es là ?")
    assert "ne peut plus être jointe" in str(error.value)
    assert "Alice Bernard" in str(error.value)


def test_block_stops_new_threads_and_one_to_one_answers(world, alice):
    thread = start(world.here_member, alice)
    services.block(blocker=alice, blocked=world.here_member)
    with pytest.raises(PermissionDenied):
        services.message_send(thread=thread, author=world.here_member, body="Encore moi")
    with pytest.raises(ValidationError):
        start(world.here_member, alice)
    assert services.unblock(blocker=alice, blocked_id=world.here_member.pk)
    services.message_send(thread=thread, author=world.here_member, body="Merci")


def test_block_in_a_group_thread_silences_for_the_blocker_only(world, alice):
    thread = start(world.here_member, alice, world.here_referent)
    services.mark_read(participant=selectors.access_thread(alice, thread.pk))
    services.block(blocker=alice, blocked=world.here_member)
    services.message_send(thread=thread, author=world.here_member, body="Pour tous")
    assert selectors.unread_count(alice) == 0
    assert selectors.unread_count(world.here_referent) == 1


@override_settings(MESSAGING_MESSAGES_PER_HOUR=2, MESSAGING_THREADS_PER_HOUR=1)
def test_rate_limits(world, alice):
    thread = start(world.here_member, alice)
    with pytest.raises(services.RateLimited) as error:
        start(world.here_member, world.here_referent)
    assert "conversations" in str(error.value)
    assert 0 < error.value.retry_after <= 3601
    services.message_send(thread=thread, author=world.here_member, body="Deux")
    with pytest.raises(services.RateLimited):
        services.message_send(thread=thread, author=world.here_member, body="Trois")


def test_resident_writes_to_the_town_hall_and_staff_answer_signed(commune, clerk):
    resident = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    thread = services.town_hall_thread_start(
        author=resident, commune=commune, body="Ma poubelle n'a pas été ramassée."
    )
    assert selectors.unread_for_town_halls(clerk) == [(commune, 1)]
    side = selectors.access_town_hall_thread(clerk, thread.pk)
    message = services.town_hall_reply(thread=thread, by=clerk, body="Nous passons demain.")
    assert message.as_town_hall and message.signed_role == "Élu du conseil municipal"
    side.refresh_from_db()
    assert not side.is_unread
    assert selectors.unread_count(resident) == 1
    assert selectors.unread_count(clerk) == 0  # the town hall's inbox is not theirs


def test_pending_resident_cannot_write_to_the_town_hall(commune):
    person = UserFactory()
    pending(person, commune)
    with pytest.raises(PermissionDenied):
        services.town_hall_thread_start(author=person, commune=commune, body="Bonjour")


def test_other_commune_staff_and_residents_get_404(commune, other_commune, clerk, alice, world):
    resident = validated(UserFactory(), commune)
    thread = services.town_hall_thread_start(author=resident, commune=commune, body="Bonjour")
    other_staff = UserFactory()
    from tests.follows import grant

    grant(other_commune, other_staff)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.access_town_hall_thread(other_staff, thread.pk)
    with pytest.raises(Http404):
        selectors.access_thread(alice, thread.pk)
    with pytest.raises(Http404):
        selectors.access_thread(clerk, thread.pk)  # staff read it in the admin, as the town hall


def test_staff_open_a_thread_with_a_validated_resident_only(commune, clerk):
    resident = validated(UserFactory(), commune)
    thread = services.town_hall_thread_open(
        by=clerk, commune=commune, resident=resident, body="Votre demande est acceptée."
    )
    assert selectors.unread_count(resident) == 1
    stranger = UserFactory()
    with pytest.raises(ValidationError):
        services.town_hall_thread_open(by=clerk, commune=commune, resident=stranger, body="x")
    assert thread.commune == commune


def test_account_closure_keeps_messages_and_leaves_threads(world, alice):
    thread = start(world.here_member, alice, world.here_referent)
    alice.set_password("secret-pass-123")
    alice.save()
    account_close(user=alice, password="secret-pass-123")
    assert Message.objects.filter(thread=thread).count() == 1
    assert Participant.objects.get(thread=thread, user=alice).left_at is not None
    services.message_send(thread=thread, author=world.here_member, body="Toujours là")
    from privacy.matrix import person_card

    alice.refresh_from_db()
    assert person_card(world.here_member, alice).display_name == "Ancien membre"


def test_personal_data_export_lists_every_message(world, alice):
    thread = start(world.here_member, alice, body="Coucou")
    services.message_send(thread=thread, author=alice, body="Salut")
    answers = dict(
        answer for _receiver, answer in personal_data_export.send(sender=None, user=alice) if answer
    )
    data = answers["messaging"]
    assert [m["body"] for m in data["messages"]] == ["Salut"]
    assert [t["thread"] for t in data["threads"]] == [thread.pk]
