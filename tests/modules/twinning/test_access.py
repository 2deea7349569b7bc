"""``access_twinning`` and ``access_alert``: one 404 for "missing" and "not yours" (issue 15).

The site views and the API both fetch through these selectors, so their 404s (tested in
tests/modules/*/test_views.py, test_site.py and tests/api) come from one place.
"""

from __future__ import annotations

import pytest
from django.http import Http404

from modules.alerts import services as alert_services
from modules.alerts.selectors import access_alert
from modules.twinning.models import Twinning
from modules.twinning.selectors import access_twinning
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twinning(world):
    return Twinning.objects.create(
        community_a=min(world.here, world.near, key=lambda c: c.pk),
        community_b=max(world.here, world.near, key=lambda c: c.pk),
        status=Twinning.Status.ACTIVE,
        proposing_community=world.here,
    )


def test_access_twinning_answers_each_side_with_its_own_community(world, commune, twinning):
    assert access_twinning(world.here_member, twinning.pk, commune=commune) == (
        twinning,
        world.here,
    )
    assert access_twinning(world.near_referent, twinning.pk, commune=commune) == (
        twinning,
        world.near,
    )


def test_access_twinning_is_the_same_404_for_missing_and_not_yours(
    world, commune, other_commune, twinning
):
    refused = [
        (world.far_referent, twinning.pk, commune),  # a community not in the twinning
        (UserFactory(), twinning.pk, commune),  # in no community
        (world.here_member, twinning.pk, other_commune),  # another commune's host
        (world.here_member, twinning.pk, None),  # a host with no commune
        (world.here_member, twinning.pk + 1000, commune),  # missing
    ]
    for user, pk, where in refused:
        with pytest.raises(Http404):
            access_twinning(user, pk, commune=where)


def test_access_alert_is_the_same_404_for_missing_and_not_yours(alert_world, other_commune):
    w = alert_world
    alert = alert_services.send_community_alert(
        author=w.member, text="Démarcheur suspect rue des Lilas, il sonne partout."
    )
    assert access_alert(w.referent, alert.pk, commune=w.commune) == alert
    refused = [
        (w.far_referent, alert.pk, w.commune),  # Paramé is not twinned: not theirs
        (UserFactory(), alert.pk, w.commune),
        (w.referent, alert.pk, other_commune),
        (w.referent, alert.pk, None),
        (w.referent, alert.pk + 1000, w.commune),
    ]
    for user, pk, where in refused:
        with pytest.raises(Http404):
            access_alert(user, pk, commune=where)


def test_can_answer_and_can_end_follow_the_twinning_rules(world, twinning):
    from modules.twinning.selectors import can_answer_twinning, can_end_twinning

    here, near = world.here_referent, world.near_referent
    everyone = [here, near, world.here_member, world.near_member, world.far_referent]
    # Active: either side's référent ends it; nobody answers.
    assert [can_end_twinning(u, twinning) for u in everyone] == [True, True, False, False, False]
    assert not any(can_answer_twinning(u, twinning) for u in everyone)
    # Proposed by "here": "near"'s référent answers; "here"'s may withdraw it.
    twinning.status = Twinning.Status.PROPOSED
    assert [can_answer_twinning(u, twinning) for u in everyone] == [
        False,
        True,
        False,
        False,
        False,
    ]
    assert [can_end_twinning(u, twinning) for u in everyone] == [True, False, False, False, False]
    # Ended: nothing left to do.
    twinning.status = Twinning.Status.ENDED
    assert not any(
        can_end_twinning(u, twinning) or can_answer_twinning(u, twinning) for u in everyone
    )
