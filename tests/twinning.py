"""Twinning tests' world: two communities of Saint-Malo 900 m apart, a third 6 km away.

Registered as a pytest plugin (tests/conftest.py): the fixtures ``world``, ``mayor`` and
``partner_commune`` serve tests/modules/twinning and tests/api alike.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from communes.models import StaffRole
from communes.services import staff_role_grant
from communities.models import Community
from tests.communities import (
    SAINT_MALO,
    join,
    make_community,
    offset,
    person_at,
    referent_of,
    square,
)
from tests.factories import UserFactory
from tests.follows import root

NEAR = offset(SAINT_MALO, 900, 0)
FAR = offset(SAINT_MALO, 6000, 0)


@pytest.fixture
def world(commune):
    return build_world(commune)


@pytest.fixture
def mayor(commune):
    return make_mayor(commune)


@pytest.fixture
def partner_commune(commune):
    return make_partner(commune)


def build_world(commune) -> SimpleNamespace:
    here = make_community(commune, SAINT_MALO, name="Intra-muros")
    near = make_community(commune, NEAR, name="Saint-Servan")
    far = make_community(commune, FAR, name="Paramé")
    return SimpleNamespace(
        here=here,
        near=near,
        far=far,
        here_referent=referent_of(here),
        near_referent=referent_of(near),
        far_referent=referent_of(far),
        here_member=join(here, person_at(commune, offset(SAINT_MALO, 20, 20))),
        near_member=join(
            near,
            person_at(
                commune,
                offset(NEAR, 30, -20),
                pseudonym="Serv1",
                mobile="+33611223344",
                address="17 Rue Secrète 35400 Saint-Malo",
            ),
        ),
    )


def make_mayor(commune):
    user = UserFactory(first_name="Maire", last_name="Local")
    staff_role_grant(commune=commune, user=user, role=StaffRole.Role.MAYOR, by=root())
    return user


def make_partner(commune):
    commune.is_partner = True
    commune.save(update_fields=["is_partner"])
    return commune


def bare_communities(commune, count: int, start_east_m: float = 20_000) -> list[Community]:
    """``count`` communities without members, side by side (for bulk and count tests)."""
    return [
        Community.objects.create(
            commune=commune,
            name=f"Quartier {i}",
            area=square(offset(SAINT_MALO, start_east_m + 500 * i, 0), 400),
        )
        for i in range(count)
    ]
