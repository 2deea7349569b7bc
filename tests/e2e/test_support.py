"""CNT-7 in a real browser: a resident whose request to join waits asks the team from the
link on "Ma communauté", a platform staff member answers in the real admin, and the
resident reads the answer in the notification centre and on the request's page; a visitor
without an account writes too."""

import re

import pytest

from accounts.staff import platform_staff_group
from communities import services as communities_services
from moderation.models import SupportRequest
from tests.communities import SAINT_MALO, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_a_resident_asks_the_team_and_reads_the_answer(browser, page, site_url, commune):
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    resident = person_at(
        commune,
        offset(SAINT_MALO, 30, 30),
        email="marie@example.org",
        first_name="Marie",
        last_name="Attente",
    )
    communities_services.membership_request(user=resident, community=community)
    desk = UserFactory(email="sam@example.org", first_name="Sam", last_name="Support")
    desk.groups.add(platform_staff_group())

    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.goto(site_url(HOST, "/communautes/ma-communaute/"))
    page.get_by_role("link", name="Contactez l’équipe : nous contactons le référent").click()
    page.wait_for_url(re.compile(r"/contact/\?topic=membership_unanswered$"))
    topic = page.get_by_role("radio", name=re.compile("Ma demande d’adhésion"))
    assert topic.is_checked()
    page.get_by_label("Objet").fill("Pas de réponse du référent")
    page.get_by_role("textbox", name="Votre message").fill("J’attends depuis trois semaines.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url(re.compile(r"/contact/demandes/\d+/$"))
    assert "Vous trouverez ici la réponse de l’équipe" in page.content()
    request = SupportRequest.objects.get()

    staff = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    staff.set_default_timeout(10_000)
    browser_log_in(staff, site_url, HOST, desk.email, PASSWORD, user=desk, then="/admin/")
    staff.get_by_role("link", name="Support (1)").click()
    staff.wait_for_url(re.compile(r"/admin/support/$"))
    staff.get_by_role("link", name="Pas de réponse du référent").click()
    staff.wait_for_url(re.compile(rf"/admin/support/{request.pk}/$"))
    context = staff.content()
    assert "Demande d’adhésion en attente" in context and "Intra-muros" in context
    staff.get_by_label("Votre réponse").fill("Nous écrivons au référent aujourd’hui.")
    staff.get_by_role("button", name="Envoyer la réponse").click()
    staff.wait_for_url(re.compile(rf"/admin/support/{request.pk}/$"))
    assert "Votre réponse est envoyée" in staff.content()
    staff.context.close()

    page.goto(site_url(HOST, "/notifications/"))
    notice = page.get_by_role("link", name=re.compile("L’équipe a répondu à votre demande"))
    notice.click()
    page.wait_for_url(re.compile(rf"/contact/demandes/{request.pk}/$"))
    assert "Nous écrivons au référent aujourd’hui." in page.content()
    assert "Répondue" in page.content()


def test_a_visitor_writes_without_an_account(page, site_url, commune):
    page.goto(site_url(HOST, "/"))
    page.get_by_role("link", name="Contacter l’équipe").click()
    page.wait_for_url(re.compile(r"/contact/$"))
    page.get_by_role("radio", name="Ma commune ou mon code postal est absent").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    assert "Indiquez votre nom." in page.content()  # French errors, nothing lost
    page.get_by_label("Votre nom").fill("Jean Visiteur")
    page.get_by_label("Votre adresse e-mail").fill("jean@example.org")
    page.get_by_label("Objet").fill("Ma commune manque")
    page.get_by_role("textbox", name="Votre message").fill("Plouër-sur-Rance, 22490")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url(re.compile(r"/contact/$"))
    assert "L’équipe vous répond par e-mail" in page.content()
    created = SupportRequest.objects.get()
    assert (created.requester, created.email, created.topic) == (
        None,
        "jean@example.org",
        "missing_commune",
    )
