"""The support desk's test world (helper h4): Saint-Malo with a community "Intra-muros",
a resident waiting 20 days for an answer to join it, a platform staff member at the desk,
a second one, and Saint-Malo's council member (town-hall staff: not the desk)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities import services as communities_services
from communities.models import Membership
from tests.communities import SAINT_MALO, make_community, offset, person_at
from tests.factories import UserFactory
from tests.follows import grant
from tests.two_factor import verified_login


def desk_member(**names):
    person = UserFactory(**names)
    person.groups.add(platform_staff_group())
    return person


def admin_client(user, host="testserver") -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


@pytest.fixture(name="support_world")
def support_world_fixture(commune):
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    waiting = person_at(
        commune, offset(SAINT_MALO, 30, 30), first_name="Marie", last_name="Attente"
    )
    membership = communities_services.membership_request(user=waiting, community=community)
    Membership.objects.filter(pk=membership.pk).update(
        requested_at=timezone.now() - timedelta(days=20)
    )
    clerk = UserFactory(first_name="Claire", last_name="Mairie")
    grant(commune, clerk, StaffRole.Role.COUNCIL)
    return SimpleNamespace(
        commune=commune,
        community=community,
        waiting=waiting,
        membership=membership,
        desk=desk_member(first_name="Sam", last_name="Support"),
        desk2=desk_member(first_name="Lou", last_name="Support"),
        clerk=clerk,
        other=person_at(commune, offset(SAINT_MALO, -30, 30), first_name="Paul", last_name="Autre"),
    )
