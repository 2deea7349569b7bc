"""Contract test of Open311 GeoReport v2 (API-3), apart from the behaviour tests.

The specification's fields are written below as tables, one per endpoint (the field, its
type, whether it is required: http://wiki.open311.org/GeoReport_v2). On a world with a
report in each status (with and without a point, a photo, a public note, a merged
duplicate, an address still to locate), every endpoint is read in JSON and in XML and
checked against its table: the same fields, nothing else, each of its type; the XML has
the specification's root and item elements; and both formats carry the same data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from tests.modules.reports.helpers import SAINT_MALO, make_report, offset, with_centre
from tests.modules.reports.test_open311 import BASE, PLATFORM, make_key, program

pytestmark = pytest.mark.django_db

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
URL = re.compile(r"^https?://[^\s/]+/\S*$")
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


# --- the specification's types ----------------------------------------------------------------


def string(value) -> bool:
    return isinstance(value, str)


def text_or_null(value) -> bool:
    return value is None or isinstance(value, str)


def w3c(value) -> bool:
    return isinstance(value, str) and bool(W3C.match(value))


def w3c_or_null(value) -> bool:
    return value is None or w3c(value)


def url(value) -> bool:
    return isinstance(value, str) and bool(URL.match(value))


def url_or_null(value) -> bool:
    return value is None or url(value)


def boolean(value) -> bool:
    return isinstance(value, bool)


def integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number_or_null(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def one_of(*choices: str) -> Callable[[Any], bool]:
    return lambda value: value in choices


# The specification's fields: name → (type check, required).
Table = dict[str, tuple[Callable[[Any], bool], bool]]

DISCOVERY: Table = {
    "changeset": (w3c, True),
    "contact": (string, True),
    "key_service": (string, True),
    "endpoints": (lambda v: isinstance(v, list) and len(v) >= 1, True),
}
DISCOVERY_ENDPOINT: Table = {
    "specification": (one_of("http://wiki.open311.org/GeoReport_v2"), True),
    "url": (url, True),
    "changeset": (w3c, True),
    "type": (one_of("production", "test"), True),
    "formats": (
        lambda v: isinstance(v, list) and set(v) <= {"text/xml", "application/json"} and bool(v),
        True,
    ),
}
SERVICE: Table = {
    "service_code": (string, True),
    "service_name": (string, True),
    "description": (text_or_null, True),
    "metadata": (boolean, True),
    "type": (one_of("realtime", "batch", "blackbox"), True),
    "keywords": (text_or_null, True),
    "group": (text_or_null, True),
}
SERVICE_DEFINITION: Table = {
    "service_code": (string, True),
    "attributes": (lambda v: isinstance(v, list), True),
}
ATTRIBUTE: Table = {
    "variable": (boolean, True),
    "code": (string, True),
    "datatype": (lambda v: v in DATATYPES, True),
    "required": (boolean, True),
    "datatype_description": (text_or_null, True),
    "order": (integer, True),
    "description": (string, True),
    "values": (lambda v: isinstance(v, list), False),  # for the list datatypes
}
VALUE: Table = {"key": (string, True), "name": (string, True)}
SERVICE_REQUEST: Table = {
    "service_request_id": (integer, True),
    "status": (one_of("open", "closed"), True),
    "status_notes": (text_or_null, True),
    "service_name": (string, True),
    "service_code": (string, True),
    "description": (text_or_null, True),
    "agency_responsible": (text_or_null, True),
    "service_notice": (text_or_null, True),
    "requested_datetime": (w3c, True),
    "updated_datetime": (w3c_or_null, True),
    "expected_datetime": (w3c_or_null, True),
    "address": (text_or_null, True),
    "address_id": (text_or_null, True),
    "zipcode": (text_or_null, True),
    "lat": (number_or_null, True),
    "long": (number_or_null, True),
    "media_url": (url_or_null, True),
}
CREATED: Table = {
    "service_request_id": (integer, True),
    "service_notice": (text_or_null, True),
    "account_id": (text_or_null, True),
}
TOKEN: Table = {"service_request_id": (integer, True), "token": (string, True)}
ERROR: Table = {"code": (integer, True), "description": (string, True)}

# The specification's XML: a list's element, and the element of each of its items.
XML_LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def check(row: dict, table: Table, where: str) -> None:
    required = {name for name, (_, needed) in table.items() if needed}
    assert required <= set(row), f"{where}: missing {required - set(row)}"
    assert set(row) <= set(table), f"{where}: not in the specification {set(row) - set(table)}"
    for name, value in row.items():
        assert table[name][0](value), f"{where}: {name} = {value!r} is not of its type"


def as_text(value: Any) -> Any:
    """JSON data as the XML carries it: text everywhere, "" for null."""
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_xml(element: ElementTree.Element) -> Any:
    """An XML element as data: the specification's lists as lists (checking the item
    element), other elements with children as dicts, leaves as their text."""
    if element.tag in XML_LISTS:
        for child in element:
            assert child.tag == XML_LISTS[element.tag], (element.tag, child.tag)
        return [read_xml(child) for child in element]
    if len(element):
        return {child.tag: read_xml(child) for child in element}
    return element.text or ""


def both(path: str, *, query=None, root: str, status: int = 200, method="get", host=None):
    """The JSON and the XML of one endpoint; checks their status, types and that the XML
    under ``root`` carries the same data as the JSON."""
    client = program(host) if host else program()
    call = getattr(client, method)
    as_json = call(BASE + f"{path}.json", query or {})
    as_xml = call(BASE + f"{path}.xml", query or {})
    assert as_json.status_code == status, as_json.content
    assert as_xml.status_code == status, as_xml.content
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ElementTree.fromstring(as_xml.content)
    assert element.tag == root
    data = as_json.json()
    assert read_xml(element) == as_text(data)
    return data


@pytest.fixture
def world(commune, resident, roads_agent, pothole, street_light, graffiti):
    """A report in each status; points, photos, notes and addresses vary."""
    from modules.reports.models import Photo, Report, Update

    with_centre(commune)
    now = timezone.now()
    reports = {}
    for number, status in enumerate(Report.Status.values):
        category = (pothole, street_light, graffiti)[number % 3]
        report = make_report(
            commune,
            resident if number % 2 else None,
            category,
            point=offset(SAINT_MALO, north_m=50 * number) if number != 2 else None,
            created_at=now - timedelta(days=number + 1),
            title=f"Problème {number}",
            description=f"Description du problème {number}, « avec des accents » & <balises>.",
            address="" if number == 1 else f"{number} rue de la Paix, Saint-Malo",
            status=status,
            locate_pending=number == 2,
            contact={"email": "contact@example.org"} if number == 3 else {},
        )
        if status != Report.Status.NEW:
            Update.objects.create(
                report=report,
                status=status,
                previous_status=Report.Status.NEW,
                note=f"Note publique {number}." if number % 2 == 0 else "",
                by=roads_agent,
                public_by="Voirie",
                created_at=now - timedelta(days=number),
            )
        if number in (0, 3):
            Photo.objects.create(report=report, image=f"reports/photos/{number}.jpg")
        reports[status] = report
    Report.objects.filter(pk=reports["duplicate"].pk).update(merged_into=reports["new"])
    return reports


def test_discovery(world):
    for host in (None, PLATFORM):
        data = both("discovery", root="discovery", host=host)
        check(data, DISCOVERY, "discovery")
        for endpoint in data["endpoints"]:
            check(endpoint, DISCOVERY_ENDPOINT, "discovery endpoint")


def test_services_and_their_definitions(world):
    services = both("services", root="services")
    assert len(services) == 3
    for service in services:
        check(service, SERVICE, "service")
        definition = both(f"services/{service['service_code']}", root="service_definition")
        check(definition, SERVICE_DEFINITION, "service definition")
        assert definition["service_code"] == service["service_code"]
        assert bool(definition["attributes"]) == service["metadata"]
        for attribute in definition["attributes"]:
            check(attribute, ATTRIBUTE, "attribute")
            is_list = attribute["datatype"] in ("singlevaluelist", "multivaluelist")
            assert ("values" in attribute) == is_list
            for value in attribute.get("values", []):
                check(value, VALUE, "attribute value")
        assert [a["order"] for a in definition["attributes"]] == list(
            range(1, len(definition["attributes"]) + 1)
        )


def test_service_requests_in_every_status(world):
    from modules.reports.models import Report

    rows = both("requests", root="service_requests")
    assert len(rows) == len(Report.Status.values)
    for row in rows:
        check(row, SERVICE_REQUEST, "service request")
    by_id = {row["service_request_id"]: row for row in rows}
    for status, report in world.items():
        row = by_id[report.pk]
        assert row["status"] == ("open" if status in Report.OPEN_STATUSES else "closed")
        one = both(f"requests/{report.pk}", root="service_requests")
        assert one == [row]
        token = both(f"tokens/{report.token}", root="service_requests")
        assert len(token) == 1
        check(token[0], TOKEN, "token")
        assert token[0] == {"service_request_id": report.pk, "token": str(report.token)}
    # Point or not, photo or not, note or not: the nulls are where the data is missing.
    assert by_id[world["in_progress"].pk]["lat"] is None
    assert by_id[world["new"].pk]["media_url"] is not None
    assert by_id[world["acknowledged"].pk]["address"] is None
    assert by_id[world["in_progress"].pk]["status_notes"] == "Note publique 2."
    for value in (by_id[world["resolved"].pk]["media_url"],):
        assert url(value)
    for row in rows:
        assert "contact@example.org" not in str(row)
    # The filters keep the same shape.
    for query in ({"status": "open"}, {"status": "closed"}, {"service_code": "lampadaire"}):
        for row in both("requests", query=query, root="service_requests"):
            check(row, SERVICE_REQUEST, f"service request {query}")


def test_post_answer(world, commune):
    _, key = make_key(commune, per_hour=10)
    for format in ("json", "xml"):
        response = program().post(
            BASE + f"requests.{format}",
            {
                "api_key": key,
                "service_code": "graffiti",
                "lat": str(SAINT_MALO[0]),
                "long": str(SAINT_MALO[1]),
                "description": "Un tag sur l'école.",
            },
        )
        assert response.status_code == 201
        if format == "json":
            (created,) = response.json()
            check(created, CREATED, "created")
        else:
            element = ElementTree.fromstring(response.content)
            assert element.tag == "service_requests"
            (item,) = read_xml(element)
            assert set(item) == set(CREATED)
            assert item["service_request_id"].isdigit()


@pytest.mark.parametrize(
    ("path", "query", "method", "status"),
    [
        ("requests", {"status": "pending"}, "get", 400),
        ("services/nope", {}, "get", 404),
        ("requests/999999", {}, "get", 404),
        ("tokens/nope", {}, "get", 404),
        ("services", {}, "post", 405),
        ("requests", {"service_code": "graffiti", "api_key": "wrong"}, "post", 403),
    ],
)
def test_errors(world, path, query, method, status):
    errors = both(path, query=query, root="errors", status=status, method=method)
    assert len(errors) >= 1
    for error in errors:
        check(error, ERROR, "error")
        assert error["code"] == status


def test_errors_on_the_platform_host(world):
    errors = both("services", root="errors", status=400, host=PLATFORM)
    for error in errors:
        check(error, ERROR, "error")
