"""PRIV: the matrix decides every field of a person, for each relation that exists today."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from accounts.staff import platform_staff_group
from communes.models import Follow, StaffRole
from privacy import relations
from privacy.matrix import cards_by_id, people_cards, person_card
from privacy.relations import Relation
from tests.factories import UserFactory

User = get_user_model()


@pytest.fixture
def person(db):
    return UserFactory(
        first_name="Anne",
        last_name="Kerouac",
        email="anne@example.org",
        pseudonym="",
        mobile="+33611223344",
        landline="+33299001122",
        address="4 Rue de Toulouse 35400 Saint-Malo",
        presentation="Apicultrice.",
        birth_date=timezone.localdate().replace(year=1980),
    )


@pytest.fixture
def mayor(commune):
    user = UserFactory(first_name="Gilles", last_name="Maire")
    StaffRole.objects.create(commune=commune, user=user, role=StaffRole.Role.MAYOR)
    return user


@pytest.fixture
def moderator(db):
    user = UserFactory(first_name="Mona", last_name="Dératrice")
    user.groups.add(platform_staff_group())
    return user


def _follow(person, commune, status=Follow.Status.VALIDATED):
    return Follow.objects.create(user=person, commune=commune, status=status)


def test_self_sees_every_field(person):
    card = person_card(person, person)
    assert card.relation is Relation.SELF
    assert card.display_name == "Anne Kerouac"
    assert card.email == "anne@example.org"
    assert card.mobile == "+33611223344"
    assert card.address.startswith("4 Rue de Toulouse")
    assert card.birth_date is not None


def test_self_sees_own_phones_even_when_hidden(person):
    person.hide_mobile = True
    person.save()
    assert person_card(person, person).mobile == "+33611223344"


@pytest.mark.parametrize("status", [Follow.Status.PENDING, Follow.Status.VALIDATED])
def test_staff_of_a_followed_commune_see_name_address_presentation(person, commune, mayor, status):
    _follow(person, commune, status)
    card = person_card(mayor, person)
    assert card.relation is Relation.COMMUNE_STAFF
    assert (card.first_name, card.last_name) == ("Anne", "Kerouac")
    assert card.address.startswith("4 Rue de Toulouse")
    assert card.presentation == "Apicultrice."
    assert card.email is None
    assert card.mobile is None and card.landline is None
    assert card.birth_date is None
    assert card.photo_url is None


def test_staff_of_another_commune_see_nothing(person, commune, other_commune):
    _follow(person, commune)
    other_mayor = UserFactory()
    StaffRole.objects.create(commune=other_commune, user=other_mayor, role=StaffRole.Role.MAYOR)
    card = person_card(other_mayor, person)
    assert card.relation is Relation.PUBLIC
    assert card.last_name is None and card.address is None and card.id is None


def test_a_refused_follow_gives_staff_nothing(person, commune, mayor):
    _follow(person, commune, Follow.Status.REFUSED)
    assert person_card(mayor, person).address is None


def test_editors_group_and_hosting_partner_count_as_commune_staff(person, commune, partner):
    _follow(person, commune)
    editor = UserFactory()
    editor.groups.add(commune.editors_group)
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    assert person_card(editor, person).relation is Relation.COMMUNE_STAFF
    assert person_card(partner_staff, person).relation is Relation.COMMUNE_STAFF


def test_platform_staff_see_what_moderation_needs(person, moderator):
    card = person_card(moderator, person)
    assert card.relation is Relation.PLATFORM_STAFF
    assert card.last_name == "Kerouac"
    assert card.presentation == "Apicultrice."
    assert card.email is None and card.mobile is None and card.address is None


@pytest.mark.parametrize("viewer_kind", ["anonymous", "neighbour"])
def test_anyone_else_sees_no_name(person, viewer_kind):
    viewer = AnonymousUser() if viewer_kind == "anonymous" else UserFactory()
    card = person_card(viewer, person)
    assert card.relation is Relation.PUBLIC
    assert card.display_name == "Un habitant"
    for field in ("id", "first_name", "last_name", "email", "mobile", "address", "photo_url"):
        assert getattr(card, field) is None, field


def test_public_authors_appear_under_their_pseudonym_only(person):
    person.pseudonym = "La Reine des Abeilles"
    person.save()
    card = person_card(AnonymousUser(), person, public_author=True)
    assert card.display_name == "La Reine des Abeilles"
    assert card.last_name is None
    assert person_card(AnonymousUser(), person).pseudonym is None


def test_a_closed_account_is_a_former_member_for_everyone(person, moderator):
    person.closed_at = timezone.now()
    person.save()
    for viewer in (person, moderator, AnonymousUser()):
        card = person_card(viewer, person)
        assert card.display_name == "Ancien membre"
        assert card.is_former_member
        assert card.last_name is None and card.address is None


@pytest.fixture
def same_last_name_is_a_community():
    """Stands in for communities: a relation plugs in without changing any caller."""
    saved = dict(relations._providers)

    def expression(viewer):
        if not getattr(viewer, "is_authenticated", False):
            return None
        return ExpressionWrapper(
            Q(last_name=viewer.last_name) & ~Q(pk=viewer.pk), output_field=BooleanField()
        )

    relations.register_relation(Relation.SAME_COMMUNITY, expression)
    yield
    relations._providers.clear()
    relations._providers.update(saved)


def test_a_new_relation_plugs_in_with_pseudonym_and_hidden_phones(
    person, same_last_name_is_a_community
):
    neighbour = UserFactory(last_name="Kerouac")
    person.pseudonym = "Nanou"
    person.hide_landline = True
    person.save()
    card = person_card(neighbour, person)
    assert card.relation is Relation.SAME_COMMUNITY
    assert card.display_name == "Nanou"
    assert card.last_name is None  # a pseudonym replaces the real name
    assert card.mobile == "+33611223344"
    assert card.landline is None  # hidden by the person
    assert card.address.startswith("4 Rue de Toulouse")
    assert card.email is None


@pytest.mark.parametrize("count", [3, 30])
def test_a_list_of_people_costs_a_constant_number_of_queries(
    commune, mayor, count, django_assert_max_num_queries
):
    people = UserFactory.create_batch(count)
    Follow.objects.bulk_create(Follow(user=p, commune=commune) for p in people)
    queryset = User.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
    with django_assert_max_num_queries(2):  # the viewer's groups, then the people
        cards = people_cards(mayor, queryset)
    assert len(cards) == count
    assert all(card.relation is Relation.COMMUNE_STAFF for card in cards)
    with django_assert_max_num_queries(2):
        assert len(cards_by_id(mayor, [p.pk for p in people])) == count
