"""TWN-1 and TWN-2: every rule, from the right and the wrong side."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from communities.models import HistoryEntry
from modules.twinning import services
from modules.twinning.models import Twinning
from modules.twinning.selectors import (
    is_twinned,
    pending_proposals,
    twinned_communities,
    twinning_candidates,
)
from notifications.models import Event, Notification
from tests.communities import person_at
from tests.factories import UserFactory
from tests.twinning import bare_communities

pytestmark = pytest.mark.django_db


def tr(msgid: str, **values) -> str:
    """The message as the French user reads it (the msgid until the catalogue has it)."""
    text = gettext(msgid)
    return text % values if values else text


def propose(world):
    return services.twinning_propose(by=world.here_referent, community=world.here, other=world.near)


def accepted(world):
    return services.twinning_decide(by=world.near_referent, twinning=propose(world), accept=True)


# --- proposing ------------------------------------------------------------------------


def test_a_referent_proposes_to_a_nearby_community(world):
    twinning = propose(world)
    assert twinning.status == Twinning.Status.PROPOSED
    assert twinning.proposing_community == world.here
    assert {twinning.community_a_id, twinning.community_b_id} == {world.here.pk, world.near.pk}
    assert twinning.community_a_id < twinning.community_b_id
    assert list(pending_proposals(world.near)) == [twinning]
    assert list(pending_proposals(world.here)) == []
    assert not is_twinned(world.here, world.near)


def test_the_other_sides_referents_are_notified(world):
    propose(world)
    event = Event.objects.get(kind="twinning.proposed")
    assert "Intra-muros" in event.title
    assert list(Notification.objects.filter(event=event).values_list("recipient", flat=True)) == [
        world.near_referent.pk
    ]


def test_a_member_who_is_not_referent_cannot_propose(world):
    with pytest.raises(PermissionDenied):
        services.twinning_propose(by=world.here_member, community=world.here, other=world.near)
    with pytest.raises(PermissionDenied):  # a référent of another community
        services.twinning_propose(by=world.near_referent, community=world.here, other=world.near)
    assert not Twinning.objects.exists()


def test_a_community_too_far_away_is_refused_in_french(world):
    with pytest.raises(ValidationError) as error:
        services.twinning_propose(by=world.here_referent, community=world.here, other=world.far)
    message = error.value.message_dict["other"][0]
    assert message == tr(
        "“%(name)s” is too far away: a twinning is possible with communities "
        "less than %(distance)s m away.",
        name="Paramé",
        distance=2000,
    )
    assert world.far not in twinning_candidates(world.here)
    assert world.near in twinning_candidates(world.here)


def test_a_community_cannot_twin_with_itself(world):
    with pytest.raises(ValidationError) as error:
        services.twinning_propose(by=world.here_referent, community=world.here, other=world.here)
    assert error.value.message_dict["other"] == [tr("A community cannot be twinned with itself.")]


def test_one_open_twinning_per_pair_whichever_side_proposes(world):
    propose(world)
    with pytest.raises(ValidationError) as error:
        propose(world)
    assert error.value.message_dict["other"] == [
        tr("A twinning with “%(name)s” is already proposed.", name="Saint-Servan")
    ]
    with pytest.raises(ValidationError):
        services.twinning_propose(by=world.near_referent, community=world.near, other=world.here)
    assert Twinning.objects.count() == 1
    assert world.near not in twinning_candidates(world.here)


def test_the_database_refuses_a_reversed_or_duplicate_pair(world):
    low, high = sorted([world.here, world.near], key=lambda c: c.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Twinning.objects.create(community_a=high, community_b=low)
    Twinning.objects.create(community_a=low, community_b=high)
    with pytest.raises(IntegrityError), transaction.atomic():
        Twinning.objects.create(community_a=low, community_b=high, status="active")


# --- answering ------------------------------------------------------------------------


def test_the_proposing_side_cannot_accept_its_own_proposal(world):
    twinning = propose(world)
    with pytest.raises(PermissionDenied):
        services.twinning_decide(by=world.here_referent, twinning=twinning, accept=True)


def test_a_non_referent_of_the_other_side_cannot_accept(world):
    twinning = propose(world)
    with pytest.raises(PermissionDenied) as error:
        services.twinning_decide(by=world.near_member, twinning=twinning, accept=True)
    assert str(error.value) == tr("A référent of the other community must answer this proposal.")
    with pytest.raises(PermissionDenied):
        services.twinning_decide(by=world.far_referent, twinning=twinning, accept=True)
    twinning.refresh_from_db()
    assert twinning.status == Twinning.Status.PROPOSED


def test_accepting_twins_and_writes_history_on_both_sides(world):
    twinning = accepted(world)
    assert twinning.status == Twinning.Status.ACTIVE
    assert twinning.decided_by == world.near_referent
    assert is_twinned(world.here, world.near) and is_twinned(world.near, world.here)
    assert list(twinned_communities(world.here)) == [world.near]
    assert list(twinned_communities(world.near)) == [world.here]
    here = HistoryEntry.objects.get(community=world.here, kind=services.HISTORY_TWINNED)
    near = HistoryEntry.objects.get(community=world.near, kind=services.HISTORY_TWINNED)
    assert here.data["other"] == "Saint-Servan" and here.data["other_id"] == world.near.pk
    assert near.data["other"] == "Intra-muros"
    assert here.actor == near.actor == world.near_referent
    event = Event.objects.get(kind="twinning.accepted")
    assert set(Notification.objects.filter(event=event).values_list("recipient", flat=True)) == {
        world.here_referent.pk
    }


def test_a_decision_is_taken_once(world):
    twinning = accepted(world)
    with pytest.raises(ValidationError) as error:
        services.twinning_decide(by=world.near_referent, twinning=twinning, accept=False)
    assert error.value.messages == ["Cette proposition n’est plus ouverte."]


def test_refusing_writes_no_history_and_frees_the_pair(world):
    twinning = services.twinning_decide(
        by=world.near_referent, twinning=propose(world), accept=False
    )
    assert twinning.status == Twinning.Status.REFUSED
    assert not HistoryEntry.objects.filter(kind=services.HISTORY_TWINNED).exists()
    assert Event.objects.filter(kind="twinning.refused").exists()
    assert propose(world).status == Twinning.Status.PROPOSED  # may ask again


def test_the_proposing_side_may_withdraw_its_proposal(world):
    twinning = propose(world)
    with pytest.raises(PermissionDenied):
        services.twinning_end(by=world.near_member, twinning=twinning)
    twinning = services.twinning_end(by=world.here_referent, twinning=twinning)
    assert twinning.status == Twinning.Status.ENDED
    assert not HistoryEntry.objects.filter(kind=services.HISTORY_TWINNING_ENDED).exists()


# --- ending ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["here_referent", "near_referent"])
def test_either_side_ends_the_twinning(world, side):
    twinning = services.twinning_end(by=getattr(world, side), twinning=accepted(world))
    assert twinning.status == Twinning.Status.ENDED
    assert twinning.ended_by == getattr(world, side)
    assert not is_twinned(world.here, world.near)
    for community, other in ((world.here, "Saint-Servan"), (world.near, "Intra-muros")):
        entry = HistoryEntry.objects.get(community=community, kind=services.HISTORY_TWINNING_ENDED)
        assert entry.data["other"] == other
    other_referent = world.near_referent if side == "here_referent" else world.here_referent
    event = Event.objects.get(kind="twinning.ended")
    assert list(Notification.objects.filter(event=event).values_list("recipient", flat=True)) == [
        other_referent.pk
    ]


def test_members_and_outsiders_cannot_end_it(world):
    twinning = accepted(world)
    for user in (world.here_member, world.near_member, world.far_referent, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.twinning_end(by=user, twinning=twinning)
    services.twinning_end(by=world.here_referent, twinning=twinning)
    with pytest.raises(ValidationError):
        services.twinning_end(by=world.here_referent, twinning=twinning)


# --- TWN-2 ----------------------------------------------------------------------------


def test_a_partner_town_hall_twins_all_its_communities_and_undoes_it(world, partner_commune, mayor):
    own = accepted(world)  # agreed by the référents themselves: stays after the undo
    count = services.commune_twin_all(by=mayor, commune=partner_commune)
    assert count == 2  # here–far and near–far; here–near was twinned already
    assert Twinning.objects.active().count() == 3
    assert set(Twinning.objects.filter(via_town_hall=True).values_list("status", flat=True)) == {
        "active"
    }
    assert is_twinned(world.here, world.far) and is_twinned(world.near, world.far)
    assert HistoryEntry.objects.filter(community=world.far, kind="twinned").count() == 2
    assert Event.objects.filter(kind="twinning.town_hall").count() == 1
    assert services.commune_twin_all(by=mayor, commune=partner_commune) == 0  # idempotent

    assert services.commune_untwin_all(by=mayor, commune=partner_commune) == 2
    own.refresh_from_db()
    assert own.status == Twinning.Status.ACTIVE
    assert not is_twinned(world.here, world.far)
    assert HistoryEntry.objects.filter(community=world.far, kind="twinning_ended").count() == 2


def test_twin_all_accepts_pending_proposals(world, partner_commune, mayor):
    twinning = propose(world)
    services.commune_twin_all(by=mayor, commune=partner_commune)
    twinning.refresh_from_db()
    assert twinning.status == Twinning.Status.ACTIVE and twinning.via_town_hall


def test_only_a_partner_town_hall_twins_all(world, commune, other_commune, mayor):
    from communes.models import StaffRole
    from communes.services import staff_role_grant
    from tests.follows import root

    with pytest.raises(PermissionDenied):  # Saint-Malo is not a partner
        services.commune_twin_all(by=mayor, commune=commune)
    commune.is_partner = True
    commune.save(update_fields=["is_partner"])
    other_mayor = UserFactory()
    staff_role_grant(commune=other_commune, user=other_mayor, role=StaffRole.Role.MAYOR, by=root())
    council = UserFactory()
    staff_role_grant(commune=commune, user=council, role=StaffRole.Role.COUNCIL, by=root())
    for user in (other_mayor, council, world.here_referent, person_at(commune, (0, 0))):
        with pytest.raises(PermissionDenied):
            services.commune_twin_all(by=user, commune=commune)
        with pytest.raises(PermissionDenied):
            services.commune_untwin_all(by=user, commune=commune)
    assert not Twinning.objects.exists()


def test_twin_all_takes_a_constant_number_of_queries(partner_commune, mayor):
    bare_communities(partner_commune, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert services.commune_twin_all(by=mayor, commune=partner_commune) == 3
    bare_communities(partner_commune, 9, start_east_m=40_000)
    with CaptureQueriesContext(connection) as large:
        assert services.commune_twin_all(by=mayor, commune=partner_commune) == 66 - 3
    assert len(large) == len(small)
    with CaptureQueriesContext(connection) as undo:
        assert services.commune_untwin_all(by=mayor, commune=partner_commune) == 66
    assert len(undo) <= len(small) + 2
