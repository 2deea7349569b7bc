"""The police's read-only space for the communities' alerts (issue 20, COM-2, ALR-2).

A police account of a *partner* commune reads its communities' alerts, in the Wagtail
admin (list, inspect) and through the API, receives them in-app and by e-mail like the
town hall's team, and never sends a town-hall alert nor reads another commune's, nor
the town hall's own alerts; in a commune that is not a partner, it reads nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from communes.models import Commune, StaffRole
from modules.alerts import services
from modules.alerts.selectors import alerts_for_staff, alerts_visible_to
from notifications.models import Channel, Delivery, Notification
from tests.follows import grant
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
INDEX = "/admin/alerts/"
HOST = "saint-malo.localhost"
BASE = "/api/v1/communes/saint-malo/alerts/"


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 0


def make_police(commune, first_name="Paul", last_name="Police"):
    from tests.factories import UserFactory

    user = UserFactory(first_name=first_name, last_name=last_name)
    return grant(commune, user, StaffRole.Role.POLICE).user


def as_partner(commune) -> None:
    Commune.objects.filter(pk=commune.pk).update(is_partner=True)
    commune.refresh_from_db()


@pytest.fixture
def police(alert_world):
    as_partner(alert_world.commune)
    return make_police(alert_world.commune)


@pytest.fixture
def alerts(alert_world):
    w = alert_world
    return {
        "community": services.send_community_alert(
            author=w.member, text="Démarcheur suspect rue des Lilas."
        ),
        "town_hall": services.send_town_hall_alert(
            by=w.communication, commune=w.commune, category="roads", text="Pont fermé."
        ),
    }


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- the admin: list and inspect, read only ------------------------------------------------------


def test_police_lists_and_inspects_the_communities_alerts_only(alert_world, police, alerts):
    w = alert_world
    client = admin_client(police)
    listing = client.get(INDEX)
    assert listing.status_code == 200
    assert "Démarcheur suspect rue des Lilas." in listing.text
    assert w.member.get_full_name() in listing.text  # PRIV: an alert's author, real name
    assert "Pont fermé." not in listing.text  # the town hall's own alerts are not theirs
    assert f"{INDEX}new/" not in listing.text  # no "Send an alert"
    assert list(alerts_for_staff(user=police)) == [alerts["community"]]

    inspect = client.get(f"{INDEX}inspect/{alerts['community'].pk}/")
    assert inspect.status_code == 200
    assert w.member.get_full_name() in inspect.text
    assert w.member.email not in inspect.text
    assert client.get(f"{INDEX}inspect/{alerts['town_hall'].pk}/").status_code == 404
    assert client.get(f"{INDEX}edit/{alerts['community'].pk}/").status_code in (302, 403, 404)


def test_police_never_sends_a_town_hall_alert(alert_world, police, alerts):
    client = admin_client(police)
    response = client.get(f"{INDEX}new/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.post(
        f"{INDEX}new/",
        {"commune": alert_world.commune.pk, "category": "roads", "text": "Faux", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not services.Alert.objects.filter(text="Faux").exists()
    refused = api(police).post(
        f"{BASE}town-hall/", {"category": "roads", "text": "Faux", "confirm": True}, format="json"
    )
    assert refused.status_code == 403


def test_police_of_a_commune_that_is_not_a_partner_reads_nothing(alert_world, alerts):
    police = make_police(alert_world.commune)  # Saint-Malo is not a partner here
    client = admin_client(police)
    assert client.get(INDEX).status_code == 302
    assert "data-alerts-police" not in client.get("/admin/").text
    assert list(alerts_for_staff(user=police)) == []
    assert api_ids(api(police).get(BASE)) == []


def test_police_of_another_commune_reads_none_of_these(alert_world, alerts, other_commune):
    as_partner(alert_world.commune)
    as_partner(other_commune)
    elsewhere = make_police(other_commune, first_name="Kouassi")
    assert list(alerts_for_staff(user=elsewhere)) == []
    assert list(alerts_visible_to(elsewhere, alert_world.commune)) == []
    client = admin_client(elsewhere, host="localhost")
    assert client.get(INDEX).status_code == 200
    assert "Démarcheur suspect" not in client.get(INDEX).text
    assert client.get(f"{INDEX}inspect/{alerts['community'].pk}/").status_code == 404
    assert api_ids(api(elsewhere).get(BASE)) == []


def test_the_admin_home_welcomes_the_police_to_its_space(alert_world, police, alerts):
    with translation.override("en"):
        home = admin_client(police).get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert home.status_code == 200
    assert 'data-alerts-police="Saint-Malo"' in home.text
    assert f'href="{INDEX}"' in home.text
    # The town hall's team is not welcomed as police.
    assert "data-alerts-police" not in admin_client(alert_world.communication).get("/admin/").text


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_the_communities_alerts_to_the_police(alert_world, police, alerts):
    near = services.send_community_alert(author=alert_world.near_member, text="Fuite d’eau.")
    assert api_ids(api(police).get(BASE)) == [near.pk, alerts["community"].pk]
    detail = api(police).get(f"{BASE}{alerts['community'].pk}/")
    assert detail.status_code == 200
    assert detail.json()["author_name"] == alert_world.member.get_full_name()
    assert api(police).get(f"{BASE}{alerts['town_hall'].pk}/").status_code == 404


# --- ALR-2: the attached police receives the communities' alerts ------------------------------


def test_a_police_account_receives_a_community_alert_in_app_and_by_email(
    alert_world, police, django_capture_on_commit_callbacks
):
    w = alert_world
    w.commune.police_email = "police@saint-malo.example"
    w.commune.save()
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.send_community_alert(author=w.member, text="Démarcheur suspect.")
    assert Notification.objects.filter(event=alert.event, recipient=police).count() == 1
    assert list(
        Delivery.objects.filter(event=alert.event, recipient=police).values_list(
            "channel", flat=True
        )
    ) == [Channel.EMAIL]
    assert not Delivery.objects.filter(recipient=police, channel=Channel.SMS).exists()


def test_police_of_a_commune_that_is_not_a_partner_receives_nothing(alert_world):
    w = alert_world
    police = make_police(w.commune)
    alert = services.send_community_alert(author=w.member, text="Démarcheur suspect.")
    assert not Notification.objects.filter(event=alert.event, recipient=police).exists()
    assert not Delivery.objects.filter(recipient=police).exists()


def test_police_does_not_receive_the_town_halls_own_alerts(alert_world, police):
    w = alert_world
    alert = services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="roads", text="Pont fermé."
    )
    assert not Notification.objects.filter(event=alert.event, recipient=police).exists()
