"""REP-1, REP-2 and REP-4 in a real browser, at 390 px: a resident reports a pothole with a
photo (a JPEG carrying EXIF GPS, which the page offers as the position) and a point
placed on the map; a neighbour about to report the same pothole is shown it ("Is it the
same problem?") and follows it instead; the roads service's agent resolves it with a
public note in the admin (with the second factor); the reporter reads the note, and four
weeks later answers "has it been fixed?" with "no": the report is open again.

Labels are matched in English or French (the module's French comes with the lead's
translation; strings the platform already translates show in French now).
"""

import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from communes.models import StaffRole
from modules.reports.models import Category, Follower, Photo, Question, Report, Service, Update
from modules.reports.services import service_members_set
from modules.reports.tasks import ask_if_fixed
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.modules.reports.helpers import SAINT_MALO, jpeg, make_report, offset
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
TITLE = "Nid de poule devant l'école"
TEXT = "Un trou profond au milieu de la chaussée, dangereux pour les vélos."
NOTE = "Trou rebouché par l'équipe de voirie ce matin."
NOT_FIXED = "Le trou s'est rouvert après la pluie."


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def either(english: str, french: str) -> re.Pattern:
    return re.compile(rf"{re.escape(english)}|{re.escape(french)}")


def new_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def fill_the_form(page, *, title: str) -> None:
    page.locator("select[name=category]").select_option(label="Nid de poule")  # "Catégorie"
    page.get_by_label("Est-ce dangereux ?").select_option(label="Oui")
    # FR: "Quel est le problème ?"
    page.get_by_label(either("What is the problem?", "Quel est le problème ?")).fill(title)
    page.locator("textarea[name=description]").fill(TEXT)  # "Description"


def test_a_pothole_is_reported_followed_resolved_and_reopened(browser, page, site_url, commune):
    commune.center = Point(SAINT_MALO[1], SAINT_MALO[0], srid=4326)
    commune.save(update_fields=["center"])
    reporter = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(reporter, commune)
    neighbour = UserFactory(email="paul@example.org", first_name="Paul", last_name="Martin")
    validated(neighbour, commune)
    mayor = UserFactory(email="anne@example.org", first_name="Anne", last_name="Leroy")
    grant(commune, mayor, StaffRole.Role.MAYOR)
    agent = UserFactory(email="jean@example.org", first_name="Jean", last_name="Moreau")
    grant(commune, agent, StaffRole.Role.TECHNICAL)
    roads = Service.objects.create(commune=commune, name="Voirie")
    service_members_set(service=roads, members=[agent], by=mayor)
    pothole = Category.objects.create(
        commune=commune, name="Nid de poule", code="nid-de-poule", service=roads, position=1
    )
    Question.objects.create(
        category=pothole,
        code="danger",
        label="Est-ce dangereux ?",
        datatype=Question.Datatype.SINGLE,
        required=True,
        choices_text="Oui\nNon",
    )
    Category.objects.create(commune=commune, name="Graffiti", code="graffiti", position=2)

    # The resident reports it: a photo taken there, then a point on the map.
    log_in(page, site_url, HOST, reporter.email, PASSWORD)
    page.goto(site_url(HOST, "/problemes/"))
    # FR: "Signaler un problème"
    page.get_by_role("link", name=either("Report a problem", "Signaler un problème")).click()
    page.wait_for_url(re.compile(r"/problemes/signaler/$"))
    assert fits_the_screen(page)
    fill_the_form(page, title=TITLE)
    photo = jpeg(gps=SAINT_MALO, name="trou.jpg")
    page.locator("input[name=photos]").set_input_files(
        [{"name": "trou.jpg", "mimeType": "image/jpeg", "buffer": photo.read()}]
    )
    # The page read the photo's GPS position (EXIF) and offers it.
    # FR: "Utiliser la position de la photo"
    use_photo = page.get_by_role(
        "button", name=either("Use the photo's position", "Utiliser la position de la photo")
    )
    use_photo.click()
    latitude = float(page.locator("input[name=latitude]").input_value())
    longitude = float(page.locator("input[name=longitude]").input_value())
    assert abs(latitude - SAINT_MALO[0]) < 1e-4 and abs(longitude - SAINT_MALO[1]) < 1e-4
    assert page.locator("input[name=location_source]").input_value() == "photo"
    # Then the person taps the map, where the problem is (the map is centred on it).
    page.locator("[data-report-location] [data-address-map]").click()
    assert page.locator("input[name=location_source]").input_value() == "map"
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert fits_the_screen(page)
    # FR: "Envoyer mon signalement"
    page.get_by_role("button", name=either("Send my report", "Envoyer mon signalement")).click()
    page.wait_for_url(re.compile(r"/problemes/\d+/$"))
    report = Report.objects.get()
    assert (report.title, report.author, report.location_source) == (TITLE, reporter, "map")
    assert report.location.distance(Point(SAINT_MALO[1], SAINT_MALO[0], srid=4326)) < 0.001
    assert report.photos.count() == 1
    assert report.answers == {"danger": "oui"}
    assert page.locator(".report-photos img").count() == 1

    # A neighbour about to report the same pothole is shown it and follows it instead.
    other = new_page(browser)
    log_in(other, site_url, HOST, neighbour.email, PASSWORD)
    other.goto(site_url(HOST, "/problemes/signaler/"))
    fill_the_form(other, title="Trou dangereux")
    other.locator("[data-report-location] [data-address-map]").click()
    nearby = other.locator("[data-nearby]")
    # FR: "Est-ce le même problème ?"
    nearby.get_by_role(
        "heading", name=either("Is it the same problem?", "Est-ce le même problème ?")
    ).wait_for()
    assert TITLE in nearby.inner_text()
    assert fits_the_screen(other)
    # FR: "Suivre plutôt celui-ci"
    nearby.get_by_role(
        "button", name=either("Follow this one instead", "Suivre plutôt celui-ci")
    ).click()
    other.wait_for_url(re.compile(rf"/problemes/{report.pk}/$"))
    assert Report.objects.count() == 1
    assert Follower.objects.filter(report=report, user=neighbour).exists()
    report.refresh_from_db()
    assert report.followers_count == 2
    # FR: "2 habitants suivent ce signalement."
    assert re.search(
        r"2 (residents follow this report|habitants suivent ce signalement)",
        other.locator("[data-followers]").inner_text(),
    )
    assert "Durand" not in other.content()  # the reporter is "A resident" to residents
    other.context.close()

    # The roads service's agent resolves it in the admin, with a public note.
    staff = new_page(browser)
    browser_log_in(
        staff,
        site_url,
        HOST,
        agent.email,
        PASSWORD,
        user=agent,
        then=f"/admin/reports/{report.pk}/",
    )
    status_form = staff.locator("form[data-report-form=status]")
    status_form.get_by_label(either("Status", "Statut")).select_option("resolved")
    status_form.get_by_label(either("Public note", "Note publique")).fill(NOTE)
    # FR: "Mettre à jour le signalement"
    status_form.get_by_role(
        "button", name=either("Update the report", "Mettre à jour le signalement")
    ).click()
    staff.wait_for_load_state()
    staff.context.close()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED

    # The reporter reads the note on the report.
    page.goto(site_url(HOST, f"/problemes/{report.pk}/"))
    history = page.locator("[data-history]").inner_text()
    assert NOTE in history and "Voirie" in history and "Moreau" not in history

    # The list's map shows it, coloured by its status.
    page.goto(site_url(HOST, "/problemes/?status=resolved"))
    page.locator("[data-report-map] path.leaflet-interactive").wait_for()
    assert page.locator("[data-report-map] path.leaflet-interactive").count() == 1
    assert page.locator(".report-card").count() == 1
    assert fits_the_screen(page)

    # Four weeks later, the reporter is asked whether it is fixed, and answers no.
    assert ask_if_fixed(now=timezone.now() + timedelta(days=29)) == 1
    page.goto(site_url(HOST, f"/problemes/{report.pk}/"))
    question = page.locator("[data-fixed-question]")
    # FR: "Non, ce n'est pas réparé"
    question.get_by_label(either("No, it is not fixed", "Non, ce n'est pas réparé")).check()
    # FR: "Qu'est-ce qui ne va toujours pas ? (facultatif)"
    question.locator("textarea[name=note]").fill(NOT_FIXED)
    question.get_by_role("button", name=either("Send my answer", "Envoyer ma réponse")).click()
    page.wait_for_url(re.compile(rf"/problemes/{report.pk}/$"))
    report.refresh_from_db()
    assert (report.status, report.fixed_answer) == (Report.Status.ACKNOWLEDGED, "no")
    assert Update.objects.filter(report=report, kind=Update.Kind.REOPENED, note=NOT_FIXED).exists()
    assert NOT_FIXED in page.locator("[data-history]").inner_text()
    assert page.locator("[data-fixed-question]").count() == 0
    assert fits_the_screen(page)


def test_the_reports_pages_have_no_wcag_violations(browser, site_url, commune):
    """axe-core (WCAG 2.1 A/AA) over the list with its map, the form with its "same
    problem?" list, a report with its "has it been fixed?" question and that page alone."""
    from tests.e2e.test_accessibility import AXE, axe_violations, describe

    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make setup-test` (npm ci).")
    commune.center = Point(SAINT_MALO[1], SAINT_MALO[0], srid=4326)
    commune.save(update_fields=["center"])
    reporter = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(reporter, commune)
    pothole = Category.objects.create(
        commune=commune, name="Nid de poule", code="nid-de-poule", description="Un trou."
    )
    Question.objects.create(
        category=pothole,
        code="danger",
        label="Est-ce dangereux ?",
        datatype=Question.Datatype.SINGLE,
        choices_text="Oui\nNon",
    )
    report = make_report(commune, reporter, pothole, title=TITLE)
    photo = Photo(report=report, width=800, height=600)
    photo.image.save("photo.jpg", jpeg(), save=False)
    photo.save()
    resolved = make_report(
        commune,
        reporter,
        pothole,
        title="Trou rebouché",
        status=Report.Status.RESOLVED,
        point=offset(SAINT_MALO, north_m=300),
        fixed_asked_at=timezone.now(),
    )
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        bypass_csp=True,
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, site_url, HOST, reporter.email, PASSWORD)
    found = []

    def check(path: str, ready: str) -> None:
        page.goto(site_url(HOST, path))
        page.locator(ready).first.wait_for()
        violations = axe_violations(page)
        if violations:
            found.append(describe(path, violations))

    check("/problemes/", "[data-report-map] path.leaflet-interactive")
    page.goto(site_url(HOST, "/problemes/signaler/"))
    page.locator("select[name=category]").select_option(label="Nid de poule")
    page.locator("[data-report-location] [data-address-map]").click()
    page.locator("[data-nearby-list] li").first.wait_for()
    violations = axe_violations(page)
    if violations:
        found.append(describe("/problemes/signaler/ (same problem?)", violations))
    check(f"/problemes/{report.pk}/", "[data-report-point] .leaflet-marker-icon")
    check(f"/problemes/{resolved.pk}/", "[data-fixed-question]")
    check(f"/problemes/{resolved.pk}/corrige/", "form")
    context.close()
    assert not found, "\n".join(found)


def test_an_address_chosen_among_the_suggestions_places_the_point(
    page, site_url, commune, fake_geocoder
):
    commune.center = Point(SAINT_MALO[1], SAINT_MALO[0], srid=4326)
    commune.save(update_fields=["center"])
    fake_geocoder.add(
        "12 Rue de Dinan 35400 Saint-Malo", 48.6490, -2.0250, postcode="35400", city="Saint-Malo"
    )
    reporter = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(reporter, commune)
    Category.objects.create(commune=commune, name="Graffiti", code="graffiti")
    log_in(page, site_url, HOST, reporter.email, PASSWORD)
    page.goto(site_url(HOST, "/problemes/signaler/"))
    page.locator("select[name=category]").select_option(label="Graffiti")
    page.get_by_label(either("What is the problem?", "Quel est le problème ?")).fill("Tag")
    page.locator("textarea[name=description]").fill("Un tag sur le mur de l'école.")
    page.locator("input[name=photos]").set_input_files(
        [{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": jpeg().read()}]
    )
    # FR: "Adresse ou lieu"
    address = page.get_by_role("combobox", name=either("Address or place", "Adresse ou lieu"))
    address.press_sequentially("12 rue de din")
    option = page.get_by_role("option", name="12 Rue de Dinan 35400 Saint-Malo")
    option.click()
    assert page.locator("input[name=location_source]").input_value() == "address"
    assert page.locator("input[name=latitude]").input_value() == "48.649000"
    assert page.locator("[data-report-location] .leaflet-marker-icon").count() == 1
    page.get_by_role("button", name=either("Send my report", "Envoyer mon signalement")).click()
    page.wait_for_url(re.compile(r"/problemes/\d+/$"))
    report = Report.objects.get()
    assert report.address == "12 Rue de Dinan 35400 Saint-Malo"
    assert report.location_source == "address"
    assert (round(report.location.y, 4), round(report.location.x, 4)) == (48.649, -2.025)
