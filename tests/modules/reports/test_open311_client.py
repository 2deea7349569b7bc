"""Our Open311 endpoint driven by unmodified client libraries from PyPI (REP-3), against a
real server (pytest-django's ``live_server``), the way a city's integrator would: list
services, create a request, read it back in JSON and in XML, list open requests.

Two clients, because neither does everything: ``civicbot`` 0.4.0's ``Open311Client``
(stdlib HTTP) lists services, reads a service's definition, **files the request** (its
``create_request`` validates the form against our definition's attributes first, then
POSTs it form-encoded with the key) and reads it back in JSON; ``georeport`` 0.3.1
(``requests`` + ``xmltodict``) reads only, in JSON or **XML**. Each is used as its
documentation says; only civicbot's politeness delay between two calls to a host is set
to zero (a constructor argument), so that the test does not sleep.

Two ways in, as integrators have: the commune's own host (``saint-malo.localhost``: the
jurisdiction is the host's), and the platform's host with ``jurisdiction_id``. Python's
resolver does not know ``*.localhost`` (browsers and systemd-resolved map it to the
loopback address by themselves); ``localhost_names`` does the same for this test.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests
from civicbot.http import HttpTransport, RateLimiter  # type: ignore[import-untyped]
from civicbot.open311 import CONFIRM_TOKEN, Open311Client  # type: ignore[import-untyped]
from civicbot.registry import Endpoint  # type: ignore[import-untyped]
from georeport import GeoReport  # type: ignore[import-untyped]

from modules.reports.models import Report
from tests.initial_data import ensure_initial_data
from tests.modules.reports.helpers import SAINT_MALO, make_report, offset, with_centre
from tests.modules.reports.test_open311 import make_key


@pytest.fixture(autouse=True)
def initial_data(transactional_db):
    """The live server reads committed data: transactional, with the migrations' rows."""
    ensure_initial_data()


@pytest.fixture
def localhost_names(monkeypatch):
    """``*.localhost`` resolves to the loopback address (RFC 6761), as in a browser."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def city(commune, pothole, street_light, graffiti, resident):
    with_centre(commune)
    make_report(commune, resident, street_light, title="Lampadaire", status=Report.Status.RESOLVED)
    return commune


def _root(live_server, host: str) -> str:
    port = urlsplit(live_server.url).port
    return f"http://{host}:{port}/open311/v2"


def _civicbot(root: str, jurisdiction: str | None = None) -> Open311Client:
    endpoint = Endpoint(id="saint-malo", name="Saint-Malo", base_url=root, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0.0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id=jurisdiction)


def _create(client: Open311Client, key: str) -> dict:
    """File a pothole through civicbot, checked first against our service definition."""
    latitude, longitude = offset(SAINT_MALO, north_m=120)
    sent = client.create_request(
        "nid-de-poule",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=key,
        validate_remote=True,  # reads services.json and the definition, checks attributes
        lat=latitude,
        lng=longitude,
        description="Un nid de poule devant l'école, dangereux pour les vélos.",
        email="agent@ville-connectee.example",
        attributes={"danger": "oui"},
    )
    (created,) = sent.response
    return created


def test_an_integrator_on_the_communes_host(live_server, localhost_names, city):
    _, key = make_key(city)
    root = _root(live_server, "saint-malo.localhost")
    client = GeoReport(root)

    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["nid-de-poule", "lampadaire", "graffiti"]
    assert services[0]["metadata"] is True
    definition = client.get_service_definition("nid-de-poule")
    assert definition["attributes"][0]["code"] == "danger"
    assert [v["key"] for v in definition["attributes"][0]["values"]] == ["oui", "non"]

    filer = _civicbot(root)
    assert [s["service_code"] for s in filer.list_services()] == [
        "nid-de-poule",
        "lampadaire",
        "graffiti",
    ]
    created = _create(filer, key)
    request_id = created["service_request_id"]
    report = Report.objects.get(pk=request_id)
    assert report.integrator is not None and report.contact["email"].startswith("agent@")
    assert report.answers == {"danger": "oui"}
    assert filer.get_request(request_id)["service_request_id"] == request_id

    as_json = client.get_service_request(str(request_id))
    assert as_json["service_request_id"] == request_id
    assert as_json["status"] == "open"
    assert as_json["service_code"] == "nid-de-poule"
    assert as_json["agency_responsible"] == "Voirie"
    assert "agent@" not in str(as_json)

    as_xml = GeoReport(root, output_format="xml").get_service_request(str(request_id))
    assert as_xml["service_request_id"] == str(request_id)
    assert as_xml["status"] == "open"
    assert as_xml["description"] == as_json["description"]
    assert float(as_xml["lat"]) == as_json["lat"]
    assert as_xml["requested_datetime"] == as_json["requested_datetime"]

    open_ones = client.get_service_requests(status="open")
    assert [r["service_request_id"] for r in open_ones] == [request_id]
    closed = client.get_service_requests(status="closed")
    assert [r["service_code"] for r in closed] == ["lampadaire"]


def test_an_integrator_on_the_platform_host_with_jurisdiction_id(live_server, city):
    _, key = make_key(city)
    root = _root(live_server, "localhost")
    client = GeoReport(root, jurisdiction="saint-malo")

    assert len(client.get_service_list()) == 3
    created = _create(_civicbot(root, jurisdiction="saint-malo"), key)
    request_id = created["service_request_id"]
    assert client.get_service_request(str(request_id))["service_request_id"] == request_id
    xml_client = GeoReport(root, jurisdiction="saint-malo", output_format="xml")
    listed = xml_client.get_service_requests(service_request_id=str(request_id))
    # One request: xmltodict gives the element itself rather than a list of one.
    assert listed["service_request_id"] == str(request_id)
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [
        request_id
    ]

    # Without the jurisdiction the platform cannot tell the commune: the client raises
    # on the specification's 400.
    with pytest.raises(requests.HTTPError) as error:
        GeoReport(root).get_service_list()
    assert error.value.response.status_code == 400
    (only,) = error.value.response.json()  # in the site's language: French
    assert only["code"] == 400 and "jurisdiction_id" in only["description"]


def test_civicbot_refuses_what_our_definition_forbids_before_sending(live_server, city):
    """Our service definition is what a client validates against: a required attribute
    missing, the client stops before the POST (nothing filed)."""
    from civicbot.open311 import ValidationError as ClientRefusal

    _, key = make_key(city)
    client = _civicbot(_root(live_server, "localhost"), jurisdiction="saint-malo")
    latitude, longitude = offset(SAINT_MALO, north_m=120)
    with pytest.raises(ClientRefusal, match="required attribute 'danger' missing"):
        client.create_request(
            "nid-de-poule",
            dry_run=False,
            confirm=CONFIRM_TOKEN,
            api_key=key,
            validate_remote=True,
            lat=latitude,
            lng=longitude,
            description="Sans la réponse obligatoire.",
        )
    assert not Report.objects.filter(integrator__isnull=False).exists()


def test_a_revoked_key_is_refused(live_server, city):
    integrator, key = make_key(city, revoked=True)
    response = requests.post(
        f"{_root(live_server, 'localhost')}/requests.xml",
        data={"api_key": key, "jurisdiction_id": "saint-malo", "service_code": "graffiti"},
        timeout=10,
    )
    assert response.status_code == 403
    assert b"<errors><error><code>403</code>" in response.content
    assert Report.objects.filter(integrator=integrator).count() == 0
