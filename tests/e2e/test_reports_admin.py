"""REP-2 and API-3 in the Wagtail admin, in a real browser (390 px for the mayor, 1280 px
for the agent): the mayor creates a technical service with its agent, a category routed
to it and an Open311 key (read once); the agent sees only their service's reports and
resolves one with a public note; the dashboard counts what stays open.

Fields are found by their ids (language-agnostic); the texts the lead translates are
matched in English or French (``# FR:`` gives the French expected)."""

import re

import pytest

from communes.models import StaffRole
from modules.reports import selectors
from modules.reports.models import Category, Integrator, Report, Service, Update
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.modules.reports.helpers import make_report, with_centre
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
NOTE = "Trou rebouché ce matin par l'équipe voirie."


def either(english: str, french: str):
    return re.compile(rf"^\s*({re.escape(english)}|{re.escape(french)})\s*$")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def new_page(browser, width: int):
    page = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_town_hall_sets_up_and_the_service_resolves(browser, page, site_url, commune):
    with_centre(commune)
    mayor = UserFactory(email="anne@example.org", first_name="Anne", last_name="Leroy")
    grant(commune, mayor, StaffRole.Role.MAYOR)
    agent = UserFactory(email="jean@example.org", first_name="Jean", last_name="Moreau")
    grant(commune, agent, StaffRole.Role.TECHNICAL)
    resident = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    graffiti = Category.objects.create(commune=commune, name="Graffiti", code="graffiti")

    # The mayor, at 390 px, creates the service "Voirie" with Jean in it.
    browser_log_in(page, site_url, HOST, mayor.email, PASSWORD, user=mayor, then="/admin/")
    page.goto(site_url(HOST, "/admin/report_services/new/"))
    page.locator("#id_name").fill("Voirie")
    page.locator("#id_email").fill("voirie@example.org")
    page.get_by_label("Jean Moreau").check()
    page.locator("main form button[type=submit].button-longrunning").first.click()
    page.wait_for_url(re.compile(r"/admin/report_services/$"))
    service = Service.objects.get(commune=commune, name="Voirie")
    assert list(selectors.service_members(service)) == [agent]
    assert "Jean Moreau" in page.locator("main").inner_text()
    assert fits_the_screen(page)

    # A category routed to it.
    page.goto(site_url(HOST, "/admin/report_categories/new/"))
    page.locator("#id_name").fill("Nid de poule")
    page.locator("#id_service").select_option(label="Voirie")
    page.locator("#id_position").fill("1")
    page.locator("main form button[type=submit].button-longrunning").first.click()
    page.wait_for_url(re.compile(r"/admin/report_categories/$"))
    pothole = Category.objects.get(commune=commune, name="Nid de poule")
    assert (pothole.service, pothole.code) == (service, "nid-de-poule")

    # An Open311 key: shown once, on the page that follows its creation.
    page.goto(site_url(HOST, "/admin/open311/new/"))
    page.locator("#id_name").fill("Appli Ville")
    page.locator("main form button[type=submit].button-longrunning").first.click()
    key_field = page.locator("[data-open311-key]")
    key = key_field.input_value()
    assert key.startswith("o311_")
    assert selectors.integrator_for_key(key) == Integrator.objects.get(name="Appli Ville")
    assert fits_the_screen(page)
    page.get_by_role("link", name=either("I copied the key", "J'ai copié la clé")).click()
    page.wait_for_url(re.compile(r"/admin/open311/$"))
    assert key not in page.content()
    assert Integrator.objects.get().key_prefix in page.content()

    # Residents report: two potholes (the roads' service) and a graffiti (the town hall).
    first = make_report(commune, resident, pothole, title="Trou rue de la Paix")
    second = make_report(commune, resident, pothole, title="Trou quai Saint-Louis")
    make_report(commune, resident, graffiti, title="Tag sur la mairie")

    # Jean, at 1280 px, sees his service's reports only and resolves one with a note.
    desk = new_page(browser, 1280)
    browser_log_in(desk, site_url, HOST, agent.email, PASSWORD, user=agent, then="/admin/")
    to_do = desk.locator('[data-to-do="/admin/reports/"] [data-to-do-count]')
    assert to_do.inner_text() == "2"
    desk.goto(site_url(HOST, "/admin/reports/"))
    listing = desk.locator("main").inner_text()
    assert "Trou rue de la Paix" in listing and "Trou quai Saint-Louis" in listing
    assert "Tag sur la mairie" not in listing
    desk.get_by_role("link", name="Trou rue de la Paix").click()
    desk.wait_for_url(re.compile(rf"/admin/reports/{first.pk}/$"))
    assert "Marie Durand" in desk.locator("main").inner_text()  # staff see the reporter
    desk.locator("#id_status-status").select_option("resolved")
    desk.locator("#id_status-note").fill(NOTE)
    # FR: "Mettre à jour le signalement"
    desk.get_by_role(
        "button", name=either("Update the report", "Mettre à jour le signalement")
    ).click()
    desk.wait_for_url(re.compile(rf"/admin/reports/{first.pk}/$"))
    first.refresh_from_db()
    assert first.status == Report.Status.RESOLVED
    update = Update.objects.filter(report=first).latest("created_at", "id")
    assert (update.note, update.by, update.public_by) == (NOTE, agent, "Voirie")
    assert NOTE in desk.locator("[data-report-history]").inner_text()
    assert fits_the_screen(desk)

    # He acknowledges the other one from the list (the form for ticked reports).
    desk.goto(site_url(HOST, "/admin/reports/"))
    desk.locator("[data-reports-bulk] summary").click()
    desk.locator(f'[data-reports-tick][value="{second.pk}"]').check()
    desk.locator("#reports-bulk-form #id_status").select_option("acknowledged")
    desk.locator("#reports-bulk-form #id_note").fill("Vu, intervention prévue.")
    desk.locator("#reports-bulk-form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/admin/reports/$"))
    second.refresh_from_db()
    assert second.status == Report.Status.ACKNOWLEDGED
    first.refresh_from_db()
    assert first.status == Report.Status.RESOLVED

    # His dashboard: one pothole still open, nothing of the town hall's.
    desk.goto(site_url(HOST, "/admin/reports/dashboard/"))
    row = desk.locator(f'[data-dashboard-category="{pothole.pk}"]')
    assert row.locator("td").all_inner_texts() == ["0", "1", "0", "1"]
    assert desk.locator(f'[data-dashboard-category="{graffiti.pk}"]').count() == 0
    assert desk.locator(".leaflet-container").count() == 1  # the map is drawn
    desk.context.close()

    # The mayor's dashboard counts every open report of the commune.
    page.goto(site_url(HOST, "/admin/reports/dashboard/"))
    totals = page.locator("[data-dashboard-totals] td").all_inner_texts()
    assert totals == ["1", "1", "0", "2"]
    assert page.locator(f'[data-dashboard-category="{graffiti.pk}"] td').all_inner_texts() == [
        "1",
        "0",
        "0",
        "1",
    ]
    assert fits_the_screen(page)
