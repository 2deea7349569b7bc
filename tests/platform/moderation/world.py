"""Moderation's test world (helper h2's tests: services, admin, tasks).

Saint-Malo with a news comment by Marie (moderated by the town hall) and a community
"Intra-muros" whose member posted in the gazette (moderated by the platform only);
validated residents and members to report them; a platform moderator, a second one (for
appeals), Saint-Malo's council member, and Cocody's council member (another commune).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from conversations.services import comment_create
from gazette import services as gazette_services
from tests.communities import SAINT_MALO, join, offset, person_at
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.platform.conversations.conftest import add_news
from tests.twinning import build_world
from tests.two_factor import verified_login


def platform_moderator(**names):
    person = UserFactory(**names)
    person.groups.add(platform_staff_group())
    return person


def admin_client(user, host="testserver") -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


@pytest.fixture
def world(commune, other_commune):
    communities = build_world(commune)
    news = add_news(commune)
    author = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    comment = comment_create(
        target=news, commune=commune, author=author, body="Vous êtes tous des incapables."
    )
    here = communities.here
    post = gazette_services.post_create(
        community=here,
        author=communities.here_member,
        category="information",
        title="Vends montres",
        body="Montres de luxe à prix cassés, écrivez-moi.",
    )
    residents = [
        validated(UserFactory(first_name=f"Voisin{i}", last_name="Habitant"), commune)
        for i in range(4)
    ]
    members = [
        join(here, person_at(commune, offset(SAINT_MALO, 10 * (i + 3), 10), first_name=f"M{i}"))
        for i in range(3)
    ]
    council = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, council, StaffRole.Role.COUNCIL)
    cocody_council = UserFactory(first_name="Awa", last_name="Koné")
    grant(other_commune, cocody_council, StaffRole.Role.COUNCIL)
    return SimpleNamespace(
        commune=commune,
        other_commune=other_commune,
        news=news,
        comment=comment,
        author=author,
        community=here,
        post=post,
        poster=communities.here_member,
        residents=residents,
        members=members,
        moderator=platform_moderator(first_name="Modé", last_name="Ratrice"),
        second_moderator=platform_moderator(first_name="Second", last_name="Regard"),
        council=council,
        cocody_council=cocody_council,
        unvalidated=UserFactory(first_name="Nouveau", last_name="Venu"),
    )
