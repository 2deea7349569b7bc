"""The community's history names the other community; the GDPR export lists one's twinnings."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accounts.export import account_export
from modules.twinning import services

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def tr(msgid: str, **values) -> str:
    """The message as the French user reads it (the msgid until the catalogue has it)."""
    text = gettext(msgid)
    return text % values if values else text


def history_page(user, community) -> str:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    response = client.get(reverse("communities:history", args=[community.pk]))
    assert response.status_code == 200
    return response.content.decode()


def accepted(world):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    return services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)


# --- history ---------------------------------------------------------------------------


def test_the_history_shows_the_other_community_of_a_twinning_and_its_end(world):
    services.twinning_end(by=world.here_referent, twinning=accepted(world))
    body = history_page(world.here_member, world.here)
    assert body.count(tr("with “%(other)s”", other="Saint-Servan")) == 2  # twinned, ended
    assert gettext("Twinned") in body and gettext("Twinning ended") in body
    other_side = history_page(world.near_member, world.near)
    assert tr("with “%(other)s”", other="Intra-muros") in other_side


def test_the_history_says_the_town_hall_twinned(world, partner_commune, mayor):
    services.commune_twin_all(by=mayor, commune=partner_commune)
    body = history_page(world.here_member, world.here)
    assert tr("with “%(other)s”", other="Saint-Servan") in body
    assert tr("with “%(other)s”", other="Paramé") in body
    assert body.count(gettext("by the town hall")) == 2


# --- GDPR export (ACC-13) ----------------------------------------------------------------


def test_the_export_lists_the_twinnings_one_proposed_or_decided(world):
    twinning = accepted(world)
    section = account_export(world.here_referent)["sections"]["twinning"]["twinnings"]
    assert section == [
        {
            "communities": [
                {"name": twinning.community_a.name, "commune": "Saint-Malo"},
                {"name": twinning.community_b.name, "commune": "Saint-Malo"},
            ],
            "status": "active",
            "via_town_hall": False,
            "proposed_by_you": True,
            "proposed_at": section[0]["proposed_at"],
            "decided_by_you": False,
            "decided_at": section[0]["decided_at"],
            "ended_by_you": False,
            "ended_at": None,
        }
    ]
    assert section[0]["proposed_at"].startswith(str(twinning.proposed_at.year))
    decided = account_export(world.near_referent)["sections"]["twinning"]["twinnings"]
    assert decided[0]["decided_by_you"] and not decided[0]["proposed_by_you"]
    assert decided[0]["decided_at"] is not None


def test_the_export_has_no_twinning_section_for_others(world):
    accepted(world)
    for person in (world.here_member, world.near_member, world.far_referent):
        assert "twinning" not in account_export(person)["sections"]


def test_the_town_halls_twinnings_are_in_the_mayors_export(world, partner_commune, mayor):
    services.commune_twin_all(by=mayor, commune=partner_commune)
    services.commune_untwin_all(by=mayor, commune=partner_commune)
    twinnings = account_export(mayor)["sections"]["twinning"]["twinnings"]
    assert len(twinnings) == 3
    assert all(t["via_town_hall"] and t["ended_by_you"] for t in twinnings)
    assert {t["status"] for t in twinnings} == {"ended"}
