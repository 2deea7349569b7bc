"""TWN-2 in the admin: a partner town hall twins all its communities and undoes it, from
"Twin the communities" (``modules.twinning.admin_views``), through the services."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import ModelLogEntry

from communes.models import StaffRole
from communes.services import module_set_enabled, staff_role_grant
from modules.twinning import services
from modules.twinning.admin_views import ACTION_TWIN_ALL, ACTION_UNDO
from modules.twinning.models import Twinning
from tests.follows import root
from tests.twinning import make_mayor, make_partner
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
PLATFORM = "localhost"


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def page(commune) -> str:
    return f"/admin/twinning-town-hall/{commune.pk}/"


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def admin_text(msgid: str, **values) -> str:
    """``msgid`` as the admin shows it (in the admin's language, French by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(msgid)
    return text % values if values else text


@pytest.fixture
def twinned_by_referents(world):
    """Intra-muros and Saint-Servan agreed by their référents (not the town hall's)."""
    proposal = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    return services.twinning_decide(by=world.near_referent, twinning=proposal, accept=True)


def active(commune, *, via_town_hall):
    return Twinning.objects.filter(
        community_a__commune=commune, status=Twinning.Status.ACTIVE, via_town_hall=via_town_hall
    )


def test_the_mayor_twins_all_then_undoes(world, partner_commune, mayor, twinned_by_referents):
    commune = partner_commune
    client = admin_client(mayor)
    response = client.get(page(commune))
    assert response.status_code == 200
    assert response.context["communities"] == 3
    assert response.context["pairs"] == 3
    assert response.context["by_town_hall"] == 0
    assert response.context["by_referents"] == 1
    assert response.context["refusal"] == ""
    html = response.content.decode()
    assert f"/admin/twinning-town-hall/{commune.pk}/twin-all/" in html
    assert f"/admin/twinning-town-hall/{commune.pk}/undo/" in html

    # The confirmation step changes nothing.
    confirm = client.get(page(commune) + "twin-all/")
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert active(commune, via_town_hall=True).count() == 0

    response = client.post(page(commune) + "twin-all/")
    assert response.status_code == 302
    assert response["Location"] == page(commune)
    assert messages_of(response) == [
        admin_text(
            "%(count)s pairs of communities of %(commune)s are now twinned.",
            count=2,
            commune="Saint-Malo",
        )
    ]
    assert active(commune, via_town_hall=True).count() == 2
    assert active(commune, via_town_hall=False).count() == 1
    entry = ModelLogEntry.objects.get(action=ACTION_TWIN_ALL)
    assert (entry.object_id, entry.user_id, entry.data) == (str(commune.pk), mayor.pk, {"count": 2})

    response = client.get(page(commune))
    assert (response.context["by_town_hall"], response.context["by_referents"]) == (2, 1)

    response = client.post(page(commune) + "undo/")
    assert response.status_code == 302
    assert messages_of(response) == [
        admin_text(
            "%(count)s twinnings made by the town hall in %(commune)s ended.",
            count=2,
            commune="Saint-Malo",
        )
    ]
    assert active(commune, via_town_hall=True).count() == 0
    assert active(commune, via_town_hall=False).count() == 1  # the référents' stays
    entry = ModelLogEntry.objects.get(action=ACTION_UNDO)
    assert entry.data == {"count": 2}


def test_the_menu_item_leads_the_mayor_to_the_page(world, partner_commune, mayor):
    client = admin_client(mayor)
    assert "/admin/twinning-town-hall/" in client.get("/admin/").content.decode()
    response = client.get("/admin/twinning-town-hall/")
    assert response.status_code == 302
    assert response["Location"] == page(partner_commune)


def test_the_hosting_partner_staff_may_do_it_from_the_platform_host(
    world, partner_commune, partner
):
    person = root()
    partner.staff.add(person)
    client = admin_client(person, PLATFORM)
    assert client.post(page(partner_commune) + "twin-all/").status_code == 302
    assert active(partner_commune, via_town_hall=True).count() == 3


def test_a_council_member_gets_403(world, partner_commune):
    from tests.factories import UserFactory

    council = UserFactory()
    staff_role_grant(commune=partner_commune, user=council, role=StaffRole.Role.COUNCIL, by=root())
    client = admin_client(council)
    assert client.get(page(partner_commune)).status_code == 403
    assert client.get(page(partner_commune) + "twin-all/").status_code == 403
    assert client.post(page(partner_commune) + "twin-all/").status_code == 403
    assert client.post(page(partner_commune) + "undo/").status_code == 403
    assert active(partner_commune, via_town_hall=True).count() == 0
    assert "/admin/twinning-town-hall/" not in client.get("/admin/").content.decode()


def test_another_communes_mayor_gets_404(world, partner_commune, other_commune):
    make_partner(other_commune)
    other_mayor = make_mayor(other_commune)
    for host in (HOST, PLATFORM, "cocody.localhost"):
        client = admin_client(other_mayor, host)
        assert client.get(page(partner_commune)).status_code == 404
        assert client.post(page(partner_commune) + "twin-all/").status_code == 404
    assert active(partner_commune, via_town_hall=True).count() == 0


def test_module_off_is_404_and_no_menu_item(world, partner_commune, mayor):
    module_set_enabled(by=root(), commune=partner_commune, module="twinning", enabled=False)
    for host in (HOST, PLATFORM):
        client = admin_client(mayor, host)
        assert client.get(page(partner_commune)).status_code == 404
        assert client.post(page(partner_commune) + "twin-all/").status_code == 404
        assert client.get("/admin/twinning-town-hall/").status_code == 404
        assert "/admin/twinning-town-hall/" not in client.get("/admin/").content.decode()
    assert active(partner_commune, via_town_hall=True).count() == 0


def test_a_commune_that_is_not_a_partner_is_refused_with_the_services_message(
    world, commune, mayor
):
    assert not commune.is_partner
    client = admin_client(mayor)
    expected = admin_text("Only a partner town hall can twin all its communities.")
    response = client.get(page(commune))
    assert response.status_code == 200
    assert response.context["refusal"] == expected
    assert "/twin-all/" not in response.content.decode()
    response = client.post(page(commune) + "twin-all/")
    assert response.status_code == 302
    assert messages_of(response) == [expected]
    assert active(commune, via_town_hall=True).count() == 0
    assert not ModelLogEntry.objects.filter(action=ACTION_TWIN_ALL).exists()
    assert "/admin/twinning-town-hall/" not in client.get("/admin/").content.decode()


def test_a_resident_without_admin_access_is_turned_away(world, partner_commune):
    client = admin_client(world.here_member)
    response = client.get(page(partner_commune))
    assert response.status_code in (302, 404)
    assert active(partner_commune, via_town_hall=True).count() == 0
