"""COM-5: a commune's territory (boundary, or a radius around its centre) in one place."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from communes import demo, territory
from communes.forms import CommuneEditForm
from communities import demo as communities_demo
from tests.factories import UserFactory

SAINT_MALO_HOME = Point(-2.025674, 48.649337, srid=4326)  # 12 rue de l'Église, intra-muros
RENNES = Point(-1.6778, 48.1173, srid=4326)  # 64 km south-east
DINARD = Point(-2.0617, 48.6325, srid=4326)  # across the Rance: another commune


@pytest.fixture
def saint_malo(commune):
    commune.boundary = demo.boundary("saint-malo")
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.save()
    return commune


def test_a_point_inside_the_boundary_is_inside(saint_malo):
    assert territory.contains(saint_malo, SAINT_MALO_HOME)


def test_a_point_outside_the_boundary_is_outside_even_near_the_centre(saint_malo):
    # Dinard is 3 km from the centre, well within any radius, but outside the boundary.
    assert territory.distance_km(saint_malo.center, DINARD) < 5
    assert not territory.contains(saint_malo, DINARD)
    assert not territory.contains(saint_malo, RENNES)


def test_the_edge_of_the_boundary_counts_as_inside(saint_malo):
    corner = demo.TERRITORIES["saint-malo"][1][0]
    assert territory.contains(saint_malo, Point(*corner, srid=4326))


def test_without_boundary_the_default_radius_around_the_centre_applies(commune, settings):
    settings.COMMUNE_DEFAULT_RADIUS_KM = 15
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    assert territory.contains(commune, DINARD)  # 3 km
    assert not territory.contains(commune, RENNES)  # 64 km
    settings.COMMUNE_DEFAULT_RADIUS_KM = 70
    assert territory.contains(commune, RENNES)


def test_a_communes_own_radius_overrides_the_default(commune, settings):
    settings.COMMUNE_DEFAULT_RADIUS_KM = 15
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.radius_km = 2
    assert not territory.contains(commune, DINARD)  # 3 km > 2 km
    assert territory.contains(commune, SAINT_MALO_HOME)


def test_the_distance_is_measured_on_the_sphere():
    # Saint-Malo town hall to Rennes town hall: 65 km as the crow flies.
    assert territory.distance_km(Point(-2.0253, 48.6493), Point(-1.6793, 48.1113)) == (
        pytest.approx(65.05, abs=0.05)
    )


def test_without_boundary_nor_centre_nothing_is_refused(commune):
    assert commune.boundary is None and commune.center is None
    assert territory.contains(commune, RENNES)
    territory.check_point(commune, RENNES)  # no error


def test_the_refusal_names_the_commune_in_french(saint_malo):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        territory.check_point(saint_malo, RENNES)
    assert error.value.message_dict == {
        "address": [
            "Ce point est en dehors de Saint-Malo. Placez-le sur votre domicile, dans la "
            "commune, ou vérifiez l’adresse."
        ]
    }


def test_a_shape_must_lie_wholly_inside(saint_malo, settings):
    inside = Polygon.from_bbox((-2.03, 48.645, -2.02, 48.652))
    across = Polygon.from_bbox((-2.07, 48.63, -2.02, 48.64))  # over the Rance to Dinard
    assert territory.contains_geometry(saint_malo, inside)
    assert not territory.contains_geometry(saint_malo, across)
    saint_malo.boundary = None
    saint_malo.radius_km = 1
    assert territory.contains_geometry(saint_malo, inside)
    assert not territory.contains_geometry(saint_malo, Polygon.from_bbox((-2.03, 48.64, -2, 48.66)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("POINT (-2 48)", "The boundary must be a polygon in GeoJSON or WKT."),
        ("not a shape", "The boundary must be a polygon in GeoJSON or WKT."),
        ("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", "The boundary is not valid"),
        ("POLYGON ((0 0, 400 0, 400 1, 0 0))", "longitudes and latitudes"),
    ],
    ids=["point", "garbage", "self-crossing", "out-of-range"],
)
def test_a_bad_boundary_is_refused(text, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        territory.parse_boundary(text)
    assert message in error.value.messages[0]


def test_a_polygon_becomes_a_multipolygon_and_empty_is_none():
    geojson = json.dumps(
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    )
    boundary = territory.parse_boundary(geojson)
    assert isinstance(boundary, MultiPolygon) and boundary.srid == 4326
    assert territory.parse_boundary("  ") is None


def test_the_hosting_partner_sets_the_territory(commune, partner):
    staff = UserFactory()
    partner.staff.add(staff)
    territory.territory_update(
        by=staff,
        commune=commune,
        boundary=demo.boundary("saint-malo").geojson,
        center=Point(-2.0253, 48.6493, srid=4326),
        radius_km=None,
    )
    commune.refresh_from_db()
    assert commune.boundary.num_geom == 1
    assert commune.center.coords == (-2.0253, 48.6493)


def test_someone_else_cannot_set_the_territory(commune):
    with pytest.raises(PermissionDenied):
        territory.territory_update(by=UserFactory(), commune=commune, boundary=None)


def test_the_admin_form_reads_and_writes_the_territory(saint_malo):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    form = CommuneEditForm(instance=saint_malo, for_user=superuser)
    assert json.loads(form.initial["boundary"])["type"] == "MultiPolygon"
    assert form.initial["center_latitude"] == pytest.approx(48.6493)
    html = str(form["boundary"])
    assert "data-territory-editor" in html and "data-territory-boundary" in html
    assert "communes/admin/territory.js" in str(form.media)

    bound = CommuneEditForm(
        data={
            "boundary": "POLYGON ((-2.1 48.6, -1.9 48.6, -1.9 48.7, -2.1 48.7, -2.1 48.6))",
            "center_latitude": "48.65",
            "center_longitude": "",
            "territory_radius_km": "0.1",
        },
        instance=saint_malo,
        for_user=superuser,
    )
    bound.is_valid()
    assert "center_longitude" in bound.errors  # latitude without longitude
    assert "territory_radius_km" in bound.errors  # at least 0.5 km
    assert bound.cleaned_data["boundary"].geom_type == "MultiPolygon"


# --- maps -------------------------------------------------------------------------------


def test_maps_open_on_the_boundary_else_the_centre_else_the_country(commune, other_commune):
    assert territory.map_view(other_commune).center == (7.54, -5.55)  # Côte d'Ivoire
    assert territory.map_view(None).zoom == 6  # France
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    view = territory.map_view(commune)
    assert (view.center_attr, view.zoom, view.bounds, view.local) == (
        "48.649300,-2.025300",
        13,
        None,
        True,
    )
    commune.boundary = demo.boundary("saint-malo")
    view = territory.map_view(commune)
    assert view.bounds_attr == "48.600000,-2.045000,48.680000,-1.935000"
    assert json.loads(view.outline_attr)["type"] in {"Polygon", "MultiPolygon"}  # simplified


# --- the demo ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["saint-malo", "cocody"])
def test_demo_territories_hold_their_communities_and_residents(slug):
    boundary = demo.boundary(slug)
    assert boundary.valid
    assert 12 <= boundary.num_coords <= 30
    for _name, center, radii, members in communities_demo.COMMUNITIES[slug]:
        assert boundary.covers(communities_demo.outline(center, radii))
        for *_person, (east, north) in members:
            assert boundary.covers(Point(*communities_demo._offset(center, east, north)))


def test_demo_territories_match_the_real_extent():
    west, south, east, north = demo.boundary("saint-malo").extent
    assert 48.59 <= south < north <= 48.69 and -2.06 <= west < east <= -1.92
    west, south, east, north = demo.boundary("cocody").extent
    assert 5.31 <= south < north <= 5.43 and -4.03 <= west < east <= -3.91
    assert demo.boundary("cocody").covers(Point(-3.9953315, 5.3640927))  # Bd Latrille


# --- the Wagtail admin ------------------------------------------------------------------


@pytest.fixture
def partner_client(client, partner):
    from tests.platform.communes.test_admin import admin_user
    from tests.two_factor import verified_login

    staff = admin_user()
    partner.staff.add(staff)
    verified_login(client, staff)
    return client


def edit_data(partner, **territory):
    from tests.platform.communes.test_admin import create_form_data

    data = create_form_data(partner, name="Saint-Malo", official_code="35288", postal_codes="35400")
    data.update(territory)
    return data


def test_the_hosting_partner_draws_the_boundary_in_the_admin(partner_client, partner, commune):
    from django.urls import reverse

    url = reverse("commune:edit", args=[commune.pk])
    page = partner_client.get(url).content.decode()
    assert "data-territory-editor" in page and "communes/admin/territory.js" in page

    response = partner_client.post(
        url,
        edit_data(
            partner,
            boundary=demo.boundary("saint-malo").geojson,
            center_latitude="48.6493",
            center_longitude="-2.0253",
            territory_radius_km="",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    commune.refresh_from_db()
    assert commune.boundary.equals_exact(demo.boundary("saint-malo"), tolerance=1e-9)
    assert commune.center.coords == (-2.0253, 48.6493)
    assert commune.radius_km is None


def test_a_bad_boundary_is_a_form_error_and_changes_nothing(partner_client, partner, commune):
    from django.urls import reverse

    response = partner_client.post(
        reverse("commune:edit", args=[commune.pk]),
        edit_data(partner, boundary="POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", population="9999"),
    )
    assert response.status_code == 200
    assert "Les limites ne sont pas valides" in response.context["form"].errors["boundary"][0]
    commune.refresh_from_db()
    assert (commune.boundary, commune.population) == (None, 5000)
