import pytest
from rest_framework.test import APIClient

from tests.factories import HostingPartnerFactory, UserFactory, make_commune

# fake_geocoder: a local stand-in for BAN and Nominatim (tests never reach the internet).
pytest_plugins = [
    "tests.fakes.geocoder",
    "tests.notifications",
    "tests.twinning",
    "tests.alerts",
]


@pytest.fixture
def partner(db):
    return HostingPartnerFactory()


@pytest.fixture
def commune(partner):
    return make_commune(
        partner,
        name="Saint-Malo",
        slug="saint-malo",
        hostname="saint-malo.localhost",
        official_code="35288",
        postal_codes="35400",
    )


@pytest.fixture
def other_commune(partner):
    return make_commune(
        partner,
        name="Cocody",
        slug="cocody",
        hostname="cocody.localhost",
        country="CI",
        official_code="CI-AB-03",
    )


@pytest.fixture
def resident(db):
    return UserFactory(first_name="Marie", last_name="Durand")


@pytest.fixture
def api_client():
    return APIClient()
