"""Town-hall roles: the object permissions they bring (django-guardian) and who grants them."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.models import UserObjectPermission
from wagtail.models import ModelLogEntry

from accounts.staff import PLATFORM_STAFF_GROUP, platform_staff_group
from communes.models import StaffRole
from communes.roles import COMMUNE_PERMISSIONS, held_permissions, permissions_for_roles
from communes.selectors import (
    commune_permission,
    communes_with_permission,
    holders_of_permission,
)
from communes.services import staff_role_grant, staff_role_revoke
from tests.factories import HostingPartnerFactory, UserFactory, make_commune
from tests.follows import grant, root

Role = StaffRole.Role


@pytest.fixture
def mayor(commune):
    user = UserFactory(first_name="Gilles", last_name="Lurton")
    grant(commune, user, Role.MAYOR)
    return user


@pytest.fixture
def person(db):
    return UserFactory(first_name="Anne", last_name="Le Gall")


def perms(user, commune) -> set[str]:
    return set(held_permissions(commune=commune, user=user))


# --- the map from roles to permissions ----------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.MAYOR, set(COMMUNE_PERMISSIONS)),
        (Role.COUNCIL, {"validate_residents", "publish_content"}),
        (Role.COMMUNICATION, {"publish_content", "send_alerts"}),
        (Role.TECHNICAL, {"handle_reports"}),
    ],
)
def test_each_role_brings_its_guardian_permissions_on_its_commune_only(
    commune, other_commune, person, role, expected
):
    grant(commune, person, role)
    assert perms(person, commune) == expected
    assert perms(person, other_commune) == set()
    for codename in COMMUNE_PERMISSIONS:
        assert person.has_perm(f"communes.{codename}", commune) is (codename in expected)
        assert commune_permission(person, commune, codename) is (codename in expected)
        assert commune_permission(person, other_commune, codename) is False


def test_two_roles_keep_a_permission_while_one_still_grants_it(commune, person):
    grant(commune, person, Role.COUNCIL)
    grant(commune, person, Role.COMMUNICATION)
    assert perms(person, commune) == {"validate_residents", "publish_content", "send_alerts"}
    staff_role_revoke(commune=commune, user=person, role=Role.COMMUNICATION, by=root())
    assert perms(person, commune) == {"validate_residents", "publish_content"}
    assert commune.editors_group in person.groups.all()  # council still publishes
    staff_role_revoke(commune=commune, user=person, role=Role.COUNCIL, by=root())
    assert perms(person, commune) == set()
    assert not UserObjectPermission.objects.filter(user=person).exists()
    assert commune.editors_group not in person.groups.all()


def test_publishing_roles_join_and_leave_the_editors_group(commune, person):
    grant(commune, person, Role.COMMUNICATION)
    assert person.groups.filter(pk=commune.editors_group_id).exists()
    staff_role_revoke(commune=commune, user=person, role=Role.COMMUNICATION, by=root())
    assert not person.groups.filter(pk=commune.editors_group_id).exists()


def test_technical_role_does_not_touch_the_editors_group(commune, person):
    grant(commune, person, Role.TECHNICAL)
    assert not person.groups.filter(pk=commune.editors_group_id).exists()


def test_an_editor_added_by_hand_stays_while_no_publishing_role_comes_and_goes(commune, person):
    person.groups.add(commune.editors_group)
    grant(commune, person, Role.TECHNICAL)
    staff_role_revoke(commune=commune, user=person, role=Role.TECHNICAL, by=root())
    assert person.groups.filter(pk=commune.editors_group_id).exists()


def test_permissions_for_roles_is_the_union():
    assert permissions_for_roles([Role.TECHNICAL, Role.COMMUNICATION]) == {
        "handle_reports",
        "publish_content",
        "send_alerts",
    }
    assert permissions_for_roles([]) == frozenset()


# --- who grants and revokes ---------------------------------------------------------


def test_the_mayor_grants_and_revokes_roles_in_their_commune(commune, mayor, person):
    role = staff_role_grant(commune=commune, user=person, role=Role.COUNCIL, by=mayor)
    assert role.granted_by == mayor
    assert role.granted_at <= timezone.now()
    staff_role_revoke(role_obj=role, by=mayor)
    assert not StaffRole.objects.filter(pk=role.pk).exists()


def test_partner_staff_of_the_commune_grant_roles(commune, partner, person):
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    staff_role_grant(commune=commune, user=person, role=Role.MAYOR, by=partner_staff)
    assert commune_permission(person, commune, "manage_staff")


@pytest.mark.parametrize("who", ["council", "other_mayor", "resident", "rival_partner"])
def test_people_who_do_not_manage_the_staff_cannot_grant_or_revoke(
    commune, other_commune, mayor, person, who
):
    if who == "council":
        outsider = grant(commune, UserFactory(), Role.COUNCIL).user
    elif who == "other_mayor":
        outsider = grant(other_commune, UserFactory(), Role.MAYOR).user
    elif who == "resident":
        outsider = UserFactory()
    else:
        outsider = UserFactory()
        HostingPartnerFactory(staff=[outsider])
    with pytest.raises(PermissionDenied):
        staff_role_grant(commune=commune, user=person, role=Role.COUNCIL, by=outsider)
    existing = StaffRole.objects.get(commune=commune, user=mayor)
    with pytest.raises(PermissionDenied):
        staff_role_revoke(role_obj=existing, by=outsider)
    assert StaffRole.objects.filter(pk=existing.pk).exists()
    assert not StaffRole.objects.filter(user=person).exists()


def test_anonymous_cannot_grant(commune, person):
    with pytest.raises(PermissionDenied):
        staff_role_grant(commune=commune, user=person, role=Role.COUNCIL, by=AnonymousUser())


def test_a_deactivated_mayor_manages_nothing(commune, mayor, person):
    mayor.is_active = False
    mayor.save()
    assert commune_permission(mayor, commune, "manage_staff") is False
    with pytest.raises(PermissionDenied):
        staff_role_grant(commune=commune, user=person, role=Role.COUNCIL, by=mayor)


def test_the_same_role_twice_is_a_field_error(commune, person):
    grant(commune, person, Role.COUNCIL)
    with pytest.raises(ValidationError) as error:
        grant(commune, person, Role.COUNCIL)
    assert "role" in error.value.message_dict
    assert StaffRole.objects.filter(user=person).count() == 1


def test_an_unknown_role_is_a_field_error(commune, person):
    with pytest.raises(ValidationError) as error:
        grant(commune, person, "sheriff")
    assert "role" in error.value.message_dict


@pytest.mark.parametrize("state", ["closed", "inactive"])
def test_a_closed_or_inactive_account_gets_no_role(commune, person, state):
    if state == "closed":
        person.closed_at = timezone.now()
    else:
        person.is_active = False
    person.save()
    with pytest.raises(ValidationError) as error:
        grant(commune, person, Role.COUNCIL)
    assert "user" in error.value.message_dict


def test_revoking_a_role_nobody_holds_is_a_field_error(commune, person):
    with pytest.raises(ValidationError) as error:
        staff_role_revoke(commune=commune, user=person, role=Role.COUNCIL, by=root())
    assert "role" in error.value.message_dict


def test_the_town_hall_keeps_its_last_mayor(commune, mayor):
    with pytest.raises(ValidationError) as error:
        staff_role_revoke(commune=commune, user=mayor, role=Role.MAYOR, by=mayor)
    assert "maire" in " ".join(error.value.messages)
    assert commune_permission(mayor, commune, "manage_staff")


def test_a_mayor_steps_down_once_there_is_another(commune, mayor, person):
    grant(commune, person, Role.MAYOR, by=mayor)
    staff_role_revoke(commune=commune, user=mayor, role=Role.MAYOR, by=mayor)
    assert perms(mayor, commune) == set()
    with pytest.raises(ValidationError):
        staff_role_revoke(commune=commune, user=person, role=Role.MAYOR, by=person)


def test_the_hosting_partner_may_remove_the_last_mayor(commune, partner, mayor):
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    staff_role_revoke(commune=commune, user=mayor, role=Role.MAYOR, by=partner_staff)
    assert not StaffRole.objects.filter(commune=commune).exists()
    assert perms(mayor, commune) == set()


def test_grants_and_revocations_are_in_the_audit_log(commune, mayor, person):
    role = staff_role_grant(commune=commune, user=person, role=Role.TECHNICAL, by=mayor)
    staff_role_revoke(role_obj=role, by=mayor)
    entries = ModelLogEntry.objects.filter(
        object_id=str(commune.pk), action__startswith="communes.staff_role"
    ).order_by("timestamp", "pk")
    assert [(e.action, e.user_id, e.data["role"], e.data["user_id"]) for e in entries][-2:] == [
        ("communes.staff_role_grant", mayor.pk, "technical", person.pk),
        ("communes.staff_role_revoke", mayor.pk, "technical", person.pk),
    ]
    assert entries.last().message.startswith("Rôle « Service technique » retiré")


# --- selectors -------------------------------------------------------------------------


def test_superusers_and_partner_staff_hold_every_commune_permission(commune, partner):
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    rival = UserFactory()
    HostingPartnerFactory(staff=[rival])
    for codename in COMMUNE_PERMISSIONS:
        assert commune_permission(root(), commune, codename)
        assert commune_permission(partner_staff, commune, codename)
        assert not commune_permission(rival, commune, codename)
        assert not commune_permission(AnonymousUser(), commune, codename)


def test_an_unknown_permission_is_a_programming_error(commune, mayor):
    with pytest.raises(ValueError):
        commune_permission(mayor, commune, "delete_everything")


def test_communes_with_permission(commune, other_commune, partner, person):
    grant(other_commune, person, Role.COUNCIL)
    assert list(communes_with_permission(person, "validate_residents")) == [other_commune]
    assert list(communes_with_permission(person, "send_alerts")) == []
    rival = UserFactory()
    rival_commune = make_commune(HostingPartnerFactory(staff=[rival]), name="Dinard")
    assert list(communes_with_permission(rival, "manage_staff")) == [rival_commune]
    assert set(communes_with_permission(root(), "manage_staff")) >= {
        commune,
        other_commune,
        rival_commune,
    }
    assert list(communes_with_permission(AnonymousUser(), "manage_staff")) == []


def test_holders_of_a_permission_are_open_accounts_with_a_role(
    commune, other_commune, partner, django_assert_num_queries
):
    council = grant(commune, UserFactory(), Role.COUNCIL).user
    mayor = grant(commune, UserFactory(), Role.MAYOR).user
    grant(commune, UserFactory(), Role.TECHNICAL)
    grant(other_commune, UserFactory(), Role.COUNCIL)
    closed = grant(commune, UserFactory(), Role.COUNCIL).user
    closed.closed_at = timezone.now()
    closed.save()
    partner.staff.add(UserFactory())
    holders_of_permission(commune, "validate_residents").count()  # content type cached
    with django_assert_num_queries(1):
        holders = set(holders_of_permission(commune, "validate_residents"))
    assert holders == {council, mayor}


def test_the_platform_staff_group_exists_after_migrations(db):
    group = Group.objects.get(name=PLATFORM_STAFF_GROUP)
    assert group == platform_staff_group()
    assert group.permissions.filter(codename="access_admin").exists()
