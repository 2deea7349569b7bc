"""The reports' Wagtail admin (REP-2, API-3): the town hall handles every report of its
commune, a technical agent their service's only; the handle page's forms, bulk changes,
the dashboard, categories with their questions, services and their members, Open311
keys shown once; out of scope reads as missing (404).

Pages are read in English (``HTTP_ACCEPT_LANGUAGE="en"``) until the lead translates;
French labels wanted are listed in /tmp/briefs/out/admin.md.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from modules.reports import selectors, services
from modules.reports.models import Category, Follower, Integrator, Report, Service, Update
from tests.factories import UserFactory
from tests.modules.reports.helpers import make_report
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

HOST = "saint-malo.localhost"
Status = Report.Status


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    verified_login(client, user)
    return client


def handle_url(report) -> str:
    return f"/admin/reports/{report.pk}/"


# The agents reach the admin as ``services.service_members_set`` makes them do (the
# shared fixtures give the service's permission directly).
@pytest.fixture
def roads_agent(roads_agent):
    services.sync_technical_group([roads_agent.pk])
    return roads_agent


@pytest.fixture
def lighting_agent(lighting_agent):
    services.sync_technical_group([lighting_agent.pk])
    return lighting_agent


@pytest.fixture
def other_agent(other_agent):
    services.sync_technical_group([other_agent.pk])
    return other_agent


@pytest.fixture
def reports(
    commune, other_commune, resident, neighbour, pothole, street_light, graffiti, other_category
):
    """A pothole (roads), a broken street light (lighting), a graffiti (town hall) in
    Saint-Malo, and a pothole in Cocody."""
    return {
        "pothole": make_report(
            commune, resident, pothole, title="Trou rue de la Paix", answers={"danger": "oui"}
        ),
        "light": make_report(commune, neighbour, street_light, title="Lampadaire éteint quai"),
        "graffiti": make_report(commune, resident, graffiti, title="Tag sur la mairie"),
        "cocody": make_report(other_commune, None, other_category, title="Nid de poule Cocody"),
    }


# --- the index ------------------------------------------------------------------------------


def test_the_town_hall_lists_every_report_of_its_commune(mayor, reports):
    page = admin_client(mayor).get("/admin/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Trou rue de la Paix", "Lampadaire éteint quai", "Tag sur la mairie"):
        assert title in html
    assert "Nid de poule Cocody" not in html
    for report in ("pothole", "light", "graffiti"):
        assert f'href="{handle_url(reports[report])}"' in html
    assert 'form="reports-bulk-form"' in html
    assert 'id="reports-bulk-form"' in html
    # Columns: service (or the town hall), address, followers.
    assert "Voirie" in html and "Éclairage public" in html and "Town hall" in html
    assert "12 rue de la Paix, Saint-Malo" in html


def test_a_technical_agent_lists_their_service_s_reports_only(roads_agent, reports):
    html = admin_client(roads_agent).get("/admin/reports/").content.decode()
    assert "Trou rue de la Paix" in html
    assert "Lampadaire éteint quai" not in html
    assert "Tag sur la mairie" not in html
    assert "Nid de poule Cocody" not in html


def test_the_menu_counts_the_new_reports_handled(mayor, roads_agent, reports):
    services.status_set(report=reports["graffiti"], by=mayor, status=Status.ACKNOWLEDGED)
    dashboard = admin_client(mayor).get("/admin/").content.decode()
    assert 'data-to-do="/admin/reports/"' in dashboard
    row = dashboard[dashboard.index('data-to-do="/admin/reports/"') :]
    assert "<strong data-to-do-count>2</strong>" in row[:400]
    agent = admin_client(roads_agent).get("/admin/").content.decode()
    row = agent[agent.index('data-to-do="/admin/reports/"') :]
    assert "<strong data-to-do-count>1</strong>" in row[:400]
    # The agent's menu: Dashboard and Reports, not the town hall's screens.
    assert "/admin/reports/dashboard/" in agent
    assert "/admin/report_categories/" not in agent
    assert "/admin/report_services/" not in agent
    assert "/admin/open311/" not in agent
    town_hall = admin_client(mayor).get("/admin/").content.decode()
    for url in ("/admin/report_categories/", "/admin/report_services/", "/admin/open311/"):
        assert url in town_hall


def test_the_index_filters_and_searches(mayor, reports, pothole):
    site = admin_client(mayor)
    services.status_set(report=reports["light"], by=mayor, status=Status.RESOLVED, note="Réparé.")
    open_page = site.get("/admin/reports/", {"status": "open"}).content.decode()
    assert "Trou rue de la Paix" in open_page and "Lampadaire éteint quai" not in open_page
    closed = site.get("/admin/reports/", {"status": "closed"}).content.decode()
    assert "Lampadaire éteint quai" in closed and "Trou rue de la Paix" not in closed
    by_category = site.get("/admin/reports/", {"category": pothole.pk}).content.decode()
    assert "Trou rue de la Paix" in by_category and "Tag sur la mairie" not in by_category
    by_service = site.get("/admin/reports/", {"service": pothole.service_id}).content.decode()
    assert "Trou rue de la Paix" in by_service and "Lampadaire éteint quai" not in by_service
    by_number = site.get("/admin/reports/", {"q": f"#{reports['graffiti'].pk}"}).content.decode()
    assert "Tag sur la mairie" in by_number and "Trou rue de la Paix" not in by_number
    by_word = site.get("/admin/reports/", {"q": "lampadaire"}).content.decode()
    assert "Lampadaire éteint quai" in by_word and "Tag sur la mairie" not in by_word
    # Cocody's report is not found by its number either.
    other = site.get("/admin/reports/", {"q": str(reports["cocody"].pk)}).content.decode()
    assert "Nid de poule Cocody" not in other
    Report.objects.filter(pk=reports["pothole"].pk).update(
        created_at=timezone.now() - timezone.timedelta(days=40)
    )
    old = site.get("/admin/reports/", {"age": "30"}).content.decode()
    assert "Trou rue de la Paix" in old and "Tag sur la mairie" not in old


def test_the_index_reads_in_a_fixed_number_of_queries(
    mayor, commune, resident, pothole, django_assert_max_num_queries
):
    site = admin_client(mayor)
    make_report(commune, resident, pothole)
    site.get("/admin/reports/")  # warm the caches (content types, site, menu)
    with django_assert_max_num_queries(90) as one:
        assert site.get("/admin/reports/").status_code == 200
    for number in range(19):
        make_report(commune, resident, pothole, title=f"Trou {number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert site.get("/admin/reports/").status_code == 200


def test_a_resident_and_another_commune_s_staff_have_no_reports_admin(
    resident, other_agent, other_category, reports
):
    # Cocody's category goes to its agent's service.
    other_category.service = Service.objects.get(commune=reports["cocody"].commune)
    other_category.save()
    site = admin_client(resident)
    assert site.get("/admin/reports/").status_code == 302
    assert site.get(handle_url(reports["pothole"])).status_code == 302
    other = admin_client(other_agent)
    assert other.get(handle_url(reports["pothole"])).status_code == 404
    assert other.get(handle_url(reports["cocody"])).status_code == 404  # not on this host
    on_cocody = admin_client(other_agent, host="cocody.localhost")
    assert on_cocody.get(handle_url(reports["cocody"])).status_code == 200
    html = on_cocody.get("/admin/reports/").content.decode()
    assert "Nid de poule Cocody" in html and "Trou rue de la Paix" not in html


# --- the handle page -----------------------------------------------------------------------


def test_staff_read_the_report_with_its_reporter(roads_agent, resident, reports):
    page = admin_client(roads_agent).get(handle_url(reports["pothole"]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Trou rue de la Paix",
        "Un trou profond devant le numéro 12.",
        "Marie Durand",
        "Nid de poule",
        "Voirie",
        "Est-ce dangereux ?",
        "Update the report",
        "Change the category",
        "Merge into another report",
        "data-reports-map",
        f"/admin/reports/history/{reports['pothole'].pk}/",
    ):
        assert text in html, text
    # A name, never a way to reach the resident (PRIV: e-mails stay private from staff).
    assert resident.email not in html
    # The answer reads as the choice's name.
    assert re.search(r"data-report-answer>\s*Oui\s*<", html)
    assert "<script>" not in html.replace('<script type="application/json"', "")
    assert "style=" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_an_open311_report_shows_its_integrator_and_contact_to_staff(mayor, commune, graffiti):
    integrator, _key = services.integrator_create(commune=commune, name="Appli Ville", by=mayor)
    report = make_report(
        commune,
        None,
        graffiti,
        integrator=integrator,
        contact={"email": "jeanne@example.org", "first_name": "Jeanne"},
    )
    html = admin_client(mayor).get(handle_url(report)).content.decode()
    assert "Appli Ville" in html
    assert "jeanne@example.org" in html
    assert "Jeanne" in html


def test_the_service_resolves_a_report_with_a_public_note(roads_agent, reports):
    report = reports["pothole"]
    site = admin_client(roads_agent)
    response = site.post(
        handle_url(report),
        {"action": "status", "status-status": "resolved", "status-note": "Rebouché ce matin."},
    )
    assert response.status_code == 302
    assert response["Location"] == handle_url(report)
    report.refresh_from_db()
    assert report.status == Status.RESOLVED and report.resolved_at is not None
    update = Update.objects.filter(report=report).latest("created_at", "id")
    assert (update.status, update.note, update.by, update.public_by) == (
        Status.RESOLVED,
        "Rebouché ce matin.",
        roads_agent,
        "Voirie",
    )
    html = site.get(handle_url(report)).content.decode()
    assert "Rebouché ce matin." in html and "Jean Moreau" in html
    entry = ModelLogEntry.objects.get(action="reports.status", object_id=str(report.pk))
    assert entry.user_id == roads_agent.pk
    history = site.get(f"/admin/reports/history/{report.pk}/")
    assert history.status_code == 200
    assert "Rebouché ce matin." in history.content.decode()


def test_rejecting_needs_a_reason_shown_on_the_field(mayor, reports):
    report = reports["graffiti"]
    response = admin_client(mayor).post(
        handle_url(report), {"action": "status", "status-status": "rejected", "status-note": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-errors="note"' in html
    report.refresh_from_db()
    assert report.status == Status.NEW


def test_a_technical_agent_cannot_touch_another_service_s_report(
    roads_agent, lighting_agent, reports
):
    report = reports["light"]
    site = admin_client(roads_agent)
    assert site.get(handle_url(report)).status_code == 404
    response = site.post(
        handle_url(report),
        {"action": "status", "status-status": "resolved", "status-note": "Non."},
    )
    assert response.status_code == 404
    assert site.get(f"/admin/reports/history/{report.pk}/").status_code == 404
    assert site.get(f"/admin/reports/edit/{report.pk}/").status_code == 404
    report.refresh_from_db()
    assert report.status == Status.NEW
    assert admin_client(lighting_agent).get(handle_url(report)).status_code == 200


def test_the_town_hall_gives_a_report_to_another_category(mayor, reports, street_light):
    report = reports["graffiti"]
    response = admin_client(mayor).post(
        handle_url(report),
        {"action": "category", "category-category": street_light.pk, "category-note": ""},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.category == street_light
    assert ModelLogEntry.objects.filter(action="reports.category").count() == 1


def test_an_agent_who_gives_a_report_away_goes_back_to_the_list(roads_agent, reports, graffiti):
    report = reports["pothole"]
    response = admin_client(roads_agent).post(
        handle_url(report),
        {"action": "category", "category-category": graffiti.pk, "category-note": "Pas nous."},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/reports/"
    assert admin_client(roads_agent).get(handle_url(report)).status_code == 404


def test_another_commune_s_category_is_not_offered(mayor, reports, other_category):
    site = admin_client(mayor)
    html = site.get(handle_url(reports["graffiti"])).content.decode()
    assert f'value="{other_category.pk}"' not in html
    response = site.post(
        handle_url(reports["graffiti"]),
        {"action": "category", "category-category": other_category.pk},
    )
    assert response.status_code == 200
    assert 'data-field-errors="category"' in response.content.decode()


def test_merging_moves_the_followers(mayor, commune, resident, neighbour, pothole, reports):
    kept = reports["pothole"]
    duplicate = make_report(commune, neighbour, pothole, title="Encore ce trou")
    response = admin_client(mayor).post(
        handle_url(duplicate), {"action": "merge", "merge-into": kept.pk, "merge-note": ""}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    kept.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE and duplicate.merged_into == kept
    assert set(Follower.objects.filter(report=kept).values_list("user_id", flat=True)) == {
        resident.pk,
        neighbour.pk,
    }
    assert kept.followers_count == 2
    html = admin_client(mayor).get(handle_url(duplicate)).content.decode()
    assert "Update the report" not in html  # closed by the merge
    assert f'href="{handle_url(kept)}"' in html


def test_merging_into_a_report_out_of_scope_reads_as_missing(mayor, roads_agent, reports):
    site = admin_client(roads_agent)
    for target in (reports["light"], reports["cocody"]):
        response = site.post(
            handle_url(reports["pothole"]), {"action": "merge", "merge-into": target.pk}
        )
        assert response.status_code == 200
        assert f"No report #{target.pk} among those you handle." in response.content.decode()
    missing = site.post(handle_url(reports["pothole"]), {"action": "merge", "merge-into": 999999})
    assert "No report #999999 among those you handle." in missing.content.decode()
    assert not Report.objects.filter(status=Status.DUPLICATE).exists()


# --- many at once ----------------------------------------------------------------------------


def test_the_town_hall_changes_many_reports_at_once(mayor, reports):
    chosen = [reports["pothole"].pk, reports["graffiti"].pk]
    response = admin_client(mayor).post(
        "/admin/reports/bulk/",
        {"report": chosen, "status": "acknowledged", "note": "Vu.", "next": "/admin/reports/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/reports/"
    assert sorted(
        Report.objects.filter(status=Status.ACKNOWLEDGED).values_list("pk", flat=True)
    ) == sorted(chosen)
    assert Update.objects.filter(note="Vu.").count() == 2


def test_a_bulk_change_with_a_report_out_of_scope_changes_nothing(mayor, roads_agent, reports):
    agent = admin_client(roads_agent)
    response = agent.post(
        "/admin/reports/bulk/",
        {"report": [reports["pothole"].pk, reports["light"].pk], "status": "acknowledged"},
    )
    assert response.status_code == 404
    town_hall = admin_client(mayor)
    response = town_hall.post(
        "/admin/reports/bulk/",
        {"report": [reports["pothole"].pk, reports["cocody"].pk], "status": "acknowledged"},
    )
    assert response.status_code == 404
    assert not Report.objects.filter(status=Status.ACKNOWLEDGED).exists()
    assert agent.get("/admin/reports/bulk/").status_code == 405


def test_a_bulk_rejection_without_a_reason_is_refused_as_a_whole(mayor, reports):
    response = admin_client(mayor).post(
        "/admin/reports/bulk/",
        {"report": [reports["pothole"].pk, reports["graffiti"].pk], "status": "rejected"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Report.objects.filter(status=Status.REJECTED).exists()
    assert "why the report is rejected" in response.content.decode()


# --- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_counts_open_reports_and_medians(mayor, reports, pothole):
    site = admin_client(mayor)
    empty = site.get("/admin/reports/dashboard/").content.decode()
    assert re.search(r"data-dashboard-acknowledge>\s*—\s*<", empty)
    assert re.search(r"data-dashboard-resolve>\s*—\s*<", empty)
    report = reports["pothole"]
    Report.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=5)
    )
    report.refresh_from_db()
    services.status_set(report=report, by=mayor, status=Status.ACKNOWLEDGED)
    page = site.get("/admin/reports/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 open reports" in html  # light and graffiti new, pothole acknowledged
    row = html[html.index(f'data-dashboard-category="{pothole.pk}"') :]
    assert re.match(
        r'data-dashboard-category="\d+">\s*<th scope="row"><a [^>]+>Nid de poule</a></th>'
        r"\s*<td>0</td><td>1</td><td>0</td>",
        row,
    )
    assert re.search(r"data-dashboard-acknowledge>\s*5,0 h\s*<", html)
    assert re.search(r"data-dashboard-resolve>\s*—\s*<", html)
    assert "Nid de poule Cocody" not in html
    assert 'id="reports-dashboard-map-data"' in html
    assert "Trou rue de la Paix" in html  # acknowledged is open: on the map and the table
    assert "/admin/reports/export.csv?status=open" in html


def test_an_agent_s_dashboard_counts_their_service_only(roads_agent, reports):
    html = admin_client(roads_agent).get("/admin/reports/dashboard/").content.decode()
    assert "1 open report" in html
    assert "Lampadaire éteint quai" not in html and "Tag sur la mairie" not in html


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    mayor, commune, resident, pothole, graffiti, django_assert_max_num_queries
):
    site = admin_client(mayor)
    make_report(commune, resident, pothole)
    site.get("/admin/reports/dashboard/")
    with django_assert_max_num_queries(90) as one:
        assert site.get("/admin/reports/dashboard/").status_code == 200
    for number in range(19):
        make_report(commune, resident, graffiti if number % 2 else pothole, title=f"T{number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert site.get("/admin/reports/dashboard/").status_code == 200


def test_a_resident_has_no_dashboard(resident, outsider):
    assert admin_client(resident).get("/admin/reports/dashboard/").status_code == 302


# --- categories (town hall) --------------------------------------------------------------------


def _question_formset(prefix="questions", rows=()):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
        data.setdefault(f"{prefix}-{index}-ORDER", str(index + 1))
        data.setdefault(f"{prefix}-{index}-id", "")
        data.setdefault(f"{prefix}-{index}-DELETE", "")
    return data


def test_the_town_hall_adds_a_category_with_a_question(mayor, commune, roads, other_commune):
    site = admin_client(mayor)
    form = site.get("/admin/report_categories/new/")
    assert form.status_code == 200
    assert "Cocody" not in form.content.decode()
    data = {
        "commune": commune.pk,
        "name": "Dépôt sauvage",
        "code": "",
        "description": "Des déchets abandonnés.",
        "service": roads.pk,
        "position": "4",
        "active": "on",
        **_question_formset(
            rows=[
                {
                    "label": "Quel volume ?",
                    "code": "volume",
                    "datatype": "singlevaluelist",
                    "required": "on",
                    "choices_text": "Petit\nGros",
                }
            ]
        ),
    }
    response = site.post("/admin/report_categories/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    category = Category.objects.get(name="Dépôt sauvage")
    assert (category.commune, category.service, category.code) == (commune, roads, "depot-sauvage")
    question = category.questions.get()
    assert (question.code, question.required, question.choices()) == (
        "volume",
        True,
        [("petit", "Petit"), ("gros", "Gros")],
    )


def test_a_category_cannot_take_another_commune_s_service(mayor, commune, other_commune):
    from modules.reports.models import Service

    theirs = Service.objects.create(commune=other_commune, name="Voirie de Cocody")
    response = admin_client(mayor).post(
        "/admin/report_categories/new/",
        {
            "commune": commune.pk,
            "name": "Trottoir",
            "service": theirs.pk,
            "position": "1",
            "active": "on",
            **_question_formset(),
        },
    )
    assert response.status_code == 200
    assert not Category.objects.filter(name="Trottoir").exists()


def test_a_technical_agent_has_no_town_hall_screens(roads_agent, pothole, roads, commune, mayor):
    site = admin_client(roads_agent)
    integrator, _key = services.integrator_create(commune=commune, name="Appli", by=mayor)
    for url in (
        "/admin/report_categories/",
        "/admin/report_services/",
        "/admin/open311/",
        "/admin/open311/new/",
        "/admin/report_categories/new/",
    ):
        assert site.get(url).status_code == 404, url
    for url in (
        f"/admin/report_categories/edit/{pothole.pk}/",
        f"/admin/report_services/edit/{roads.pk}/",
        f"/admin/open311/edit/{integrator.pk}/",
        f"/admin/open311/{integrator.pk}/revoke/",
    ):
        assert site.get(url).status_code == 404, url
    assert site.post(f"/admin/open311/{integrator.pk}/revoke/").status_code == 404
    integrator.refresh_from_db()
    assert integrator.revoked_at is None


# --- services (town hall) ----------------------------------------------------------------------


def test_the_town_hall_creates_a_service_with_its_members(mayor, commune, roads_agent, resident):
    from communes.models import StaffRole
    from tests.follows import grant

    agent = UserFactory(first_name="Hugo", last_name="Garnier")
    grant(commune, agent, StaffRole.Role.TECHNICAL)
    site = admin_client(mayor)
    form = site.get("/admin/report_services/new/").content.decode()
    assert "Hugo Garnier" in form and "Jean Moreau" in form
    assert "Marie Durand" not in form  # a resident is no staff
    response = site.post(
        "/admin/report_services/new/",
        {"commune": commune.pk, "name": "Propreté", "email": "", "members": [agent.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(name="Propreté")
    assert list(selectors.service_members(service)) == [agent]
    assert ModelLogEntry.objects.filter(action="reports.service_members").exists()
    listing = site.get("/admin/report_services/").content.decode()
    assert "Hugo Garnier" in listing
    # A resident is refused as a member.
    refused = site.post(
        f"/admin/report_services/edit/{service.pk}/",
        {"name": "Propreté", "email": "", "members": [agent.pk, resident.pk]},
    )
    assert refused.status_code == 200
    assert list(selectors.service_members(service)) == [agent]


# --- Open311 integrators (town hall) ----------------------------------------------------------


def test_an_open311_key_is_shown_once(mayor, commune):
    site = admin_client(mayor)
    response = site.post(
        "/admin/open311/new/",
        {"commune": commune.pk, "name": "Appli Ville", "contact_email": "", "per_hour": "30"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = re.search(
        r'data-open311-key[^>]*value="([^"]+)"|value="([^"]+)"[^>]*data-open311-key', html
    )
    assert key is not None
    clear = key.group(1) or key.group(2)
    integrator = Integrator.objects.get(name="Appli Ville")
    assert selectors.integrator_for_key(clear) == integrator
    assert integrator.per_hour == 30
    assert "/open311/v2/" in html
    listing = site.get("/admin/open311/").content.decode()
    assert integrator.key_prefix in listing
    assert clear not in listing
    assert clear not in site.get(f"/admin/open311/edit/{integrator.pk}/").content.decode()


def test_the_town_hall_revokes_a_key(mayor, commune, other_commune):
    integrator, key = services.integrator_create(commune=commune, name="Appli", by=mayor)
    theirs, _ = services.integrator_create(
        commune=other_commune, name="Appli Cocody", by=UserFactory(is_superuser=True)
    )
    site = admin_client(mayor)
    assert site.get(f"/admin/open311/{integrator.pk}/revoke/").status_code == 200
    assert site.get(f"/admin/open311/{theirs.pk}/revoke/").status_code == 404
    assert site.post(f"/admin/open311/{theirs.pk}/revoke/").status_code == 404
    response = site.post(f"/admin/open311/{integrator.pk}/revoke/")
    assert response.status_code == 302
    integrator.refresh_from_db()
    assert integrator.revoked_at is not None
    assert selectors.integrator_for_key(key) is None
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    entry = ModelLogEntry.objects.get(action="reports.integrator_revoke")
    assert "Appli" in entry.message and integrator.key_prefix in entry.message


def test_log_entries_read_as_sentences(mayor, reports):
    services.status_set(report=reports["graffiti"], by=mayor, status="rejected", note="Privé.")
    entry = ModelLogEntry.objects.get(action="reports.status")
    with translation.override("en"):
        assert entry.message == "Status “Rejected”: Privé."


def test_deleting_a_service_takes_its_members_out(mayor, roads_agent, roads, pothole):
    from django.contrib.auth.models import Group

    assert (
        admin_client(roads_agent).get(f"/admin/report_services/delete/{roads.pk}/").status_code
        == 404
    )
    site = admin_client(mayor)
    response = site.post(f"/admin/report_services/delete/{roads.pk}/")
    assert response.status_code == 302
    assert not Service.objects.filter(pk=roads.pk).exists()
    pothole.refresh_from_db()
    assert pothole.service is None  # the town hall handles it now
    assert not selectors.services_of(roads_agent).exists()
    assert not Group.objects.filter(name=services.TECHNICAL_GROUP, user=roads_agent).exists()
    assert admin_client(roads_agent).get("/admin/reports/").status_code == 302


def test_a_category_with_reports_is_retired_not_deleted(mayor, reports, pothole, graffiti):
    site = admin_client(mayor)
    site.post(f"/admin/report_categories/delete/{pothole.pk}/")
    assert Category.objects.filter(pk=pothole.pk).exists()
    unused = Category.objects.create(commune=pothole.commune, name="Affichage", code="affichage")
    assert site.post(f"/admin/report_categories/delete/{unused.pk}/").status_code == 302
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_the_menu_group_counts_the_new_reports(mayor, reports):
    html = admin_client(mayor).get("/admin/").content.decode()
    assert "Problem reports (3)" in html


def test_the_platform_host_shows_the_reports_of_the_communes_served(mayor, reports):
    html = admin_client(mayor, host="testserver").get("/admin/reports/").content.decode()
    assert "Trou rue de la Paix" in html and "Nid de poule Cocody" not in html


def test_photos_are_served_to_the_staff_who_handle_the_report(
    roads_agent, lighting_agent, mayor, reports
):
    from django.core.files.base import ContentFile

    from modules.reports.models import Photo
    from tests.modules.reports.helpers import jpeg

    report = reports["pothole"]
    content = jpeg().read()
    photo = Photo(report=report, width=800, height=600)
    photo.image.save("x.jpg", ContentFile(content), save=True)
    url = f"/admin/reports/{report.pk}/photos/{photo.key}.jpg"
    assert url in admin_client(roads_agent).get(handle_url(report)).content.decode()
    response = admin_client(roads_agent).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == content
    assert admin_client(lighting_agent).get(url).status_code == 404
    other = f"/admin/reports/{reports['graffiti'].pk}/photos/{photo.key}.jpg"
    assert admin_client(mayor).get(other).status_code == 404  # the key of another report


def test_a_hidden_report_stays_in_the_staff_s_list_marked(mayor, reports):
    Report.objects.filter(pk=reports["graffiti"].pk).update(hidden_at=timezone.now())
    html = admin_client(mayor).get("/admin/reports/").content.decode()
    assert "Tag sur la mairie" in html
    assert "New · hidden by moderation" in html
