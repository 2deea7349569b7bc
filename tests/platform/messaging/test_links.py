"""Where people are, the way to write (issue 16): "Écrire à la mairie" on the commune's home and
on "Mes communes" for validated residents only, "Écrire" beside each other member of the
community directory, and the twinning page's pointer to a new message."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from modules.twinning import services as twinning_services
from tests.factories import UserFactory
from tests.follows import pending, refused, validated
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
TOWN_HALL = "/messages/mairie/saint-malo/"


def client_for(user=None, host: str = HOST, *, staff: bool = False) -> Client:
    client = Client(HTTP_HOST=host)
    if staff:
        verified_login(client, user)  # staff sign in with a second factor
    elif user is not None:
        client.force_login(user)
    return client


def home(user) -> str:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def my_communes(user) -> str:
    response = client_for(user).get("/compte/communes/")
    assert response.status_code == 200
    return response.content.decode()


# --- "Écrire à la mairie" -----------------------------------------------------------------


def test_a_validated_resident_is_offered_to_write_to_the_town_hall(commune, resident):
    validated(resident, commune)
    html = home(resident)
    assert f'href="{TOWN_HALL}"' in html
    assert "Écrire à la mairie" in html
    listing = my_communes(resident)
    assert f'href="{TOWN_HALL}"' in listing
    assert "Écrire à la mairie de Saint-Malo" in listing
    # The link leads to a page that lets them write.
    assert client_for(resident).get(TOWN_HALL).status_code == 200


def test_only_the_validated_rows_of_my_communes_link_to_their_town_hall(
    commune, other_commune, resident
):
    validated(resident, commune)
    pending(resident, other_commune)
    listing = my_communes(resident)
    assert listing.count("data-write-town-hall") == 1
    assert "/messages/mairie/cocody/" not in listing


@pytest.mark.parametrize("who", ["anonymous", "stranger", "pending", "refused", "other", "staff"])
def test_others_are_not_offered_to_write_to_the_town_hall(commune, other_commune, clerk, who):
    person = None if who == "anonymous" else UserFactory()
    if who == "pending":
        pending(person, commune)
    elif who == "refused":
        refused(person, commune)
    elif who == "other":
        validated(person, other_commune)  # a resident elsewhere, on Saint-Malo's site
    elif who == "staff":
        person = clerk  # answers for the town hall, is not its resident
    client = client_for(person, staff=who == "staff")
    response = client.get("/")
    assert response.status_code == 200
    assert TOWN_HALL not in response.content.decode()
    assert "data-write-town-hall" not in response.content.decode()
    if person is not None:
        listing = client.get("/compte/communes/")
        assert listing.status_code == 200
        assert TOWN_HALL not in listing.content.decode()


def test_a_closed_account_is_not_offered_to_write(commune, resident):
    validated(resident, commune)
    resident.closed_at = resident.date_joined
    resident.save(update_fields=["closed_at"])
    client = client_for(resident)
    assert TOWN_HALL not in client.get("/").content.decode()


# --- The community directory -------------------------------------------------------------


def test_the_directory_offers_to_write_to_every_other_member(world, alice):
    url = f"/communautes/{world.here.pk}/annuaire/"
    response = client_for(world.here_member).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for other in (alice, world.here_referent):
        assert f'href="/messages/nouveau/?add={other.pk}"' in html
    assert f"?add={world.here_member.pk}" not in html  # not on one's own row
    assert html.count("data-write-member") == 2
    # The accessible name says to whom: "Écrire à Alice B."-like, through the privacy matrix.
    assert '<span class="visually-hidden"> à ' in html
    # The link preselects the person on the new-message page.
    chosen = client_for(world.here_member).get(f"/messages/nouveau/?add={alice.pk}")
    assert f'name="to" value="{alice.pk}"' in chosen.content.decode()


def test_the_directory_stays_closed_to_non_members(world, alice):
    url = f"/communautes/{world.here.pk}/annuaire/"
    assert client_for(world.near_member).get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404


# --- Twinning -----------------------------------------------------------------------------


def test_the_twinning_page_says_twinned_members_may_write(world):
    url = reverse("twinning:community", args=[world.here.pk])
    alone = client_for(world.here_member).get(url).content.decode()
    assert "data-write-twins" not in alone
    twinning_services.twinning_decide(
        by=world.near_referent,
        twinning=twinning_services.twinning_propose(
            by=world.here_referent, community=world.here, other=world.near
        ),
        accept=True,
    )
    html = client_for(world.here_member).get(url).content.decode()
    assert "data-write-twins" in html
    assert 'href="/messages/nouveau/"' in html
    # The page's promise holds: a twinned member can be chosen as a recipient.
    chosen = client_for(world.here_member).get(f"/messages/nouveau/?add={world.near_member.pk}")
    assert f'name="to" value="{world.near_member.pk}"' in chosen.content.decode()
