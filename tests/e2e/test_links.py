"""Issue 16 in a real browser: a resident writes from where they are: "Écrire à la mairie"
on the commune's home and in "Mes communes", "Écrire à …" beside a neighbour in the
community directory, which opens a new message with the neighbour already chosen."""

import re

import pytest

from tests.communities import SAINT_MALO, join, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_a_resident_writes_to_the_town_hall_and_to_a_neighbour(page, site_url, commune):
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    resident = join(
        community,
        person_at(
            commune,
            offset(SAINT_MALO, 20, 20),
            email="marie@example.org",
            first_name="Marie",
            last_name="Durand",
        ),
    )
    join(
        community,
        person_at(
            commune,
            offset(SAINT_MALO, -20, 10),
            email="paul@example.org",
            first_name="Paul",
            last_name="Martin",
        ),
    )

    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.goto(site_url(HOST, "/"))
    page.get_by_role("link", name="Écrire à la mairie").click()
    page.wait_for_url(re.compile(r"/messages/mairie/saint-malo/$"))
    assert page.get_by_role("textbox", name="Votre message").is_visible()

    page.goto(site_url(HOST, "/compte/communes/"))
    assert page.get_by_role("link", name="Écrire à la mairie de Saint-Malo").is_visible()

    page.goto(site_url(HOST, f"/communautes/{community.pk}/annuaire/"))
    assert page.get_by_role("link", name=re.compile(r"^Écrire à Marie")).count() == 0
    page.get_by_role("link", name=re.compile(r"^Écrire à Paul")).click()
    page.wait_for_url(re.compile(r"/messages/nouveau/\?add=\d+$"))
    assert page.get_by_role("button", name=re.compile(r"^Retirer Paul")).is_visible()
    page.get_by_role("textbox", name="Votre message").fill("Bonjour Paul, merci pour l'échelle !")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"/messages/\d+/$"))
    assert "merci pour l'échelle" in page.content()
