"""The residents' pages of problem reports, on the commune's host under /problemes/ (REP-1,
REP-2, REP-4): list and map, the form (with the no-JS "same problem?" check), a report,
following, "has it been fixed?", the photos' capability addresses; from every wrong side.

Pages are read in English (translations come later): ``HTTP_ACCEPT_LANGUAGE="en"``.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from communes.services import module_set_enabled
from modules.reports.models import Follower, Photo, Report, Update
from modules.reports.services import report_create, status_set
from tests.factories import UserFactory
from tests.follows import validated
from tests.modules.reports.helpers import (
    DINAN_FAR,
    SAINT_MALO,
    jpeg,
    make_report,
    offset,
    with_centre,
)
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None and user.staff_roles.exists():
        verified_login(client, user)
    elif user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def located(commune):
    """Saint-Malo with a centre: points near its town hall are inside."""
    return with_centre(commune)


def page(response) -> str:
    return response.content.decode()


def report_with_photo(commune, author, category, **kwargs) -> Report:
    report = make_report(commune, author, category, **kwargs)
    photo = Photo(report=report, width=800, height=600)
    photo.image.save("photo.jpg", jpeg(), save=False)
    photo.save()
    return report


def form_data(category, **overrides):
    data = {
        "category": category.pk,
        "title": "Un trou dans la chaussée",
        "description": "Un trou profond devant l'école.",
        "address": "",
        "latitude": f"{SAINT_MALO[0]:.6f}",
        "longitude": f"{SAINT_MALO[1]:.6f}",
        "location_source": "map",
        "photos": [jpeg()],
        f"q-{category.pk}-danger": "oui",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- who sees the pages --------------------------------------------------------------------


def test_a_visitor_is_sent_to_the_login_page(commune, resident, pothole):
    report = make_report(commune, resident, pothole)
    site = client_for()
    for path in ("/problemes/", "/problemes/signaler/", f"/problemes/{report.pk}/"):
        response = site.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/compte/connexion/?next={path}", path
    # The map's and the form's JSON: a plain 404.
    assert site.get("/problemes/carte.geojson").status_code == 404
    assert (
        site.get(
            f"/problemes/proches/?category={pothole.pk}&latitude=48.6&longitude=-2"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["newcomer", "outsider"])
def test_a_pending_resident_and_another_communes_resident_get_404(
    request, who, commune, resident, pothole
):
    report = make_report(commune, resident, pothole)
    site = client_for(request.getfixturevalue(who))
    for path in (
        "/problemes/",
        "/problemes/signaler/",
        f"/problemes/{report.pk}/",
        f"/problemes/{report.pk}/corrige/",
        "/problemes/carte.geojson",
        f"/problemes/proches/?category={pothole.pk}&latitude=48.6493&longitude=-2.0257",
    ):
        assert site.get(path).status_code == 404, path
    assert site.post(f"/problemes/{report.pk}/suivre/", {"action": "follow"}).status_code == 404
    assert Follower.objects.filter(report=report).count() == 1


def test_another_communes_agent_gets_404(commune, resident, pothole, other_agent):
    report = make_report(commune, resident, pothole)
    site = client_for(other_agent)
    assert site.get("/problemes/").status_code == 404
    assert site.get(f"/problemes/{report.pk}/").status_code == 404


def test_a_report_of_another_commune_is_404_on_this_host(
    commune, other_commune, resident, outsider, other_category
):
    theirs = make_report(other_commune, outsider, other_category, point=None)
    assert client_for(resident).get(f"/problemes/{theirs.pk}/").status_code == 404
    assert client_for(resident).get("/problemes/999999/").status_code == 404


def test_the_pages_are_404_where_the_module_is_off(commune, resident, pothole):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    report = report_with_photo(commune, resident, pothole)
    photo = report.photos.get()
    module_set_enabled(by=superuser, commune=commune, module="reports", enabled=False)
    site = client_for(resident)
    for path in (
        "/problemes/",
        "/problemes/signaler/",
        f"/problemes/{report.pk}/",
        "/problemes/carte.geojson",
        f"/problemes/photos/{photo.key}.jpg",
    ):
        assert site.get(path).status_code == 404, path
    assert client_for().get(f"/problemes/photos/{photo.key}.jpg").status_code == 404


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_the_reports_without_their_reporter(
    commune, resident, neighbour, pothole, graffiti
):
    older = make_report(commune, resident, pothole, title="Trou rue de la Paix")
    newer = make_report(
        commune, neighbour, graffiti, title="Tag sur l'école", address="Place Chateaubriand"
    )
    html = page(client_for(neighbour).get("/problemes/"))
    assert html.index("Tag sur l&#x27;école") < html.index("Trou rue de la Paix")
    assert f'href="/problemes/{older.pk}/"' in html and f'href="/problemes/{newer.pk}/"' in html
    assert "Place Chateaubriand" in html
    assert "Marie" not in html and "Durand" not in html
    assert 'href="/problemes/signaler/"' in html  # "Report a problem"
    assert 'data-geojson-url="/problemes/carte.geojson"' in html


def test_the_list_filters_by_status_category_and_mine(
    commune, resident, neighbour, pothole, graffiti
):
    make_report(commune, resident, pothole, title="Trou ouvert")
    make_report(commune, neighbour, graffiti, title="Tag résolu", status=Report.Status.RESOLVED)
    make_report(commune, neighbour, pothole, title="Trou rejeté", status=Report.Status.REJECTED)
    site = client_for(resident)

    def titles(query):
        html = page(site.get(f"/problemes/{query}"))
        return {t for t in ("Trou ouvert", "Tag résolu", "Trou rejeté") if t in html}

    assert titles("") == {"Trou ouvert", "Tag résolu", "Trou rejeté"}
    assert titles("?status=open") == {"Trou ouvert"}
    assert titles("?status=closed") == {"Tag résolu", "Trou rejeté"}
    assert titles("?status=resolved") == {"Tag résolu"}
    assert titles(f"?category={pothole.pk}") == {"Trou ouvert", "Trou rejeté"}
    assert titles(f"?category={pothole.pk}&status=closed") == {"Trou rejeté"}
    assert titles("?mine=1") == {"Trou ouvert"}
    assert titles("?status=nonsense&category=abc") == {"Trou ouvert", "Tag résolu", "Trou rejeté"}


def test_a_hidden_report_is_listed_for_its_author_and_its_service_only(
    commune, resident, neighbour, pothole, roads_agent, lighting_agent
):
    make_report(commune, resident, pothole, title="Trou caché", hidden_at=timezone.now())
    assert "Trou caché" in page(client_for(resident).get("/problemes/"))
    assert "Trou caché" in page(client_for(roads_agent).get("/problemes/"))
    assert "Trou caché" not in page(client_for(neighbour).get("/problemes/"))
    assert "Trou caché" not in page(client_for(lighting_agent).get("/problemes/"))


def _bulk_reports(commune, author, category, count):
    for index in range(count):
        report_with_photo(commune, author, category, title=f"Problème {index}")


def test_the_list_does_as_many_queries_for_1_and_20_reports(commune, resident, neighbour, pothole):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = client_for(resident)
    _bulk_reports(commune, resident, pothole, 1)
    site.get("/problemes/")
    with CaptureQueriesContext(connection) as one:
        site.get("/problemes/")
    _bulk_reports(commune, neighbour, pothole, 24)
    with CaptureQueriesContext(connection) as many:
        response = site.get("/problemes/")
    assert page(response).count('class="card report-card"') == 20
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) <= 25
    with CaptureQueriesContext(connection) as second_page:
        response = site.get("/problemes/?page=2")
    assert page(response).count('class="card report-card"') == 5
    assert len(second_page.captured_queries) == len(one.captured_queries)


# --- the map's GeoJSON ------------------------------------------------------------------------


def test_the_geojson_has_the_filtered_located_reports_and_no_personal_data(
    commune, resident, neighbour, pothole, graffiti
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hole = make_report(commune, resident, pothole, title="Trou")
    make_report(commune, resident, graffiti, title="Tag", status=Report.Status.RESOLVED)
    make_report(commune, resident, pothole, title="Sans point", point=None)
    site = client_for(resident)
    site.get("/problemes/carte.geojson")
    with CaptureQueriesContext(connection) as few:
        response = site.get("/problemes/carte.geojson?status=open")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["id"] for f in data["features"]] == [hole.pk]
    feature = data["features"][0]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(SAINT_MALO[1], 6), round(SAINT_MALO[0], 6)],
    }
    assert feature["properties"]["url"] == f"/problemes/{hole.pk}/"
    assert feature["properties"]["status"] == "new"
    assert "Marie" not in response.content.decode() and "Durand" not in response.content.decode()
    all_titles = {
        f["properties"]["title"] for f in site.get("/problemes/carte.geojson").json()["features"]
    }
    assert all_titles == {"Trou", "Tag"}
    # As many queries for 30 more reports.
    for index in range(30):
        make_report(commune, neighbour, pothole, title=f"Trou {index}")
    with CaptureQueriesContext(connection) as many:
        response = site.get("/problemes/carte.geojson?status=open")
    assert len(response.json()["features"]) == 31
    assert len(many.captured_queries) == len(few.captured_queries)


# --- reporting ---------------------------------------------------------------------------------


def test_the_form_shows_every_categorys_questions(
    commune, resident, pothole, street_light, graffiti
):
    response = client_for(resident).get("/problemes/signaler/")
    assert response.status_code == 200
    html = page(response)
    for category in (pothole, street_light, graffiti):
        assert f'<option value="{category.pk}"' in html
    assert f'name="q-{pothole.pk}-danger"' in html
    assert f'data-questions-of="{pothole.pk}"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html and "multiple" in html
    assert "capture" not in html
    assert 'name="confirmed_new"' in html
    assert 'data-nearby-url="/problemes/proches/"' in html
    assert "<script>" not in html and 'style="' not in html
    # The place is the account pages' address field (one widget, address.js), its map
    # hidden without JavaScript; the hidden inputs keep the names the view reads.
    assert html.count("data-address-field") == 1
    assert html.count("/static/themes/default/js/address.js") == 1
    assert html.count("/static/leaflet/leaflet.js") == 1
    assert "data-address-map-block hidden" in html
    search_url = reverse("accounts:address_search") + f"?commune={commune.slug}"
    assert f'data-search-url="{search_url}"' in html
    for name in ("address", "latitude", "longitude", "location_source"):
        assert f'name="{name}"' in html


def test_an_agent_who_is_not_a_resident_may_not_report(commune, roads_agent, pothole):
    site = client_for(roads_agent)
    assert site.get("/problemes/").status_code == 200
    assert 'href="/problemes/signaler/"' not in page(site.get("/problemes/"))
    assert site.get("/problemes/signaler/").status_code == 404


def test_a_resident_reports_with_a_point_and_a_photo(located, resident, pothole, roads_agent):
    response = client_for(resident).post("/problemes/signaler/", form_data(pothole))
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/problemes/{report.pk}/"
    assert (report.author, report.category, report.status) == (resident, pothole, "new")
    assert report.location_source == "map"
    assert (round(report.location.y, 4), round(report.location.x, 4)) == (48.6493, -2.0257)
    assert report.answers == {"danger": "oui"}
    assert report.photos.count() == 1
    assert Follower.objects.filter(report=report, user=resident).exists()


def test_a_point_outside_the_commune_is_an_error_on_the_location(located, resident, pothole):
    data = form_data(pothole, latitude=f"{DINAN_FAR[0]:.6f}", longitude=f"{DINAN_FAR[1]:.6f}")
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 400
    assert not Report.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["address"]
    html = page(response)
    assert "data-photos-lost" in html  # "choose your photos again"
    assert 'value="Un trou dans la chaussée"' in html


def test_no_location_and_no_title_are_errors_on_their_fields(located, resident, pothole):
    data = form_data(pothole, latitude="", longitude="", title="")
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title"}
    data = form_data(pothole, latitude="", longitude="", photos=[jpeg(gps=None)])
    response = client_for(resident).post("/problemes/signaler/", data)
    assert set(response.context["form"].errors) == {"address"}
    assert not Report.objects.exists()


def test_tampered_hidden_fields_count_as_no_point(located, resident, pothole):
    data = form_data(pothole, latitude="nan", longitude="x", location_source="<b>")
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"address"}
    assert not Report.objects.exists()


def test_a_photo_is_required_and_at_most_five(located, resident, pothole):
    response = client_for(resident).post("/problemes/signaler/", form_data(pothole, photos=[]))
    assert set(response.context["form"].errors) == {"photos"}
    many = [jpeg(name=f"p{i}.jpg") for i in range(6)]
    response = client_for(resident).post("/problemes/signaler/", form_data(pothole, photos=many))
    assert set(response.context["form"].errors) == {"photos"}
    assert not Report.objects.exists()


def test_a_required_question_left_empty_is_an_error(located, resident, pothole):
    data = form_data(pothole)
    del data[f"q-{pothole.pk}-danger"]
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 400
    assert not Report.objects.exists()
    assert "Est-ce dangereux ?" in " ".join(response.context["form"].non_field_errors())


def test_the_photos_gps_position_locates_a_report_without_point_nor_address(
    located, resident, graffiti
):
    near = offset(SAINT_MALO, north_m=100)
    data = form_data(graffiti, latitude="", longitude="", photos=[jpeg(gps=near)])
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.location_source == "photo"
    assert abs(report.location.y - near[0]) < 1e-4


def test_an_address_alone_is_geocoded(located, resident, graffiti, fake_geocoder):
    fake_geocoder.add("12 Rue de Dinan 35400 Saint-Malo", 48.6490, -2.0250, city="Saint-Malo")
    data = form_data(graffiti, latitude="", longitude="", address="12 rue de Dinan Saint-Malo")
    response = client_for(resident).post("/problemes/signaler/", data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.location_source == "address"
    assert report.address == "12 Rue de Dinan 35400 Saint-Malo"


def test_without_js_the_server_asks_whether_it_is_the_same_problem(
    located, resident, neighbour, pothole, graffiti
):
    existing = make_report(commune=located, author=neighbour, category=pothole, title="Gros trou")
    make_report(located, neighbour, graffiti, title="Tag à côté")  # another category
    far = make_report(
        located, neighbour, pothole, title="Trou loin", point=offset(SAINT_MALO, north_m=200)
    )
    here = offset(SAINT_MALO, east_m=20)
    data = form_data(pothole, latitude=f"{here[0]:.6f}", longitude=f"{here[1]:.6f}")
    site = client_for(resident)
    response = site.post("/problemes/signaler/", data)
    assert response.status_code == 200
    assert Report.objects.count() == 3
    html = page(response)
    assert "data-server-duplicates" in html
    assert "Gros trou" in html and "Tag à côté" not in html and far.title not in html
    assert f'action="/problemes/{existing.pk}/suivre/"' in html
    assert "20 m away" in html
    assert 'name="confirmed_new" value="1"' in html
    assert 'form="report-form"' in html  # "It is another problem: send my report"
    assert "data-photos-lost" in html

    # "It is another problem": sent again (with the photos chosen again).
    response = site.post("/problemes/signaler/", {**data, "confirmed_new": "1", "photos": [jpeg()]})
    assert response.status_code == 302
    assert Report.objects.count() == 4


def test_following_the_same_problem_instead(located, resident, neighbour, pothole):
    existing = make_report(located, neighbour, pothole)
    site = client_for(resident)
    response = site.post(f"/problemes/{existing.pk}/suivre/", {"action": "follow"})
    assert response.status_code == 302
    assert response["Location"] == f"/problemes/{existing.pk}/"
    existing.refresh_from_db()
    assert existing.followers_count == 2
    assert Follower.objects.filter(report=existing, user=resident).exists()
    html = page(site.get(f"/problemes/{existing.pk}/"))
    assert "2 residents follow this report." in html
    assert 'value="unfollow"' in html
    site.post(f"/problemes/{existing.pk}/suivre/", {"action": "unfollow"})
    existing.refresh_from_db()
    assert existing.followers_count == 1
    assert site.get(f"/problemes/{existing.pk}/suivre/").status_code == 405


def test_a_closed_report_cannot_be_followed(located, resident, neighbour, pothole):
    closed = make_report(located, neighbour, pothole, status=Report.Status.RESOLVED)
    site = client_for(resident)
    assert 'value="follow"' not in page(site.get(f"/problemes/{closed.pk}/"))
    response = site.post(f"/problemes/{closed.pk}/suivre/", {"action": "follow"}, follow=True)
    assert "This report is closed" in page(response)
    assert not Follower.objects.filter(report=closed, user=resident).exists()


# --- the nearby JSON ---------------------------------------------------------------------------


def test_nearby_gives_the_open_reports_of_the_category_within_50_m(
    located, resident, neighbour, pothole, graffiti
):
    near = make_report(
        located, neighbour, pothole, title="Trou proche", point=offset(SAINT_MALO, north_m=30)
    )
    make_report(
        located, neighbour, pothole, title="Trou loin", point=offset(SAINT_MALO, north_m=80)
    )
    make_report(located, neighbour, pothole, title="Trou fini", status=Report.Status.RESOLVED)
    make_report(located, neighbour, graffiti, title="Tag")
    site = client_for(resident)
    point = f"latitude={SAINT_MALO[0]}&longitude={SAINT_MALO[1]}"
    url = f"/problemes/proches/?category={pothole.pk}&{point}"
    response = site.get(url)
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": near.pk,
                "title": "Trou proche",
                "status": "new",
                "status_label": "New",
                "distance_m": 30,
                "followers_count": 1,
                "url": f"/problemes/{near.pk}/",
                "follow_url": f"/problemes/{near.pk}/suivre/",
            }
        ]
    }
    bad = site.get("/problemes/proches/?category=abc&latitude=x&longitude=200")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"category", "location"}


# --- one report ----------------------------------------------------------------------------------


def test_a_resident_reads_a_report_without_its_reporters_name(
    commune, resident, neighbour, pothole
):
    report = report_with_photo(commune, resident, pothole, answers={"danger": "oui"})
    response = client_for(neighbour).get(f"/problemes/{report.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert "Reported by a resident on" in html
    assert "Marie" not in html and "Durand" not in html
    assert report.title in html and report.description in html and report.address in html
    assert "Est-ce dangereux ?" in html and "<dd>Oui</dd>" in html
    key = report.photos.get().key
    # The thumbnail on the page, the whole photo one tap away.
    assert (
        f'<a href="/problemes/photos/{key}.jpg"><img src="/problemes/photos/{key}-vignette.jpg"'
        in html
    )
    assert "data-report-point" in html
    assert "data-admin-link" not in html
    assert "data-fixed-question" not in html


def test_the_service_that_handles_it_sees_the_reporter_and_the_admin_link(
    commune, resident, pothole, roads_agent, lighting_agent, mayor
):
    report = make_report(commune, resident, pothole)
    for staff in (roads_agent, mayor):
        html = page(client_for(staff).get(f"/problemes/{report.pk}/"))
        assert "Reported by Marie Durand on" in html
        assert f'href="/admin/reports/{report.pk}/"' in html
    # Another service of the commune sees the report, not who made it.
    html = page(client_for(lighting_agent).get(f"/problemes/{report.pk}/"))
    assert "Reported by a resident on" in html and "Durand" not in html
    assert "data-admin-link" not in html


def test_the_history_shows_the_public_notes(located, resident, neighbour, pothole, roads_agent):
    report = make_report(located, resident, pothole)
    status_set(report=report, by=roads_agent, status="in_progress", note="Équipe prévue lundi.")
    html = page(client_for(neighbour).get(f"/problemes/{report.pk}/"))
    assert "Équipe prévue lundi." in html
    assert "Voirie" in html  # public_by: the service's name
    assert "Jean" not in html and "Moreau" not in html
    assert html.count('data-update="status"') == 2


def test_a_merged_report_links_to_the_one_kept(commune, resident, neighbour, pothole):
    kept = make_report(commune, neighbour, pothole)
    duplicate = make_report(
        commune, resident, pothole, status=Report.Status.DUPLICATE, merged_into=kept
    )
    html = page(client_for(resident).get(f"/problemes/{duplicate.pk}/"))
    assert "data-merged" in html and f'href="/problemes/{kept.pk}/"' in html


# --- has it been fixed? ------------------------------------------------------------------


@pytest.fixture
def resolved(located, resident, pothole, roads_agent):
    report = make_report(located, resident, pothole)
    status_set(report=report, by=roads_agent, status="resolved", note="Rebouché.")
    Report.objects.filter(pk=report.pk).update(fixed_asked_at=timezone.now())
    report.refresh_from_db()
    return report


def test_the_reporter_answers_no_and_the_report_is_open_again(resolved, resident):
    site = client_for(resident)
    html = page(site.get(f"/problemes/{resolved.pk}/"))
    assert "data-fixed-question" in html
    assert f'action="/problemes/{resolved.pk}/corrige/"' in html
    assert site.get(f"/problemes/{resolved.pk}/corrige/").status_code == 200
    response = site.post(
        f"/problemes/{resolved.pk}/corrige/", {"fixed": "no", "note": "Le trou est revenu."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/problemes/{resolved.pk}/"
    resolved.refresh_from_db()
    assert (resolved.status, resolved.fixed_answer) == ("acknowledged", "no")
    last = Update.objects.filter(report=resolved).last()
    assert (last.kind, last.note) == ("reopened", "Le trou est revenu.")
    html = page(site.get(f"/problemes/{resolved.pk}/"))
    assert "Le trou est revenu." in html and "data-fixed-question" not in html
    # Asked once: a second answer is sent back to the report.
    again = site.post(f"/problemes/{resolved.pk}/corrige/", {"fixed": "yes"})
    assert again.status_code == 302
    resolved.refresh_from_db()
    assert resolved.fixed_answer == "no"


def test_the_reporter_answers_yes(resolved, resident):
    response = client_for(resident).post(f"/problemes/{resolved.pk}/corrige/", {"fixed": "yes"})
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert (resolved.status, resolved.fixed_answer) == ("resolved", "yes")


def test_an_empty_answer_is_an_error_on_the_field(resolved, resident):
    response = client_for(resident).post(f"/problemes/{resolved.pk}/corrige/", {"note": "?"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["fixed"]


def test_only_the_reporter_answers_has_it_been_fixed(resolved, neighbour, roads_agent):
    for person in (neighbour, roads_agent):
        site = client_for(person)
        assert site.get(f"/problemes/{resolved.pk}/corrige/").status_code == 404
        assert site.post(f"/problemes/{resolved.pk}/corrige/", {"fixed": "no"}).status_code == 404
    resolved.refresh_from_db()
    assert resolved.status == "resolved" and resolved.fixed_answer == ""


# --- photos ------------------------------------------------------------------------------


def test_a_photo_is_served_at_its_capability_address_without_login(commune, resident, pothole):
    report = report_with_photo(commune, resident, pothole)
    key = report.photos.get().key
    response = client_for().get(f"/problemes/photos/{key}.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client_for().get(f"/problemes/photos/{uuid.uuid4()}.jpg").status_code == 404
    # Not on another commune's host.
    assert (
        client_for(host="cocody.localhost").get(f"/problemes/photos/{key}.jpg").status_code == 404
    )


def test_a_hidden_reports_photo_is_404_but_for_its_reporter_and_handlers(
    commune, resident, neighbour, pothole, roads_agent, lighting_agent
):
    report = report_with_photo(commune, resident, pothole, hidden_at=timezone.now())
    path = f"/problemes/photos/{report.photos.get().key}.jpg"
    assert client_for().get(path).status_code == 404
    assert client_for(neighbour).get(path).status_code == 404
    assert client_for(lighting_agent).get(path).status_code == 404  # not its category
    assert client_for(resident).get(path).status_code == 200
    assert client_for(roads_agent).get(path).status_code == 200


def test_the_photo_of_a_report_made_through_the_service_is_clean(located, resident, graffiti):
    report = report_create(
        commune=located,
        category=graffiti,
        title="Tag",
        description="Sur le mur de l'école.",
        author=resident,
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        photos=[jpeg(gps=SAINT_MALO)],
    )
    key = report.photos.get().key
    body = b"".join(client_for().get(f"/problemes/photos/{key}.jpg").streaming_content)
    assert b"Exif" not in body[:200]


def test_lists_show_a_small_thumbnail_and_the_report_the_whole_photo(located, resident, graffiti):
    """A phone on a slow network downloads a card's thumbnail, not the 2,048 px photo."""
    import io

    from PIL import Image

    report = report_create(
        commune=located,
        category=graffiti,
        title="Tag",
        description="Sur le mur de l'école.",
        author=resident,
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        photos=[jpeg(size=(3000, 2000))],
    )
    key = report.photos.get().key
    html = page(client_for(resident).get("/problemes/"))
    assert f"/problemes/photos/{key}-vignette.jpg" in html
    assert f"/problemes/photos/{key}.jpg" not in html
    small = b"".join(client_for().get(f"/problemes/photos/{key}-vignette.jpg").streaming_content)
    whole = b"".join(client_for().get(f"/problemes/photos/{key}.jpg").streaming_content)
    assert Image.open(io.BytesIO(small)).size == (480, 320)
    assert Image.open(io.BytesIO(whole)).size == (2048, 1365)
    assert len(small) < len(whole) / 4
    # The thumbnail answers like the photo: 404 on another commune's host.
    other = client_for(host="cocody.localhost").get(f"/problemes/photos/{key}-vignette.jpg")
    assert other.status_code == 404


def test_a_resident_of_both_communes_sees_each_hosts_reports_only(
    commune, other_commune, resident, pothole, other_category
):
    validated(resident, other_commune)
    make_report(commune, resident, pothole, title="Trou malouin")
    make_report(other_commune, resident, other_category, title="Trou ivoirien", point=None)
    html = page(client_for(resident).get("/problemes/"))
    assert "Trou malouin" in html and "Trou ivoirien" not in html
    html = page(client_for(resident, host="cocody.localhost").get("/problemes/"))
    assert "Trou ivoirien" in html and "Trou malouin" not in html


def test_a_stranger_account_never_reaches_a_report(commune, resident, pothole):
    stranger = UserFactory()
    report = make_report(commune, resident, pothole)
    assert client_for(stranger).get(f"/problemes/{report.pk}/").status_code == 404
