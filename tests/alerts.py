"""Alerts tests' world, on top of the twinning world (tests/twinning.py).

Registered as a pytest plugin (tests/conftest.py): ``alert_world`` serves
tests/modules/alerts, tests/api and tests/e2e alike.

* ``here`` (Intra-muros): its référent, ``member`` (no mobile), ``sms_member``
  (a mobile, accepts SMS), ``no_sms_member`` (a mobile, refuses SMS);
* ``near`` (Saint-Servan): twinned with ``here``; its référent and ``near_member``;
* ``far`` (Paramé): not twinned; its référent;
* ``resident``: a validated resident of the commune, in no community;
* ``communication``: the town hall's communication officer (may send alerts).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from communes.models import StaffRole
from communes.services import staff_role_grant
from modules.twinning.models import Twinning
from tests.communities import SAINT_MALO, join, offset, person_at
from tests.factories import UserFactory
from tests.follows import root, validated
from tests.twinning import build_world


@pytest.fixture
def alert_world(commune):
    return build_alert_world(commune)


def build_alert_world(commune) -> SimpleNamespace:
    world = build_world(commune)
    here = world.here
    Twinning.objects.create(
        community_a=min(here, world.near, key=lambda c: c.pk),
        community_b=max(here, world.near, key=lambda c: c.pk),
        status=Twinning.Status.ACTIVE,
        proposing_community=here,
    )
    sms_member = join(
        here,
        person_at(
            commune,
            offset(SAINT_MALO, 40, 10),
            first_name="Sophie",
            last_name="Texto",
            mobile="+33612345678",
            accepts_sms=True,
        ),
    )
    no_sms_member = join(
        here,
        person_at(
            commune,
            offset(SAINT_MALO, 60, 10),
            mobile="+33687654321",
            accepts_sms=False,
        ),
    )
    resident = validated(UserFactory(first_name="Rémi", last_name="Résident"), commune)
    communication = UserFactory(first_name="Camille", last_name="Communication")
    staff_role_grant(
        commune=commune, user=communication, role=StaffRole.Role.COMMUNICATION, by=root()
    )
    return SimpleNamespace(
        commune=commune,
        here=here,
        near=world.near,
        far=world.far,
        referent=world.here_referent,
        member=world.here_member,
        sms_member=sms_member,
        no_sms_member=no_sms_member,
        near_member=world.near_member,
        near_referent=world.near_referent,
        far_referent=world.far_referent,
        resident=resident,
        communication=communication,
    )


def switch(commune, module: str, enabled: bool) -> None:
    """Switch ``module`` on or off for ``commune`` (its row, and the cached answer)."""
    from communes.models import CommuneModule
    from core.modules import forget_enabled_cache

    CommuneModule.objects.update_or_create(
        commune=commune, module=module, defaults={"enabled": enabled}
    )
    forget_enabled_cache(commune)
