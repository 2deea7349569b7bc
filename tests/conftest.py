import pytest
from django.core.cache import cache
from django.db import connections
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from tests.factories import HostingPartnerFactory, UserFactory, make_commune
from tests.initial_data import ensure_initial_data

# fake_geocoder: a local stand-in for BAN and Nominatim (tests never reach the internet).
pytest_plugins = [
    "tests.fakes.geocoder",
    "tests.notifications",
    "tests.twinning",
    "tests.alerts",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the limits counted there (DRF throttles,
    ``core.abuse.tally``: password resets, e-mail changes) must not carry from one test to
    the next, whatever the order."""
    cache.clear()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, put back the rows of data migrations.

    The flush deletes Wagtail's locale, root page and root collection, which every later
    test (transactional or not, in any folder) needs to make a commune.
    """
    yield
    # nextitem None: the run is over and the session's test database already gone.
    if nextitem is not None and _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            ensure_initial_data()
            connections.close_all()  # opened outside any test's context


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
