"""Messaging tests' world: Saint-Malo's communities (tests.twinning), Intra-muros twinned
with Saint-Servan, Paramé alone; a council member who answers for the town hall."""

from __future__ import annotations

import pytest

from communes.models import StaffRole
from messaging import services
from modules.twinning import services as twinning_services
from tests.communities import SAINT_MALO, join, offset, person_at
from tests.factories import UserFactory
from tests.follows import grant


@pytest.fixture
def twinned(world):
    twinning = twinning_services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    return twinning_services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)


@pytest.fixture
def alice(world, commune):
    """A second member of Intra-muros (with the referent and ``world.here_member``)."""
    return join(
        world.here,
        person_at(commune, offset(SAINT_MALO, 40, 10), first_name="Alice", last_name="Bernard"),
    )


@pytest.fixture
def clerk(db, commune):
    """Claire, council member of Saint-Malo: she answers for the town hall."""
    person = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, person, StaffRole.Role.COUNCIL)
    return person


def start(author, *recipients, body="Bonjour !", subject=""):
    return services.thread_start(
        author=author, recipients=list(recipients), body=body, subject=subject
    )
