import pytest
from django.test import RequestFactory
from wagtail.models import Site

from core.tenancy import CommuneMiddleware


def _commune_for_host(host):
    captured = {}

    def get_response(request):
        captured["commune"] = request.commune
        return None

    CommuneMiddleware(get_response)(RequestFactory().get("/", HTTP_HOST=host))
    return captured["commune"]


def test_host_name_selects_the_commune(commune, other_commune):
    assert _commune_for_host("saint-malo.localhost") == commune
    assert _commune_for_host("cocody.localhost:8000") == other_commune


def test_platform_host_has_no_commune(commune):
    Site.objects.filter(is_default_site=True).exclude(pk=commune.site_id).update(
        hostname="localhost"
    )
    assert _commune_for_host("localhost") is None


def test_healthz_checks_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}


def test_healthz_answers_503_when_the_broker_is_down(client, db, monkeypatch):
    class DeadBroker:
        def ping(self):
            raise ConnectionError("broker down")

    monkeypatch.setattr("django_q.brokers.get_broker", lambda: DeadBroker())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}


@pytest.mark.django_db
def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
