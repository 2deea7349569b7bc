"""ACC-7: addresses geocoded by BAN (France) or Nominatim (Côte d'Ivoire), against a local fake.

No test reaches the internet: ``fake_geocoder`` (tests/fakes/geocoder.py) answers like
both services on 127.0.0.1 and the settings point at it.
"""

import pytest
from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from rest_framework.throttling import ScopedRateThrottle

from accounts.forms_address import AddressFieldsMixin, address_initial
from accounts.geocoding import (
    NOT_FOUND,
    BanGeocoder,
    GeocodedAddress,
    GeocodingUnavailable,
    NominatimGeocoder,
    Throttle,
    geocoder_for_country,
    locate_address,
    point_from_coordinates,
)

pytestmark = pytest.mark.django_db

SITE_SEARCH = reverse("accounts:address_search")
API_SEARCH = reverse("api:v1:geocoding-search")
HOST = "saint-malo.localhost"


def fr(message) -> str:
    """A message as French readers get it (the catalogue is filled by the lead's merge)."""
    with translation.override("fr"):
        return str(message)


# --- Backends ------------------------------------------------------------------


def test_ban_search_parses_a_french_address_with_accents(fake_geocoder):
    results = BanGeocoder().search("12 rue de l'église Saint-Malo")

    assert results == [
        GeocodedAddress(
            label="12 Rue de l'Église 35400 Saint-Malo",
            latitude=48.649337,
            longitude=-2.025674,
            postcode="35400",
            city="Saint-Malo",
            citycode="35288",
            country="FR",
            score=0.9712,
        )
    ]
    request = fake_geocoder.requests[-1]
    assert request.path == "/ban/search/"
    assert request.params == {"q": "12 rue de l'église Saint-Malo", "limit": "5"}
    assert results[0].point.coords == (-2.025674, 48.649337)
    assert results[0].point.srid == 4326


def test_nominatim_search_parses_an_address_in_cocody(fake_geocoder):
    results = NominatimGeocoder("ci").search("Boulevard Latrille Cocody", limit=3)

    assert len(results) == 1
    found = results[0]
    assert found.label == "Boulevard Latrille, Deux Plateaux, Cocody, Abidjan, Côte d’Ivoire"
    assert (found.latitude, found.longitude) == (5.3640927, -3.9953315)
    assert (found.postcode, found.citycode, found.country) == ("", "", "CI")
    assert found.city == "Abidjan"
    assert fake_geocoder.requests[-1].params == {
        "format": "jsonv2",
        "q": "Boulevard Latrille Cocody",
        "limit": "3",
        "addressdetails": "1",
        "countrycodes": "ci",
    }


def test_nothing_found_is_an_empty_list(fake_geocoder):
    assert BanGeocoder().search("99 impasse inconnue") == []
    assert NominatimGeocoder("ci").search("rue inconnue, Yopougon") == []


def test_a_query_shorter_than_three_characters_asks_nobody(fake_geocoder):
    assert BanGeocoder().search("  12 ") == []
    assert NominatimGeocoder().search("ab") == []
    assert fake_geocoder.requests == []


def test_a_lone_surrogate_from_json_does_not_break_the_request(fake_geocoder):
    assert BanGeocoder().search("12 rue \ud800 du port") == []
    assert fake_geocoder.requests[-1].params["q"] == "12 rue ? du port"


def test_reverse_gives_the_nearest_address(fake_geocoder):
    ban = BanGeocoder().reverse(48.64934, -2.02568)
    nominatim = NominatimGeocoder().reverse(5.36409, -3.99533)

    assert ban is not None and ban.citycode == "35288"
    assert nominatim is not None and nominatim.city == "Abidjan"
    assert fake_geocoder.requests[0].path == "/ban/reverse/"
    assert fake_geocoder.requests[1].params["format"] == "jsonv2"
    assert NominatimGeocoder().reverse(0.5, 0.5) is None  # {"error": "Unable to geocode"}
    assert BanGeocoder().reverse(45.0, 3.0) is None


def test_search_in_a_commune_prefers_its_addresses_then_looks_further(fake_geocoder, commune):
    fake_geocoder.add(
        "12 Rue de l'Église 35800 Dinard",
        48.6325,
        -2.0617,
        postcode="35800",
        city="Dinard",
        citycode="35093",
    )

    in_commune = BanGeocoder().search("12 rue de l'Église", near=commune)
    elsewhere = BanGeocoder().search("12 rue de l'eglise dinard", near=commune)

    assert [r.city for r in in_commune] == ["Saint-Malo"]
    assert [r.city for r in elsewhere] == ["Dinard"]
    assert [r.params.get("citycode") for r in fake_geocoder.requests] == ["35288", "35288", None]


def test_the_country_picks_the_geocoder():
    assert isinstance(geocoder_for_country("FR"), BanGeocoder)
    ivory = geocoder_for_country("CI")
    assert isinstance(ivory, NominatimGeocoder) and ivory.country_code == "ci"
    unknown = geocoder_for_country("")
    assert isinstance(unknown, NominatimGeocoder) and unknown.country_code == ""
    assert geocoder_for_country("be").country_code == "be"
    assert BanGeocoder.supports_autocomplete and not NominatimGeocoder.supports_autocomplete


def test_results_are_cached_by_backend_and_normalised_query(fake_geocoder):
    first = BanGeocoder().search("12 rue de l'église saint-malo")
    again = BanGeocoder().search("  12 RUE de l'Église   SAINT-MALO ")
    NominatimGeocoder().search("boulevard latrille cocody")
    NominatimGeocoder().search("Boulevard  Latrille COCODY")

    assert again == first
    assert len(fake_geocoder.requests_to("ban")) == 1
    assert len(fake_geocoder.requests_to("nominatim")) == 1


@pytest.mark.parametrize("backend", ["ban", "nominatim"])
def test_every_request_names_the_application(fake_geocoder, backend):
    geocoder = BanGeocoder() if backend == "ban" else NominatimGeocoder()
    with override_settings(GEOCODER_USER_AGENT="Voisinage-test/1.0 (tech@example.org)"):
        geocoder.search("quelque part")

    headers = fake_geocoder.requests[-1].headers
    assert headers["user-agent"] == "Voisinage-test/1.0 (tech@example.org)"
    assert headers["accept-language"] == "fr"


# --- Nominatim's one request a second ---------------------------------------------


def test_nominatim_waits_a_second_between_two_requests(fake_geocoder):
    clock = fake_geocoder.clock
    geocoder = NominatimGeocoder()

    geocoder.search("boulevard latrille cocody")
    geocoder.search("rue des jardins cocody")
    clock.advance(5)
    geocoder.search("rue du lycée technique")
    geocoder.search("boulevard latrille cocody")  # cached: no request, no wait
    BanGeocoder().search("12 rue de l'église")  # BAN is not throttled

    assert clock.sleeps == [pytest.approx(1.0)]
    assert len(fake_geocoder.requests) == 4


def test_the_throttle_refuses_rather_than_queue_forever():
    waits: list[float] = []
    # A clock that stands still: three requests at the same moment.
    throttle = Throttle(1.0, clock=lambda: 1000.0, sleep=waits.append)

    throttle.wait(max_wait=1.5)
    throttle.wait(max_wait=1.5)
    with pytest.raises(GeocodingUnavailable):
        throttle.wait(max_wait=1.5)  # its slot is 2 s away

    assert waits == [pytest.approx(1.0)]


# --- Provider failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "delay"),
    [
        (500, b'{"message": "Internal Server Error"}', 0),
        (502, b"<html>Bad gateway</html>", 0),
        (429, b'{"message": "Too many requests"}', 0),
        (200, b"<html>not json</html>", 0),
        (200, b'{"unexpected": "shape"}', 0),
        (200, b"", 3),  # slower than GEOCODER_TIMEOUT (0.5 s)
    ],
    ids=["500", "502", "429", "not-json", "wrong-shape", "timeout"],
)
@pytest.mark.parametrize("backend", ["ban", "nominatim"])
def test_provider_errors_are_one_exception(fake_geocoder, backend, status, body, delay):
    geocoder = BanGeocoder() if backend == "ban" else NominatimGeocoder()
    fake_geocoder.fail(status, body=body, delay=delay)

    with pytest.raises(GeocodingUnavailable) as error:
        geocoder.search("12 rue de l'église saint-malo")

    assert str(error.value.message) == str(GeocodingUnavailable.message)
    fake_geocoder.recover()
    fake_geocoder.clock.advance(2)
    geocoder.search("12 rue de l'église saint-malo")  # the failure was not cached
    assert len(fake_geocoder.requests) == 2


def test_an_unreachable_provider_is_unavailable(fake_geocoder):
    fake_geocoder.stop()
    with pytest.raises(GeocodingUnavailable):
        BanGeocoder().search("12 rue de l'église")


def test_a_query_the_provider_rejects_finds_nothing(fake_geocoder):
    fake_geocoder.fail(400, body=b'{"code": 400, "message": "q must start with a letter"}')
    assert BanGeocoder().search("--- 12 rue") == []


# --- Coordinates -----------------------------------------------------------------------


def test_coordinates_become_a_wgs84_point():
    point = point_from_coordinates("5.3640927", -3.9953315)
    assert isinstance(point, Point)
    assert (point.x, point.y, point.srid) == (-3.9953315, 5.3640927, 4326)


@pytest.mark.parametrize(
    ("latitude", "longitude", "fields"),
    [
        (91, 0, {"latitude"}),
        (0, -180.5, {"longitude"}),
        ("nord", None, {"latitude", "longitude"}),
        (float("nan"), float("inf"), {"latitude", "longitude"}),
    ],
)
def test_coordinates_out_of_range_are_field_errors(latitude, longitude, fields):
    with pytest.raises(ValidationError) as error:
        point_from_coordinates(latitude, longitude)
    assert set(error.value.message_dict) == fields


# --- An account's address (forms and API alike) -------------------------------------------


def test_locate_address_takes_coordinates_as_they_are(fake_geocoder):
    address, point = locate_address(address=" 12 rue de l'Église ", latitude=48.6, longitude=-2.0)
    assert (address, point.coords) == ("12 rue de l'Église", (-2.0, 48.6))
    assert fake_geocoder.requests == []


def test_locate_address_geocodes_in_the_communes_country(fake_geocoder, other_commune):
    address, point = locate_address(address="Bd Latrille, Cocody", commune=other_commune)
    assert address == "Boulevard Latrille, Deux Plateaux, Cocody, Abidjan, Côte d’Ivoire"
    assert point.srid == 4326
    assert locate_address(address="  ") == ("", None)


@pytest.mark.parametrize(
    ("failure", "code"), [(None, "not_found"), (500, "unavailable")], ids=["unknown", "down"]
)
def test_locate_address_errors_are_on_the_address_field(fake_geocoder, failure, code):
    if failure:
        fake_geocoder.fail(failure)
    with pytest.raises(ValidationError) as error:
        locate_address(address="99 chemin introuvable")
    assert [e.code for e in error.value.error_dict["address"]] == [code]


def test_locate_address_refuses_coordinates_out_of_range(fake_geocoder):
    with pytest.raises(ValidationError) as error:
        locate_address(address="ici", latitude=12.0, longitude=200.0)
    assert list(error.value.message_dict) == ["longitude"]


# --- The site's address search -----------------------------------------------------------


def site_client() -> Client:
    return Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="fr")


def test_site_search_suggests_addresses_of_the_hosts_commune(fake_geocoder, commune):
    response = site_client().get(SITE_SEARCH, {"q": "12 rue de l'égl"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "label": "12 Rue de l'Église 35400 Saint-Malo",
                "latitude": 48.649337,
                "longitude": -2.025674,
                "postcode": "35400",
                "city": "Saint-Malo",
            }
        ]
    }
    assert fake_geocoder.requests[-1].params["citycode"] == "35288"


def test_site_search_uses_the_named_communes_country(fake_geocoder, commune, other_commune):
    response = site_client().get(SITE_SEARCH, {"q": "bd latrille, cocody", "commune": "cocody"})

    assert response.status_code == 200
    assert response.json()["results"][0]["city"] == "Abidjan"
    assert fake_geocoder.requests[-1].path == "/nominatim/search"
    for slug in ("nulle-part", "coc\x00ody"):
        missing = site_client().get(SITE_SEARCH, {"q": "rue du port", "commune": slug})
        assert missing.status_code == 404


def test_site_search_ignores_short_queries(fake_geocoder, commune):
    response = site_client().get(SITE_SEARCH, {"q": "12"})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert fake_geocoder.requests == []


def test_site_search_answers_503_when_the_provider_is_down(fake_geocoder, commune):
    fake_geocoder.fail(503, body=b"Service Unavailable")

    response = site_client().get(SITE_SEARCH, {"q": "12 rue de l'église"})

    assert response.status_code == 503
    assert response.json() == {"error": fr(GeocodingUnavailable.message), "results": []}


def test_site_search_gives_the_address_of_a_position(fake_geocoder, commune):
    response = site_client().get(SITE_SEARCH, {"lat": "48.64934", "lon": "-2.02568"})
    assert response.json()["results"][0]["label"] == "12 Rue de l'Église 35400 Saint-Malo"
    assert site_client().get(SITE_SEARCH, {"lat": "100", "lon": "0"}).status_code == 400


def test_site_search_only_answers_get(fake_geocoder, commune):
    assert site_client().post(SITE_SEARCH, {"q": "12 rue"}).status_code == 405


# --- The API -----------------------------------------------------------------------------


def test_api_search_in_france_and_in_cote_divoire(fake_geocoder, api_client):
    france = api_client.get(API_SEARCH, {"q": "12 rue de l'eglise saint-malo"})
    ivory = api_client.get(API_SEARCH, {"q": "Boulevard Latrille", "country": "CI", "limit": 2})

    assert france.status_code == 200
    assert france.json()["results"][0] == {
        "label": "12 Rue de l'Église 35400 Saint-Malo",
        "latitude": 48.649337,
        "longitude": -2.025674,
        "postcode": "35400",
        "city": "Saint-Malo",
        "citycode": "35288",
        "country": "FR",
        "score": 0.9712,
    }
    assert ivory.status_code == 200
    assert ivory.json()["results"][0]["country"] == "CI"
    assert fake_geocoder.requests[-1].params["limit"] == "2"


def test_api_search_with_a_short_query_is_empty(fake_geocoder, api_client):
    response = api_client.get(API_SEARCH, {"q": "ab"})
    assert (response.status_code, response.json()) == (200, {"results": []})
    assert fake_geocoder.requests == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "12 rue", "country": "XX"}, "country"),
        ({"q": "12 rue", "limit": "0"}, "limit"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_api_search_bad_input_is_400_with_field_messages(fake_geocoder, api_client, params, field):
    response = api_client.get(API_SEARCH, params, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_api_search_answers_503_when_the_provider_is_down(fake_geocoder, api_client):
    fake_geocoder.fail(500)

    response = api_client.get(API_SEARCH, {"q": "12 rue de l'église"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 503
    assert response.json() == {"detail": fr(GeocodingUnavailable.message)}


def test_api_search_is_throttled(fake_geocoder, api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "geocoding", "2/minute")

    codes = [api_client.get(API_SEARCH, {"q": "12 rue"}).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_api_search_is_documented(client, db):
    schema = client.get(
        reverse("api:v1:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    operation = schema["paths"]["/api/v1/geocoding/search/"]["get"]

    assert operation["tags"] == ["geocoding"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "country", "limit"}
    assert {"200", "400", "429", "503"} <= set(operation["responses"])


# --- The address fields of a form ----------------------------------------------------------


class AddressForm(AddressFieldsMixin, forms.Form):
    pass


def test_coordinates_from_the_map_are_taken_as_they_are(fake_geocoder, commune):
    form = AddressForm(
        {"address": "12 rue de l'Église", "latitude": "48.6494", "longitude": "-2.0258"},
        commune=commune,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["address"] == "12 rue de l'Église"
    assert form.cleaned_data["location"].coords == (-2.0258, 48.6494)
    assert fake_geocoder.requests == []


def test_a_typed_address_is_geocoded_on_the_server(fake_geocoder, commune):
    form = AddressForm({"address": "12 rue de l'eglise saint-malo"}, commune=commune)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["address"] == "12 Rue de l'Église 35400 Saint-Malo"
    assert form.cleaned_data["location"].coords == (-2.025674, 48.649337)
    assert fake_geocoder.requests[-1].params["limit"] == "1"


def test_a_commune_in_cote_divoire_geocodes_with_nominatim(fake_geocoder, other_commune):
    form = AddressForm({"address": "Boulevard Latrille, Cocody"}, commune=other_commune)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["location"].y == pytest.approx(5.3640927)
    assert fake_geocoder.requests[-1].path == "/nominatim/search"


def test_without_commune_the_form_geocodes_in_france(fake_geocoder):
    form = AddressForm({"address": "12 rue de l'église saint-malo"})
    assert form.is_valid(), form.errors
    assert fake_geocoder.requests[-1].path == "/ban/search/"


def test_an_address_nobody_knows_is_a_french_field_error(fake_geocoder, commune):
    with translation.override("fr"):
        form = AddressForm({"address": "99 chemin introuvable"}, commune=commune)
        assert not form.is_valid()
        assert form.errors["address"] == [fr(NOT_FOUND)]
    assert "location" not in form.cleaned_data


def test_a_provider_down_keeps_the_typed_address_without_a_point(fake_geocoder, commune):
    fake_geocoder.fail(500)
    form = AddressForm({"address": " 12 rue de l'église "}, commune=commune)

    assert form.is_valid(), form.errors  # the geocoder is never a reason to refuse
    assert form.cleaned_data["address"] == "12 rue de l'église"
    assert form.cleaned_data["location"] is None
    assert form.cleaned_data["location_pending"] is True


def test_coordinates_out_of_range_are_refused(fake_geocoder, commune):
    form = AddressForm(
        {"address": "12 rue de l'Église", "latitude": "123", "longitude": "2"}, commune=commune
    )
    assert not form.is_valid()
    assert list(form.errors) == ["address"]


def test_the_address_is_required_unless_the_form_says_otherwise(fake_geocoder):
    assert list(AddressForm({}).errors) == ["address"]

    class Optional(AddressFieldsMixin, forms.Form):
        address_required = False

    form = Optional({})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["location"] is None
    assert fake_geocoder.requests == []


def test_initial_values_of_an_existing_address():
    assert address_initial("1 place du Marché", Point(-2.0, 48.6, srid=4326)) == {
        "address": "1 place du Marché",
        "latitude": 48.6,
        "longitude": -2.0,
    }
    assert address_initial(None, None) == {"address": ""}


def test_the_include_renders_a_combobox_a_map_and_no_cdn(fake_geocoder, other_commune):
    form = AddressForm(initial=address_initial("Bd Latrille", Point(-3.99, 5.36, srid=4326)))
    form.commune = other_commune

    html = render_to_string("includes/address_field.html", {"form": form})

    assert 'role="listbox"' in html and 'id="id_address_listbox"' in html
    assert 'data-search-url="/compte/adresse/recherche/?commune=cocody"' in html
    assert 'data-autocomplete="false"' in html  # Nominatim forbids search-as-you-type
    assert f'data-tiles-url="{fake_geocoder.base_url}/tiles/{{z}}/{{x}}/{{y}}.png"' in html
    assert 'name="latitude" value="5.36"' in html
    assert 'name="longitude" value="-3.99"' in html
    assert "/static/leaflet/leaflet.js" in html
    assert "/static/themes/default/js/address.js" in html
    assert "/static/themes/default/css/address.css" in html
    assert "data-address-map-block hidden" in html  # the map needs JavaScript
    for cdn in ("unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com"):
        assert cdn not in html
