import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.factories import HostingPartnerFactory, UserFactory, make_commune


def token_client(user) -> APIClient:
    """An API client authenticated like an app: ``Authorization: Token <key>``."""
    _token, key = DeviceToken.issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def partner_staff(partner):
    user = UserFactory(first_name="Paul", last_name="Hébergeur")
    partner.staff.add(user)
    return user


@pytest.fixture
def staff_api(partner_staff):
    return token_client(partner_staff)


@pytest.fixture
def rival_staff(db):
    """Staff of another hosting partner, who owns the commune of Dinard."""
    user = UserFactory()
    partner = HostingPartnerFactory(staff=[user])
    user.rival_partner = partner
    user.rival_commune = make_commune(
        partner, name="Dinard", slug="dinard", hostname="dinard.localhost"
    )
    return user


@pytest.fixture
def rival_api(rival_staff):
    return token_client(rival_staff)


@pytest.fixture
def resident_api(resident):
    return token_client(resident)
