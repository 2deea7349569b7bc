"""One trusted-proxy rule for every limit (issue 21, item 1).

DRF took the whole X-Forwarded-For header as the client's identity, so a made-up header
per request dodged the token and registration throttles; django-axes and the audit log read
it through django-ipware. ``core.client.client_address`` is now the only rule.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.client import client_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()
    yield
    cache.clear()


def test_token_attempts_with_rotating_headers_meet_the_limit():
    client = APIClient()
    statuses = []
    for attempt in range(11):  # 10 a minute
        response = client.post(
            "/api/v1/auth/tokens/",
            {"email": f"nobody{attempt}@example.org", "password": "wrong", "device_name": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt + 1}",
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_without_a_proxy_the_header_changes_nothing(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert client_address(request) == "192.0.2.10"


def test_behind_one_proxy_the_client_is_what_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote 203.0.113.7 itself; nginx appended the address it saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.20"
    )
    assert client_address(request) == "198.51.100.20"


def test_behind_two_proxies_and_with_a_short_or_broken_header(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    chain = "203.0.113.7, 198.51.100.20, 10.0.0.9"
    factory = RequestFactory()
    assert client_address(factory.get("/", HTTP_X_FORWARDED_FOR=chain)) == "198.51.100.20"
    short = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert client_address(short) == "198.51.100.20"
    broken = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="x, not-an-ip")
    assert client_address(broken) == "10.0.0.2"
    assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_axes_and_the_audit_log_use_the_same_rule(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert get_client_ip_address(request) == "192.0.2.10"
