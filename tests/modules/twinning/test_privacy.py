"""TWN-3 / PRIV: members of twinned communities see each other through the matrix as
"twinned": pseudonym (or name), photo and id; never e-mail, phones or address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from communes.services import module_set_enabled
from modules.twinning import services
from privacy.matrix import people_cards, person_card
from privacy.relations import Relation
from tests.follows import root

TWINNED = "twinned"  # the relation the twinning module declares

pytestmark = pytest.mark.django_db


@pytest.fixture
def twinned(world):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    return services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)


def test_a_twinned_member_sees_pseudonym_but_no_contact(world, twinned):
    card = person_card(world.here_member, world.near_member)
    assert card.relation == TWINNED
    assert card.display_name == "Serv1" and card.pseudonym == "Serv1"
    assert card.id == world.near_member.pk
    assert card.email is None and card.mobile is None and card.landline is None
    assert card.address is None and card.birth_date is None and card.presentation is None


def test_the_relation_goes_both_ways_in_one_query(world, twinned, django_assert_max_num_queries):
    people = get_user_model().objects.filter(pk__in=[world.here_member.pk, world.here_referent.pk])
    with django_assert_max_num_queries(2):  # the viewer's groups, then the people
        cards = people_cards(world.near_member, people)
    assert {card.relation for card in cards} == {TWINNED}


def test_a_fellow_member_still_sees_more(world, twinned):
    assert person_card(world.near_referent, world.near_member).relation == (Relation.SAME_COMMUNITY)
    assert person_card(world.near_referent, world.near_member).mobile == "+33611223344"


def test_no_relation_without_an_active_twinning(world):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    assert person_card(world.here_member, world.near_member).relation == Relation.PUBLIC
    services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)
    assert person_card(world.here_member, world.near_member).relation == TWINNED
    services.twinning_end(by=world.here_referent, twinning=twinning)
    card = person_card(world.here_member, world.near_member)
    assert card.relation == Relation.PUBLIC and card.pseudonym is None


def test_a_third_community_is_not_twinned(world, twinned):
    assert person_card(world.far_referent, world.near_member).relation == Relation.PUBLIC


def test_no_relation_where_the_module_is_off(world, twinned, commune):
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=False)
    assert person_card(world.here_member, world.near_member).relation == Relation.PUBLIC
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=True)
    assert person_card(world.here_member, world.near_member).relation == TWINNED
