"""Open311 GeoReport v2 at /open311/v2/ (REP-3, API-3): every endpoint in JSON and XML,
the filters, the errors in the specification's format, and the wrong sides (a revoked
key, another commune's key, another commune's jurisdiction, the module off).

The helpers at the top are shared with test_open311_client.py and
test_open311_contract.py."""

from __future__ import annotations

import secrets
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.alerts import switch
from tests.modules.reports.helpers import DINAN_FAR, SAINT_MALO, make_report, offset, with_centre

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
HOST = "saint-malo.localhost"
PLATFORM = "localhost"


# --- helpers (shared with the two other Open311 test files) ---------------------------------


def make_key(commune, *, name="Ville connectée", per_hour=60, revoked=False):
    """An integrator of ``commune`` and its clear key (as ``integrator_create`` makes)."""
    from modules.reports.models import Integrator
    from modules.reports.selectors import key_digest

    key = "o311_" + secrets.token_urlsafe(24)
    integrator = Integrator.objects.create(
        commune=commune,
        name=name,
        key_prefix=key[:10],
        key_digest=key_digest(key),
        per_hour=per_hour,
        revoked_at=timezone.now() if revoked else None,
    )
    return integrator, key


def program(host: str = HOST) -> Client:
    """Another program's client: no session, CSRF checks on as on the real server."""
    return Client(HTTP_HOST=host, enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def xml_root(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def xml_items(element: ElementTree.Element) -> list[dict]:
    """The children of ``element`` as dicts of their own children's text."""
    return [{child.tag: child.text or "" for child in item} for item in element]


def json_errors(response) -> list[dict]:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def xml_errors(response) -> list[tuple[str, str]]:
    root = xml_root(response)
    assert root.tag == "errors"
    return [(error.findtext("code") or "", error.findtext("description") or "") for error in root]


@pytest.fixture
def world(commune, resident, pothole, street_light, graffiti):
    """Saint-Malo with a centre and three reports: a pothole (new, with a public note
    later), a street light (resolved), a graffiti (hidden by moderation)."""
    from modules.reports.models import Report, Update

    with_centre(commune)
    now = timezone.now()
    hole = make_report(
        commune,
        resident,
        pothole,
        created_at=now - timedelta(days=2),
        title="Trou rue de la Paix",
        description="Un trou profond devant le numéro 12.",
        contact={"email": "secret@example.org"},
        answers={"danger": "oui"},
    )
    light = make_report(
        commune,
        resident,
        street_light,
        created_at=now - timedelta(days=1),
        title="Lampadaire éteint",
        description="Le lampadaire du quai ne s'allume plus.",
        address="",
        point=offset(SAINT_MALO, north_m=300),
    )
    Update.objects.create(
        report=light,
        kind=Update.Kind.STATUS,
        status=Report.Status.RESOLVED,
        previous_status=Report.Status.NEW,
        note="Ampoule changée.",
        public_by="Éclairage public",
        created_at=now - timedelta(hours=3),
    )
    Report.objects.filter(pk=light.pk).update(
        status=Report.Status.RESOLVED, updated_at=now - timedelta(hours=3)
    )
    hidden = make_report(
        commune, resident, graffiti, title="Tag caché", hidden_at=now - timedelta(hours=1)
    )
    return {"hole": hole, "light": light, "hidden": hidden}


# --- discovery ------------------------------------------------------------------------------


def test_discovery_json_and_xml(commune):
    commune.contact_email = "mairie@saint-malo.example"
    commune.save(update_fields=["contact_email"])
    response = program().get(BASE + "discovery.json")
    assert response.status_code == 200
    body = response.json()
    assert body["changeset"] == "2026-12-01T00:00:00Z"
    assert "mairie@saint-malo.example" in body["contact"]
    assert "api_key" in body["key_service"]
    assert body["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://saint-malo.localhost/open311/v2/",
            "changeset": "2026-12-01T00:00:00Z",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    root = xml_root(program().get(BASE + "discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("url") == "http://saint-malo.localhost/open311/v2/"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_on_the_platform_host_needs_no_jurisdiction(commune):
    response = program(PLATFORM).get(BASE + "discovery.json")
    assert response.status_code == 200
    assert response.json()["endpoints"][0]["url"] == "http://localhost/open311/v2/"
    assert response.json()["contact"] == ""


# --- services -------------------------------------------------------------------------------


def test_services_json_lists_active_categories_with_their_service(
    commune, pothole, street_light, graffiti, other_category
):
    from modules.reports.models import Category

    Category.objects.create(commune=commune, name="Ancienne", code="ancienne", active=False)
    response = program().get(BASE + "services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == [
        {
            "service_code": "nid-de-poule",
            "service_name": "Nid de poule",
            "description": "Nid de poule",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "Voirie",
        },
        {
            "service_code": "lampadaire",
            "service_name": "Lampadaire en panne",
            "description": "Lampadaire en panne",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "Éclairage public",
        },
        {
            "service_code": "graffiti",
            "service_name": "Graffiti",
            "description": "Graffiti",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "Town hall of Saint-Malo",
        },
    ]


def test_services_xml(commune, pothole, graffiti):
    root = xml_root(program().get(BASE + "services.xml"))
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service", "service"]
    assert xml_items(root)[0] == {
        "service_code": "nid-de-poule",
        "service_name": "Nid de poule",
        "description": "Nid de poule",
        "metadata": "true",
        "type": "realtime",
        "keywords": "",
        "group": "Voirie",
    }
    assert xml_items(root)[1]["metadata"] == "false"


def test_services_reads_in_constant_queries(commune, roads):
    from modules.reports.models import Category, Question

    def make(number):
        category = Category.objects.create(
            commune=commune, name=f"Catégorie {number}", service=roads, position=number
        )
        Question.objects.create(category=category, code="q", label="Où ?")

    make(1)
    with CaptureQueriesContext(connection) as one:
        assert len(program().get(BASE + "services.json").json()) == 1
    for number in range(2, 7):
        make(number)
    with CaptureQueriesContext(connection) as six:
        assert len(program().get(BASE + "services.json").json()) == 6
    assert len(six) == len(one)


def test_service_definition_json_and_xml(commune, pothole):
    from modules.reports.models import Question

    Question.objects.create(
        category=pothole, code="largeur", label="Largeur en cm", datatype="number", sort_order=1
    )
    response = program().get(BASE + "services/nid-de-poule.json")
    assert response.status_code == 200
    assert response.json() == {
        "service_code": "nid-de-poule",
        "attributes": [
            {
                "variable": True,
                "code": "danger",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "One choice in a list",
                "order": 1,
                "description": "Est-ce dangereux ?",
                "values": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
            },
            {
                "variable": True,
                "code": "largeur",
                "datatype": "number",
                "required": False,
                "datatype_description": "Number",
                "order": 2,
                "description": "Largeur en cm",
            },
        ],
    }
    root = xml_root(program().get(BASE + "services/nid-de-poule.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "nid-de-poule"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["danger", "largeur"]
    assert attributes[0].findtext("variable") == "true"
    assert attributes[0].findtext("required") == "true"
    assert attributes[1].findtext("required") == "false"
    assert [
        (v.findtext("key"), v.findtext("name")) for v in attributes[0].findall("values/value")
    ] == [
        ("oui", "Oui"),
        ("non", "Non"),
    ]


def test_service_definition_unknown_inactive_or_another_communes_is_404(
    commune, graffiti, other_category
):
    graffiti.active = False
    graffiti.save()
    for code in ("nope", "graffiti", "nid"):
        response = program().get(BASE + f"services/{code}.json")
        assert response.status_code == 404
        assert json_errors(response) == [
            {"code": 404, "description": f"service_code {code} not found."}
        ]
    response = program().get(BASE + "services/nope.xml")
    assert response.status_code == 404
    assert xml_errors(response) == [("404", "service_code nope not found.")]


# --- GET requests ---------------------------------------------------------------------------


def test_requests_json_lists_public_reports_newest_first_without_personal_data(world):
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    hole, light = world["hole"], world["light"]
    response = program().get(BASE + "requests.json")
    assert response.status_code == 200
    rows = response.json()
    assert [row["service_request_id"] for row in rows] == [light.pk, hole.pk]  # not hidden
    assert rows[0]["status"] == "closed"
    assert rows[0]["status_notes"] == "Ampoule changée."
    assert rows[0]["agency_responsible"] == "Éclairage public"
    assert rows[0]["address"] is None
    assert rows[1] == {
        "service_request_id": hole.pk,
        "status": "open",
        "status_notes": None,
        "service_name": "Nid de poule",
        "service_code": "nid-de-poule",
        "description": "Un trou profond devant le numéro 12.",
        "agency_responsible": "Voirie",
        "service_notice": None,
        "requested_datetime": hole.created_at.astimezone(paris).isoformat(timespec="seconds"),
        "updated_datetime": hole.updated_at.astimezone(paris).isoformat(timespec="seconds"),
        "expected_datetime": None,
        "address": "12 rue de la Paix, Saint-Malo",
        "address_id": None,
        "zipcode": None,
        "lat": SAINT_MALO[0],
        "long": SAINT_MALO[1],
        "media_url": None,
    }
    text = response.content.decode()
    for private in ("secret@example.org", "Marie", "Durand", "Tag caché", "danger"):
        assert private not in text


def test_requests_dates_carry_the_communes_offset(world, commune):
    from zoneinfo import ZoneInfo

    hole = world["hole"]
    row = program().get(BASE + f"requests/{hole.pk}.json").json()[0]
    paris = hole.created_at.astimezone(ZoneInfo("Europe/Paris"))
    assert row["requested_datetime"] == paris.isoformat(timespec="seconds")
    assert row["requested_datetime"][-6:] in ("+01:00", "+02:00")


def test_requests_xml_carries_the_same_rows(world):
    root = xml_root(program().get(BASE + "requests.xml"))
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request", "request"]
    rows = xml_items(root)
    assert rows[0]["service_request_id"] == str(world["light"].pk)
    assert rows[0]["status"] == "closed"
    assert rows[0]["status_notes"] == "Ampoule changée."
    assert rows[1]["status_notes"] == ""  # an empty element for none
    assert rows[1]["lat"] == str(SAINT_MALO[0])


def test_requests_filters(world, commune, pothole):
    hole, light = world["hole"], world["light"]
    get = program().get

    def ids(query):
        response = get(BASE + "requests.json", query)
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    assert ids({"status": "open"}) == [hole.pk]
    assert ids({"status": "closed"}) == [light.pk]
    assert ids({"status": "open,closed"}) == [light.pk, hole.pk]
    assert ids({"service_code": "lampadaire"}) == [light.pk]
    assert ids({"service_code": "lampadaire,nid-de-poule"}) == [light.pk, hole.pk]
    assert ids({"service_code": "inconnu"}) == []
    # service_request_id overrides every other filter; the hidden one stays out.
    hidden = world["hidden"]
    assert ids({"service_request_id": f"{hole.pk},{hidden.pk}", "status": "closed"}) == [hole.pk]
    # Dates: the window of requested_datetime.
    old = make_report(commune, None, pothole, created_at=timezone.now() - timedelta(days=120))
    assert old.pk not in ids({})  # 90 days by default
    start = (timezone.now() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids({"start_date": start, "end_date": end}) == [old.pk]
    assert ids({"start_date": start}) == [old.pk]  # start + 90 days
    day = (timezone.now() - timedelta(days=1, hours=12)).isoformat(timespec="seconds")
    assert ids({"start_date": day}) == [light.pk]


def test_requests_window_is_limited_to_1000(world, monkeypatch):
    from modules.reports.open311 import views

    monkeypatch.setattr(views, "MAX_REQUESTS", 1)
    rows = program().get(BASE + "requests.json").json()
    assert [row["service_request_id"] for row in rows] == [world["light"].pk]


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ({"status": "pending"}, "status must be open or closed."),
        ({"service_request_id": "1,abc"}, "service_request_id must be numbers, comma separated."),
        (
            {"start_date": "yesterday"},
            "start_date must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.",
        ),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date and end_date may not span more than 90 days.",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date is before start_date.",
        ),
    ],
)
def test_requests_bad_filters_are_400_in_both_formats(commune, query, description):
    response = program().get(BASE + "requests.json", query)
    assert response.status_code == 400
    assert json_errors(response) == [{"code": 400, "description": description}]
    response = program().get(BASE + "requests.xml", query)
    assert response.status_code == 400
    assert xml_errors(response) == [("400", description)]


def test_requests_list_in_constant_queries(commune, resident, pothole):
    from modules.reports.models import Photo, Update

    def make():
        report = make_report(commune, resident, pothole)
        Photo.objects.create(report=report, image="reports/photos/x.jpg", position=0)
        Update.objects.create(report=report, status="acknowledged", note="Vu.")

    make()
    with CaptureQueriesContext(connection) as one:
        assert len(program().get(BASE + "requests.json").json()) == 1
    for _ in range(9):
        make()
    with CaptureQueriesContext(connection) as ten:
        assert len(program().get(BASE + "requests.json").json()) == 10
    assert len(ten) == len(one)


def test_media_url_is_the_first_photos_capability_url_on_the_communes_host(world):
    from modules.reports.models import Photo

    hole = world["hole"]
    second = Photo.objects.create(report=hole, image="reports/photos/b.jpg", position=1)
    first = Photo.objects.create(report=hole, image="reports/photos/a.jpg", position=0)
    assert second.key != first.key
    row = program().get(BASE + f"requests/{hole.pk}.json").json()[0]
    assert row["media_url"] == f"http://saint-malo.localhost/problemes/photos/{first.key}.jpg"
    row = (
        program(PLATFORM)
        .get(BASE + f"requests/{hole.pk}.json", {"jurisdiction_id": "saint-malo"})
        .json()[0]
    )
    assert row["media_url"] == f"http://saint-malo.localhost/problemes/photos/{first.key}.jpg"


# --- one request, tokens --------------------------------------------------------------------


def test_request_detail_json_and_xml(world):
    hole = world["hole"]
    response = program().get(BASE + f"requests/{hole.pk}.json")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 1 and rows[0]["service_request_id"] == hole.pk
    root = xml_root(program().get(BASE + f"requests/{hole.pk}.xml"))
    assert root.tag == "service_requests"
    assert xml_items(root)[0]["service_request_id"] == str(hole.pk)
    assert xml_items(root)[0]["description"] == "Un trou profond devant le numéro 12."


def test_a_merged_duplicate_reads_closed(world, commune, resident, pothole):
    from modules.reports.models import Report

    twin = make_report(commune, resident, pothole, status=Report.Status.DUPLICATE)
    Report.objects.filter(pk=twin.pk).update(merged_into=world["hole"])
    row = program().get(BASE + f"requests/{twin.pk}.json").json()[0]
    assert row["status"] == "closed"


def test_request_detail_hidden_missing_or_another_communes_is_404(
    world, other_commune, other_category
):
    theirs = make_report(other_commune, None, other_category)
    for pk in (world["hidden"].pk, theirs.pk, 999999):
        response = program().get(BASE + f"requests/{pk}.json")
        assert response.status_code == 404
        assert json_errors(response) == [
            {"code": 404, "description": f"service_request_id {pk} not found."}
        ]
    response = program().get(BASE + "requests/999999.xml")
    assert xml_errors(response) == [("404", "service_request_id 999999 not found.")]


def test_tokens_json_and_xml(world, other_commune, other_category):
    hole = world["hole"]
    response = program().get(BASE + f"tokens/{hole.token}.json")
    assert response.status_code == 200
    assert response.json() == [{"service_request_id": hole.pk, "token": str(hole.token)}]
    root = xml_root(program().get(BASE + f"tokens/{hole.token}.xml"))
    assert xml_items(root) == [{"service_request_id": str(hole.pk), "token": str(hole.token)}]
    theirs = make_report(other_commune, None, other_category)
    for token in (theirs.token, world["hidden"].token, "not-a-uuid"):
        response = program().get(BASE + f"tokens/{token}.json")
        assert response.status_code == 404
        assert json_errors(response) == [{"code": 404, "description": f"token {token} not found."}]


# --- jurisdiction, module switch, methods, unknown paths -----------------------------------


def test_platform_host_needs_jurisdiction_id(world):
    response = program(PLATFORM).get(BASE + "requests.json")
    assert response.status_code == 400
    assert json_errors(response) == [
        {"code": 400, "description": "jurisdiction_id was not provided."}
    ]
    response = program(PLATFORM).get(BASE + "services.xml", {"jurisdiction_id": "atlantis"})
    assert response.status_code == 404
    assert xml_errors(response) == [("404", "jurisdiction_id atlantis not found.")]
    response = program(PLATFORM).get(BASE + "requests.json", {"jurisdiction_id": "saint-malo"})
    assert response.status_code == 200
    assert [row["service_request_id"] for row in response.json()] == [
        world["light"].pk,
        world["hole"].pk,
    ]


def test_another_communes_jurisdiction_on_a_communes_host_is_404(world, other_commune):
    """From Saint-Malo's host, Cocody's jurisdiction is not served (its own host is)."""
    response = program().get(BASE + "requests.json", {"jurisdiction_id": "cocody"})
    assert response.status_code == 404
    assert json_errors(response) == [
        {"code": 404, "description": "jurisdiction_id cocody not found."}
    ]
    response = program().get(BASE + "requests.json", {"jurisdiction_id": "saint-malo"})
    assert response.status_code == 200
    response = program("cocody.localhost").get(BASE + "requests.json")
    assert response.status_code == 200
    assert response.json() == []


def test_a_resident_of_another_commune_reads_only_what_anyone_reads(world, outsider):
    """Reads are public: a logged-in resident of Cocody gets the same public rows."""
    browser = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(outsider)
    assert (
        browser.get(BASE + "requests.json").json() == program().get(BASE + "requests.json").json()
    )


@pytest.mark.parametrize("path", ["services.json", "requests.json", "discovery.json"])
def test_module_off_is_404_on_both_hosts(world, commune, path):
    switch(commune, "reports", False)
    response = program().get(BASE + path)
    assert response.status_code == 404
    assert json_errors(response) == [
        {"code": 404, "description": "jurisdiction_id saint-malo not found."}
    ]
    response = program(PLATFORM).get(BASE + path, {"jurisdiction_id": "saint-malo"})
    assert response.status_code == 404
    switch(commune, "reports", True)
    assert program().get(BASE + path).status_code == 200


def test_methods_other_than_the_specifications_are_405(commune, world):
    response = program().post(BASE + "services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json_errors(response) == [
        {"code": 405, "description": "Method POST is not allowed here."}
    ]
    response = program().delete(BASE + f"requests/{world['hole'].pk}.xml")
    assert response.status_code == 405
    assert xml_errors(response) == [("405", "Method DELETE is not allowed here.")]
    response = program().put(BASE + "requests.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert program().head(BASE + "services.json").status_code == 200


def test_unknown_paths_and_formats_are_404_in_the_specifications_format(commune):
    response = program().get(BASE + "services.html")
    assert response.status_code == 404
    assert json_errors(response) == [{"code": 404, "description": "No such resource."}]
    response = program().get(BASE + "nothing.xml")
    assert xml_errors(response) == [("404", "No such resource.")]


# --- POST requests --------------------------------------------------------------------------


@pytest.fixture
def key(commune):
    with_centre(commune)
    return make_key(commune)


def post(data, *, host=HOST, format="json"):
    return program(host).post(BASE + f"requests.{format}", data)


def test_post_creates_a_request_marked_with_its_integrator(key, commune, pothole):
    from modules.reports.models import Report

    integrator, clear = key
    description = "Un trou énorme au milieu de la chaussée, " * 5
    latitude, longitude = offset(SAINT_MALO, east_m=100)
    response = post(
        {
            "api_key": clear,
            "service_code": "nid-de-poule",
            "lat": str(latitude),
            "long": str(longitude),
            "description": description,
            "email": "jean@example.org",
            "first_name": "Jean",
            "last_name": "Dupont",
            "phone": "0600000000",
            "device_id": "device-1",
            "media_url": "https://example.org/trou.jpg",
            "attribute[danger]": "oui",
        }
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert response.json() == [
        {"service_request_id": report.pk, "service_notice": None, "account_id": None}
    ]
    assert report.integrator == integrator
    assert report.author is None
    assert report.category == pothole
    assert report.title == " ".join(description.split())[:80].strip()
    assert report.description == description.strip()
    assert report.answers == {"danger": "oui"}
    assert report.contact == {
        "email": "jean@example.org",
        "first_name": "Jean",
        "last_name": "Dupont",
        "phone": "0600000000",
        "device_id": "device-1",
        "media_url": "https://example.org/trou.jpg",
    }
    assert report.location is not None
    assert (round(report.location.y, 6), round(report.location.x, 6)) == (
        round(latitude, 6),
        round(longitude, 6),
    )
    integrator.refresh_from_db()
    assert integrator.last_used_at is not None
    # Read back: public, without the contact.
    row = program().get(BASE + f"requests/{report.pk}.json").json()[0]
    assert row["status"] == "open" and row["service_code"] == "nid-de-poule"
    text = program().get(BASE + f"requests/{report.pk}.xml").content.decode()
    for private in ("jean@example.org", "Dupont", "0600000000", "device-1"):
        assert private not in text


def test_post_xml_and_on_the_platform_host(key, commune, graffiti):
    from modules.reports.models import Report

    _, clear = key
    response = post(
        {
            "api_key": clear,
            "jurisdiction_id": "saint-malo",
            "service_code": "graffiti",
            "lat": str(SAINT_MALO[0]),
            "long": str(SAINT_MALO[1]),
            "description": "Vu",
        },
        host=PLATFORM,
        format="xml",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.title == "Graffiti"  # a description too short for a title
    assert xml_items(xml_root(response)) == [
        {"service_request_id": str(report.pk), "service_notice": "", "account_id": ""}
    ]


def test_post_with_an_address_string(key, commune, graffiti, fake_geocoder):
    from modules.reports.models import Report

    fake_geocoder.add(
        "3 Place Chateaubriand 35400 Saint-Malo",
        SAINT_MALO[0],
        SAINT_MALO[1],
        postcode="35400",
        city="Saint-Malo",
        citycode="35288",
    )
    response = post(
        {
            "api_key": key[1],
            "service_code": "graffiti",
            "address_string": "3 Place Chateaubriand 35400 Saint-Malo",
            "description": "Un tag sur la façade.",
        }
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.address == "3 Place Chateaubriand 35400 Saint-Malo"
    assert report.location is not None


@pytest.mark.parametrize("wrong", ["missing", "unknown", "revoked", "other_commune"])
def test_post_without_a_valid_key_of_this_commune_is_403(commune, other_commune, pothole, wrong):
    from modules.reports.models import Report

    with_centre(commune)
    data = {
        "service_code": "graffiti",
        "lat": str(SAINT_MALO[0]),
        "long": str(SAINT_MALO[1]),
        "description": "Tag sur le mur.",
    }
    if wrong == "unknown":
        data["api_key"] = "o311_" + secrets.token_urlsafe(24)
    elif wrong == "revoked":
        data["api_key"] = make_key(commune, revoked=True)[1]
    elif wrong == "other_commune":
        data["api_key"] = make_key(other_commune)[1]
    response = post(data)
    assert response.status_code == 403
    assert json_errors(response) == [
        {
            "code": 403,
            "description": "Invalid api_key received: can't proceed with create_request.",
        }
    ]
    assert Report.objects.count() == 0


def test_post_is_limited_to_per_hour_reports(commune, graffiti):
    from modules.reports.models import Report

    with_centre(commune)
    integrator, clear = make_key(commune, per_hour=2)
    for _ in range(2):
        make_report(commune, None, graffiti, integrator=integrator)
    make_report(
        commune,
        None,
        graffiti,
        integrator=integrator,
        created_at=timezone.now() - timedelta(hours=2),
    )
    data = {
        "api_key": clear,
        "service_code": "graffiti",
        "lat": str(SAINT_MALO[0]),
        "long": str(SAINT_MALO[1]),
        "description": "Encore un tag.",
    }
    response = post(data, format="xml")
    assert response.status_code == 429
    assert xml_errors(response) == [
        ("429", "This api_key may create 2 requests an hour; try again later.")
    ]
    assert Report.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"lat": "48.6", "long": "-2.0"}, ["service_code was not provided."]),
        ({"service_code": "nid", "lat": "48.6", "long": "-2.0"}, ["service_code nid not found."]),
        (
            {"service_code": "graffiti"},
            ["A location is required: lat and long, or address_string."],
        ),
        (
            {"service_code": "graffiti", "address_id": "123"},
            ["address_id is not supported here: give lat and long, or address_string."],
        ),
        (
            {"service_code": "graffiti", "lat": "north", "long": "-2.0"},
            ["lat must be a number of degrees."],
        ),
        (
            {"service_code": "graffiti", "lat": "nan", "long": "-2.0"},
            ["lat must be a number of degrees."],
        ),
        (
            {"service_code": "graffiti", "lat": "48.6", "long": "181"},
            ["long must be a number of degrees."],
        ),
        (
            {"service_code": "graffiti", "lat": "48.6", "long": "-2.0", "email": "x" * 256},
            ["email: at most 255 characters."],
        ),
        ({"service_code": "graffiti", "lat": "48.6"}, ["lat and long go together."]),
    ],
)
def test_post_bad_input_is_400(key, commune, graffiti, other_category, data, errors):
    from modules.reports.models import Report

    response = post({"api_key": key[1], "description": "Un tag.", **data})
    assert response.status_code == 400
    assert [error["description"] for error in json_errors(response)] == errors
    assert {error["code"] for error in response.json()} == {400}
    assert Report.objects.count() == 0


def test_post_refused_by_the_service_gives_one_error_per_field(key, commune, pothole):
    """No description and the required attribute missing: one error each, naming the
    Open311 parameter."""
    from modules.reports.models import Report

    data = {
        "api_key": key[1],
        "service_code": "nid-de-poule",
        "lat": str(SAINT_MALO[0]),
        "long": str(SAINT_MALO[1]),
        "description": "",
    }
    response = post(data)
    assert response.status_code == 400
    assert json_errors(response) == [
        {"code": 400, "description": "description: Describe the problem."},
        {"code": 400, "description": "attribute: Answer the question “Est-ce dangereux ?”."},
    ]
    response = post({**data, "description": "Un trou.", "attribute[danger]": "peut-etre"})
    assert response.status_code == 400
    assert xml_errors(program().post(BASE + "requests.xml", {**data, "description": "Trou"})) == [
        ("400", "attribute: Answer the question “Est-ce dangereux ?”.")
    ]
    assert json_errors(response) == [
        {
            "code": 400,
            "description": "attribute: Choose one of the answers offered to “Est-ce dangereux ?”.",
        }
    ]
    assert Report.objects.count() == 0


def test_post_outside_the_territory_names_lat(key, commune, graffiti):
    response = post(
        {
            "api_key": key[1],
            "service_code": "graffiti",
            "lat": str(DINAN_FAR[0]),
            "long": str(DINAN_FAR[1]),
            "description": "Un tag sur le mur.",
        }
    )
    assert response.status_code == 400
    errors = json_errors(response)
    assert len(errors) == 1
    assert errors[0]["description"].startswith("lat: ")


def test_post_with_another_communes_jurisdiction_on_a_communes_host_is_404(
    key, commune, other_commune, graffiti
):
    response = post(
        {
            "api_key": make_key(other_commune)[1],
            "jurisdiction_id": "cocody",
            "service_code": "graffiti",
            "lat": str(SAINT_MALO[0]),
            "long": str(SAINT_MALO[1]),
            "description": "Un tag.",
        }
    )
    assert response.status_code == 404


def test_post_a_multivaluelist_and_jurisdiction_in_the_query_string(key, commune, graffiti):
    from modules.reports.models import Question, Report

    Question.objects.create(
        category=graffiti,
        code="support",
        label="Sur quoi ?",
        datatype=Question.Datatype.MULTI,
        choices_text="Mur\nVitrine\nMobilier urbain",
    )
    response = program(PLATFORM).post(
        BASE + "requests.json?jurisdiction_id=saint-malo",
        {
            "api_key": key[1],
            "service_code": "graffiti",
            "lat": str(SAINT_MALO[0]),
            "long": str(SAINT_MALO[1]),
            "description": "Des tags partout.",
            "attribute[support][]": ["mur", "vitrine"],
        },
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().answers == {"support": ["mur", "vitrine"]}


def test_post_while_the_geocoder_is_down_is_kept_to_locate_later(
    key, commune, graffiti, fake_geocoder
):
    from modules.reports.models import Report

    fake_geocoder.down()
    response = post(
        {
            "api_key": key[1],
            "service_code": "graffiti",
            "address_string": "3 Place Chateaubriand 35400 Saint-Malo",
            "description": "Un tag sur la façade.",
        }
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.locate_pending is True
    assert response.json() == [
        {
            "service_request_id": report.pk,
            "service_notice": "The address will be located shortly.",
            "account_id": None,
        }
    ]
    row = program().get(BASE + f"requests/{report.pk}.json").json()[0]
    assert (row["lat"], row["long"], row["address"]) == (
        None,
        None,
        "3 Place Chateaubriand 35400 Saint-Malo",
    )


def test_xml_drops_characters_xml_cannot_carry(world):
    from modules.reports.models import Report

    Report.objects.filter(pk=world["hole"].pk).update(description="Un trou\x01 ici\x0b.")
    root = xml_root(program().get(BASE + f"requests/{world['hole'].pk}.xml"))
    assert xml_items(root)[0]["description"] == "Un trou ici."
