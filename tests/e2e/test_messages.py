"""CNT-3 and TWN-3 in a real browser: two members of twinned communities exchange private
messages; a resident writes to the town hall and a staff member answers from the admin."""

import re

import pytest

from communes.models import StaffRole
from modules.twinning import services as twinning_services
from tests.communities import SAINT_MALO, join, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.twinning import NEAR
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_twinned_members_exchange_messages(browser, page, site_url, commune):
    here = make_community(commune, SAINT_MALO, name="Intra-muros")
    near = make_community(commune, NEAR, name="Saint-Servan")
    twinning = twinning_services.twinning_propose(
        by=here.memberships.get(is_referent=True).user, community=here, other=near
    )
    twinning_services.twinning_decide(
        by=near.memberships.get(is_referent=True).user, twinning=twinning, accept=True
    )
    writer = join(
        here,
        person_at(commune, offset(SAINT_MALO, 20, 20), email="ana@example.org", first_name="Ana"),
    )
    reader = join(
        near,
        person_at(
            commune,
            offset(NEAR, 30, -20),
            email="serv@example.org",
            first_name="Servane",
            last_name="Secret",
            pseudonym="Serv1",
        ),
    )

    log_in(page, site_url, HOST, writer.email, PASSWORD)
    page.goto(site_url(HOST, "/messages/nouveau/"))
    page.get_by_label("Chercher une personne par son nom ou son pseudonyme").fill("serv")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Ajouter Serv1").click()
    assert page.get_by_role("button", name="Retirer Serv1").is_visible()
    page.get_by_label("Objet (facultatif)").fill("Vide-grenier")
    page.get_by_role("textbox", name="Votre message").fill(
        "Bonjour, on fait un vide-grenier commun ?"
    )
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"/messages/\d+/$"))
    assert "Secret" not in page.content()  # the pseudonym, never the name behind it

    other = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    other.set_default_timeout(10_000)
    log_in(other, site_url, HOST, reader.email, PASSWORD)
    other.goto(site_url(HOST, "/messages/"))
    assert other.locator(".account__messages .badge").inner_text().strip().endswith("1")
    other.get_by_role("link", name=re.compile("Vide-grenier")).click()
    assert "on fait un vide-grenier commun" in other.locator(".message--new").inner_text()
    other.get_by_role("textbox", name="Votre message").fill("Avec plaisir !")
    other.get_by_role("button", name="Envoyer").click()
    other.wait_for_url(re.compile(r"/messages/\d+/#latest$"))
    other.context.close()

    page.goto(site_url(HOST, "/messages/"))
    page.get_by_role("link", name=re.compile("Vide-grenier")).click()
    assert "Avec plaisir !" in page.locator(".message--new").inner_text()


def test_a_resident_writes_to_the_town_hall_and_staff_answer(browser, page, site_url, commune):
    resident = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(resident, commune)
    clerk = UserFactory(email="claire@example.org", first_name="Claire", last_name="Lemoine")
    grant(commune, clerk, StaffRole.Role.COUNCIL)

    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.goto(site_url(HOST, "/messages/"))
    page.get_by_role("link", name="Mairie de Saint-Malo").click()
    page.get_by_role("textbox", name="Votre message").fill(
        "Le lampadaire du 12 rue des Lilas est éteint."
    )
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"/messages/\d+/$"))

    staff = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    staff.set_default_timeout(10_000)
    browser_log_in(
        staff, site_url, HOST, clerk.email, PASSWORD, user=clerk, then="/admin/messagerie/"
    )
    staff.get_by_role("link", name=re.compile("Marie Durand")).click()
    staff.wait_for_url(re.compile(r"/admin/messagerie/\d+/$"))
    assert "lampadaire" in staff.content()
    staff.get_by_label("Votre réponse").fill("Merci, les services techniques passent demain.")
    staff.get_by_role("button", name="Envoyer la réponse").click()
    staff.wait_for_url(re.compile(r"/admin/messagerie/\d+/$"))
    staff.context.close()

    page.goto(site_url(HOST, "/messages/"))
    page.get_by_role("link", name=re.compile("Mairie de Saint-Malo")).last.click()
    answer = page.locator(".message--new")
    assert "Mairie de Saint-Malo · Élu du conseil municipal" in answer.inner_text()
    assert "services techniques" in answer.inner_text()
    assert "claire@example.org" not in page.content()
