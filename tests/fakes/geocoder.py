"""A local stand-in for the geocoding providers (no internet in tests).

``FakeGeocoderServer`` is an ``http.server`` on 127.0.0.1 (a free port, in a thread)
that answers like the Base adresse nationale (``/ban/search/``, ``/ban/reverse/``) and
like Nominatim (``/nominatim/search``, ``/nominatim/reverse``, format jsonv2), with the
JSON bodies those services send. It records every request (path, parameters, headers)
and can be told to fail (timeout, an HTTP status, a body that is not JSON) or to be
down (``down()``: every connection is closed without an answer, as an unreachable
service; ``recover()`` brings it back).

The ``fake_geocoder`` fixture starts it, points the settings at it
(``GEOCODER_BAN_URL``, ``GEOCODER_NOMINATIM_URL``, a short ``GEOCODER_TIMEOUT``,
``MAP_TILES_URL`` answering 404), clears the cache and puts a fake clock in the
Nominatim throttle (``server.clock``: its ``sleeps`` list, no real waiting)::

    from tests.fakes.geocoder import fake_geocoder  # noqa: F401  (or pytest_plugins)

    def test_something(fake_geocoder):
        fake_geocoder.add("8 Boulevard du Port 80000 Amiens", 49.8977, 2.2911,
                          postcode="80000", city="Amiens", citycode="80021")
        ...
        assert fake_geocoder.requests[-1].params["q"] == "8 boulevard du port"

A canned address matches a query when every word of the query (case and accents
ignored) begins a word of its label or of its ``queries``, so typing in a browser
finds it letter by letter. Two addresses are there from the start: ``SAINT_MALO`` (BAN) and
``COCODY`` (Nominatim).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.test import override_settings

from accounts.geocoding import NOMINATIM_THROTTLE

OSM_LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"


@dataclass
class CannedAddress:
    label: str
    latitude: float
    longitude: float
    country: str = "FR"
    postcode: str = ""
    city: str = ""
    citycode: str = ""
    street: str = ""
    housenumber: str = ""
    context: str = ""
    suburb: str = ""
    city_district: str = ""
    score: float = 0.95
    queries: tuple[str, ...] = ()

    def matches(self, query: str) -> bool:
        words = _words(" ".join((self.label, *self.queries)))
        wanted = _words(query)
        return bool(wanted) and all(any(w.startswith(part) for w in words) for part in wanted)

    def ban_feature(self) -> dict:
        name = f"{self.housenumber} {self.street}".strip() or self.label
        street_id = zlib.crc32(self.street.encode()) % 10**4
        properties = {
            "label": self.label,
            "score": self.score,
            "housenumber": self.housenumber,
            "id": f"{self.citycode}_{street_id:04d}_{(self.housenumber or '0').zfill(5)}",
            "name": name,
            "postcode": self.postcode,
            "citycode": self.citycode,
            "city": self.city,
            "context": self.context,
            "type": "housenumber" if self.housenumber else "street",
            "importance": round(self.score * 0.7, 5),
            "street": self.street,
        }
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [self.longitude, self.latitude]},
            "properties": {key: value for key, value in properties.items() if value},
        }

    def nominatim_place(self, place_id: int) -> dict:
        address = {
            "house_number": self.housenumber,
            "road": self.street,
            "suburb": self.suburb,
            "city_district": self.city_district,
            "city": self.city,
            "postcode": self.postcode,
            "country": {"CI": "Côte d’Ivoire", "FR": "France"}.get(self.country, ""),
            "country_code": self.country.lower(),
        }
        return {
            "place_id": place_id,
            "licence": OSM_LICENCE,
            "osm_type": "way",
            "osm_id": 20_000_000 + place_id,
            "lat": f"{self.latitude:.7f}",
            "lon": f"{self.longitude:.7f}",
            "category": "highway",
            "type": "primary",
            "place_rank": 26,
            "importance": self.score,
            "addresstype": "road",
            "name": self.street,
            "display_name": self.label,
            "address": {key: value for key, value in address.items() if value},
            "boundingbox": [
                f"{self.latitude - 0.001:.7f}",
                f"{self.latitude + 0.001:.7f}",
                f"{self.longitude - 0.001:.7f}",
                f"{self.longitude + 0.001:.7f}",
            ],
        }


SAINT_MALO = CannedAddress(
    label="12 Rue de l'Église 35400 Saint-Malo",
    latitude=48.649337,
    longitude=-2.025674,
    postcode="35400",
    city="Saint-Malo",
    citycode="35288",
    street="Rue de l'Église",
    housenumber="12",
    context="35, Ille-et-Vilaine, Bretagne",
    score=0.9712,
)
COCODY = CannedAddress(
    label="Boulevard Latrille, Deux Plateaux, Cocody, Abidjan, Côte d’Ivoire",
    latitude=5.3640927,
    longitude=-3.9953315,
    country="CI",
    city="Abidjan",
    street="Boulevard Latrille",
    suburb="Deux Plateaux",
    city_district="Cocody",
    score=0.3501,
    queries=("bd latrille",),
)


def _words(text: str) -> list[str]:
    """Words without case or accents: "l'Église" → ["l", "eglise"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"\w+", plain)


@dataclass
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # names in lower case


@dataclass
class Failure:
    status: int = 0  # an HTTP status to answer with
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (a timeout when > the setting)
    drop: bool = False  # close the connection without answering (the service is down)


@dataclass
class FakeGeocoderServer:
    addresses: list[CannedAddress] = field(default_factory=lambda: [SAINT_MALO, COCODY])
    requests: list[RecordedRequest] = field(default_factory=list)
    failure: Failure | None = None
    clock: FakeClock | None = None

    def __post_init__(self) -> None:
        self._released = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- life cycle
    def start(self) -> FakeGeocoderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict:
        return {
            "GEOCODER_BAN_URL": f"{self.base_url}/ban/",
            "GEOCODER_NOMINATIM_URL": f"{self.base_url}/nominatim/",
            "GEOCODER_TIMEOUT": 0.5,
            "MAP_TILES_URL": f"{self.base_url}/tiles/{{z}}/{{x}}/{{y}}.png",
        }

    # --- canned answers
    def add(self, label: str, latitude: float, longitude: float, **details) -> CannedAddress:
        """Register an address (``country="CI"`` for Nominatim's side); first added, first."""
        address = CannedAddress(label, latitude, longitude, **details)
        self.addresses.insert(0, address)
        return address

    def clear(self) -> None:
        self.addresses.clear()

    def fail(self, status: int = 0, *, body: bytes = b"", delay: float = 0.0) -> None:
        """Answer every request with ``status`` (and ``body``), after ``delay`` seconds."""
        self.failure = Failure(status=status, body=body, delay=delay)

    def down(self) -> None:
        """Every request gets its connection closed without an answer, until ``recover()``."""
        self.failure = Failure(drop=True)

    def recover(self) -> None:
        self.failure = None

    def requests_to(self, backend: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(f"/{backend}/")]

    # --- answers
    def answer(self, path: str, params: dict[str, str]) -> tuple[int, object]:
        country = "FR" if path.startswith("/ban/") else params.get("countrycodes", "").upper()
        candidates = [a for a in self.addresses if (a.country == "FR") == path.startswith("/ban/")]
        if country and country != "FR":
            candidates = [a for a in candidates if a.country == country]
        if params.get("citycode"):
            candidates = [a for a in candidates if a.citycode == params["citycode"]]
        limit = int(params.get("limit", 5))
        routes = {
            "/ban/search/": lambda: self._ban(
                [a for a in candidates if a.matches(params.get("q", ""))][:limit], params
            ),
            "/ban/reverse/": lambda: self._ban(self._nearest(candidates, params)[:limit], params),
            "/nominatim/search": lambda: [
                a.nominatim_place(i + 1)
                for i, a in enumerate(candidates)
                if a.matches(params.get("q", ""))
            ][:limit],
            "/nominatim/reverse": lambda: self._nominatim_reverse(candidates, params),
        }
        if path not in routes:
            return 404, {"error": "not found"}
        return 200, routes[path]()

    @staticmethod
    def _ban(addresses: list[CannedAddress], params: dict[str, str]) -> dict:
        return {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [a.ban_feature() for a in addresses],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": params.get("q", ""),
            "filters": {k: params[k] for k in ("citycode", "postcode") if k in params},
            "limit": int(params.get("limit", 5)),
        }

    @staticmethod
    def _nearest(addresses: list[CannedAddress], params: dict[str, str]) -> list[CannedAddress]:
        lat, lon = float(params["lat"]), float(params["lon"])
        near = [a for a in addresses if math.dist((a.latitude, a.longitude), (lat, lon)) < 0.01]
        return sorted(near, key=lambda a: math.dist((a.latitude, a.longitude), (lat, lon)))

    def _nominatim_reverse(self, addresses: list[CannedAddress], params: dict[str, str]):
        near = self._nearest(addresses, params)
        return near[0].nominatim_place(1) if near else {"error": "Unable to geocode"}


def _handler_for(server: FakeGeocoderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            headers = {name.lower(): value for name, value in self.headers.items()}
            server.requests.append(RecordedRequest(url.path, params, headers))
            failure = server.failure
            if failure is not None:
                if failure.drop:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)  # SHUT_RDWR: the client reads nothing
                    return
                if failure.delay:
                    server._released.wait(failure.delay)
                self._send(failure.status or 200, failure.body, "application/json")
                return
            status, payload = server.answer(url.path, params)
            body = json.dumps(payload, ensure_ascii=False).encode()
            self._send(status, body, "application/json; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format, *args) -> None:  # quiet
            pass

    return Handler


class FakeClock:
    """A monotonic clock whose ``sleep`` only moves time forward and records the wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.contextmanager
def fake_geocoder_server() -> Iterator[FakeGeocoderServer]:
    """The server, the settings pointing at it, a clean cache and a fake throttle clock."""
    server = FakeGeocoderServer().start()
    server.clock = FakeClock()
    saved = NOMINATIM_THROTTLE.clock, NOMINATIM_THROTTLE.sleep
    NOMINATIM_THROTTLE.clock, NOMINATIM_THROTTLE.sleep = server.clock, server.clock.sleep
    NOMINATIM_THROTTLE.reset()
    cache.clear()
    try:
        with override_settings(**server.settings()):
            yield server
    finally:
        NOMINATIM_THROTTLE.clock, NOMINATIM_THROTTLE.sleep = saved
        NOMINATIM_THROTTLE.reset()
        cache.clear()
        server.stop()


@pytest.fixture
def fake_geocoder() -> Iterator[FakeGeocoderServer]:
    with fake_geocoder_server() as server:
        yield server
