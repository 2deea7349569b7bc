"""The alerts API under /api/v1/communes/{slug}/alerts/ (ALR-1…ALR-5), from each user's side."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from modules.alerts import services
from modules.alerts.models import Alert
from notifications.models import Notification
from tests.alerts import switch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/communes/saint-malo/alerts/"
BANNER = f"{BASE}banner/"
TOWN_HALL = f"{BASE}town-hall/"


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def one(alert) -> str:
    return f"{BASE}{alert.pk}/"


def read(alert) -> str:
    return f"{BASE}{alert.pk}/read/"


def send(w, author=None, text="Démarcheur suspect rue des Lilas.", **kwargs) -> Alert:
    return services.send_community_alert(author=author or w.member, text=text, **kwargs)


def town_hall(w, text="Pont Saint-Vincent fermé.", **kwargs) -> Alert:
    kwargs.setdefault("category", "roads")
    return services.send_town_hall_alert(by=w.communication, commune=w.commune, text=text, **kwargs)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    data = response.json()
    items = data["results"] if isinstance(data, dict) else data
    return [item["id"] for item in items]


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 0


@pytest.fixture
def alerts(alert_world):
    w = alert_world
    return {
        "here": send(w),
        "near": send(w, author=w.near_member, text="Fuite d’eau à Saint-Servan."),
        "far": send(w, author=w.far_referent, text="Chien perdu à Paramé."),
        "town_hall": town_hall(w),
    }


# --- list ----------------------------------------------------------------------------------


def test_each_person_lists_what_they_may_read_newest_first(alert_world, alerts, partner_commune):
    w = alert_world
    a = alerts
    assert ids(api(w.sms_member).get(BASE)) == [
        a["town_hall"].pk,
        a["near"].pk,
        a["here"].pk,
    ]
    assert ids(api(w.near_member).get(BASE)) == [a["town_hall"].pk, a["near"].pk, a["here"].pk]
    assert ids(api(w.far_referent).get(BASE)) == [a["town_hall"].pk, a["far"].pk]
    assert ids(api(w.resident).get(BASE)) == [a["town_hall"].pk]
    assert ids(api(UserFactory()).get(BASE)) == []
    # The staff of a partner town hall see every alert of the commune (COM-2).
    assert ids(api(w.communication).get(BASE)) == [
        a["town_hall"].pk,
        a["far"].pk,
        a["near"].pk,
        a["here"].pk,
    ]
    assert api(None).get(BASE).status_code in (401, 403)


def test_a_town_hall_that_is_not_a_partner_does_not_see_community_alerts(alert_world, alerts):
    assert ids(api(alert_world.communication).get(BASE)) == [alerts["town_hall"].pk]


def test_an_item_and_its_nested_corrections(alert_world, alerts):
    w = alert_world
    w.member.pseudonym = "Chat Noir"
    w.member.save()
    correction = send(w, author=w.referent, text="C’était le facteur.", corrects=alerts["here"])
    data = api(w.sms_member).get(BASE).json()
    assert [item["id"] for item in data["results"]] == [
        alerts["town_hall"].pk,
        alerts["near"].pk,
        alerts["here"].pk,
    ]  # the correction is not an item of its own
    here = data["results"][2]
    assert here["kind"] == "community" and here["category"] == "security"
    assert here["text"] == "Démarcheur suspect rue des Lilas."
    assert here["author_name"] == w.member.get_full_name()  # never the pseudonym
    assert "Chat Noir" not in str(data)
    assert here["community"] == {
        "id": w.here.pk,
        "name": "Intra-muros",
        "commune": {"slug": "saint-malo", "name": "Saint-Malo"},
    }
    assert here["corrects"] is None and here["read"] is False
    [nested] = here["corrections"]
    assert nested["id"] == correction.pk and nested["text"] == "C’était le facteur."
    assert nested["author_name"] == w.referent.get_full_name()
    assert nested["read"] is False
    town = data["results"][0]
    assert town["kind"] == "town_hall" and town["community"] is None
    assert town["author_name"] is None and town["corrections"] == []
    # The twinned member got the alert by e-mail only: nothing to read in the app.
    assert data["results"][1]["read"] is True


def test_read_flag_follows_the_persons_notifications(alert_world, alerts):
    w = alert_world
    client = api(w.sms_member)
    response = client.post(read(alerts["here"]))
    assert response.status_code == 200 and response.json()["read"] is True
    assert Notification.objects.get(recipient=w.sms_member, event=alerts["here"].event).read_at
    items = {item["id"]: item for item in client.get(BASE).json()["results"]}
    assert items[alerts["here"].pk]["read"] is True
    assert items[alerts["town_hall"].pk]["read"] is False
    # The author was not notified of their own alert: it counts as read.
    mine = {item["id"]: item for item in api(w.member).get(BASE).json()["results"]}
    assert mine[alerts["here"].pk]["read"] is True


def test_the_list_costs_the_same_queries_for_2_or_20_alerts(alert_world):
    w = alert_world

    def add(count: int) -> None:
        for i in range(count):
            author = (w.member, w.referent, w.near_member)[i % 3]
            original = send(w, author=author, text=f"Alerte numéro {i}")
            send(w, author=author, text=f"Correction {i}", corrects=original)

    def queries() -> tuple[int, int]:
        client.get(BASE)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(BASE, {"page_size": 50})
        assert response.status_code == 200
        data = response.json()["results"]
        return len(captured), len(data) + sum(len(item["corrections"]) for item in data)

    client = api(w.sms_member)
    add(1)
    town_hall(w)
    few, few_items = queries()
    add(19)
    town_hall(w, text="Réouvert.", corrects=Alert.objects.filter(community=None).get())
    many, many_items = queries()
    assert (few_items, many_items) == (3, 42)
    assert few == many


# --- one alert -------------------------------------------------------------------------------


def test_one_alert_is_a_404_for_whoever_may_not_read_it(alert_world, alerts):
    w = alert_world
    assert api(w.near_member).get(one(alerts["here"])).json()["id"] == alerts["here"].pk
    for person in (w.far_referent, w.resident, UserFactory()):
        assert api(person).get(one(alerts["here"])).status_code == 404
        assert api(person).post(read(alerts["here"])).status_code == 404
    assert api(w.member).get(f"{BASE}999999/").status_code == 404


def test_reading_one_alert_does_not_mark_it_read(alert_world, alerts):
    w = alert_world
    assert api(w.sms_member).get(one(alerts["here"])).json()["read"] is False
    assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_alert_is_never_changed_nor_deleted(alert_world, alerts, method):
    w = alert_world
    for person in (w.member, w.communication):
        response = getattr(api(person), method)(
            one(alerts["here"]), {"confirm": True, "text": "Autre chose"}, format="json"
        )
        assert response.status_code == 405
    for path in (BASE, BANNER, TOWN_HALL, read(alerts["here"])):
        response = getattr(api(w.member), method)(
            path, {"confirm": True, "text": "x"}, format="json"
        )
        assert response.status_code == 405, path
    assert Alert.objects.get(pk=alerts["here"].pk).text == "Démarcheur suspect rue des Lilas."
    assert Alert.objects.count() == 4


# --- a member alerts their community ---------------------------------------------------------


def test_a_member_sends_an_alert(alert_world):
    w = alert_world
    response = api(w.member).post(
        BASE,
        {"confirm": True, "text": "  Arbre tombé rue de la Pie.  ", "category": "roads"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    alert = Alert.objects.get()
    data = response.json()
    assert data["id"] == alert.pk and data["kind"] == "community"
    assert data["text"] == "Arbre tombé rue de la Pie." and data["category"] == "roads"
    assert data["author_name"] == w.member.get_full_name()
    assert (alert.community, alert.author, alert.source) == (w.here, w.member, "api")
    assert alert.recipients == 3


def test_the_category_defaults_to_security(alert_world):
    response = api(alert_world.member).post(
        BASE, {"confirm": True, "text": "Alerte"}, format="json"
    )
    assert response.status_code == 201 and response.json()["category"] == "security"


def test_a_correction_through_the_api(alert_world, alerts):
    w = alert_world
    response = api(w.member).post(
        BASE,
        {"confirm": True, "text": "C’était le facteur.", "corrects": alerts["here"].pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["corrects"] == alerts["here"].pk
    assert Alert.objects.get(pk=response.json()["id"]).corrects == alerts["here"]


def test_someone_outside_the_communities_of_the_commune_gets_403(alert_world, other_commune):
    w = alert_world
    for person in (w.resident, w.communication, UserFactory()):
        response = api(person).post(BASE, {"confirm": True, "text": "Alerte"}, format="json")
        assert response.status_code == 403, response.json()
        # Even with bad input: who may send is answered first.
        assert (
            api(person).post(BASE, {"confirm": True, "text": ""}, format="json").status_code == 403
        )
    # A member of Saint-Malo on Cocody's path.
    response = api(w.member).post(
        "/api/v1/communes/cocody/alerts/", {"confirm": True, "text": "Alerte"}, format="json"
    )
    assert response.status_code == 403
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"confirm": True, "text": ""}, "text"),
        ({"confirm": True, "text": "   "}, "text"),
        ({}, "text"),
        ({"confirm": True, "text": "x" * 1001}, "text"),
        ({"confirm": True, "text": "Au feu", "category": "fire"}, "category"),
        ({"confirm": True, "text": "Alerte", "corrects": 999_999}, "corrects"),
        ({"confirm": True, "text": "Alerte", "corrects": "abc"}, "corrects"),
    ],
    ids=["empty", "blank", "missing", "too-long", "unknown-category", "unknown-id", "not-an-id"],
)
def test_bad_input_is_a_400_with_field_messages(alert_world, data, field):
    response = api(alert_world.member).post(BASE, data, format="json")
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert not Alert.objects.exists()


def test_too_long_says_how_long(alert_world):
    response = api(alert_world.member).post(
        BASE, {"confirm": True, "text": "x" * 1001}, format="json"
    )
    assert "1000" in response.json()["text"][0] and "1001" in response.json()["text"][0]


@pytest.mark.parametrize("place", ["near", "far", "town_hall"])
def test_cannot_correct_an_alert_of_elsewhere(alert_world, alerts, place):
    """Twinned (visible), Paramé (invisible), the town hall's: all 400 on ``corrects``."""
    response = api(alert_world.member).post(
        BASE, {"confirm": True, "text": "Alerte", "corrects": alerts[place].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["corrects"]
    assert Alert.objects.count() == 4


def test_another_member_cannot_correct_but_a_referent_can(alert_world, alerts):
    w = alert_world
    response = api(w.sms_member).post(
        BASE, {"confirm": True, "text": "Faux", "corrects": alerts["here"].pk}, format="json"
    )
    assert response.status_code == 403  # neither its author nor a référent
    assert not Alert.objects.filter(text="Faux").exists()
    response = api(w.referent).post(
        BASE, {"confirm": True, "text": "Confirmé", "corrects": alerts["here"].pk}, format="json"
    )
    assert response.status_code == 201


def test_the_rate_limit_is_a_400_on_text(alert_world, settings):
    w = alert_world
    settings.ALERTS_PER_MEMBER_PER_HOUR = 1
    client = api(w.member)
    assert (
        client.post(BASE, {"confirm": True, "text": "Première"}, format="json").status_code == 201
    )
    response = client.post(BASE, {"confirm": True, "text": "Deuxième"}, format="json")
    assert response.status_code == 400
    [message] = response.json()["text"]
    assert "112" in message
    assert Alert.objects.count() == 1


# --- the town hall ---------------------------------------------------------------------------


def test_the_communication_officer_alerts_every_resident(alert_world):
    w = alert_world
    response = api(w.communication).post(
        TOWN_HALL,
        {"confirm": True, "text": "Vigilance orange orages.", "category": "weather"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "town_hall" and data["community"] is None
    assert data["author_name"] is None
    alert = Alert.objects.get()
    assert alert.is_town_hall and alert.source == "api" and alert.author == w.communication
    assert w.resident.pk in set(
        Notification.objects.filter(event=alert.event).values_list("recipient_id", flat=True)
    )


def test_a_town_hall_correction(alert_world, alerts):
    w = alert_world
    response = api(w.communication).post(
        TOWN_HALL,
        {
            "confirm": True,
            "text": "Réouvert.",
            "category": "roads",
            "corrects": alerts["town_hall"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["corrects"] == alerts["town_hall"].pk
    response = api(w.communication).post(
        TOWN_HALL,
        {"confirm": True, "text": "Réouvert.", "category": "roads", "corrects": alerts["here"].pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["corrects"]


def test_members_and_residents_cannot_alert_the_commune(alert_world, alerts):
    w = alert_world
    for person in (w.member, w.referent, w.resident, UserFactory()):
        for data in (
            {"confirm": True, "text": "Alerte", "category": "security"},
            {"confirm": True, "text": "", "category": "fire", "corrects": alerts["town_hall"].pk},
        ):
            response = api(person).post(TOWN_HALL, data, format="json")
            assert response.status_code == 403, (person, response.json())
    assert Alert.objects.count() == 4


def test_town_hall_bad_input_is_a_400(alert_world):
    w = alert_world
    client = api(w.communication)
    assert client.post(TOWN_HALL, {"confirm": True, "text": "Alerte"}, format="json").json()[
        "category"
    ]
    assert client.post(
        TOWN_HALL, {"confirm": True, "text": " ", "category": "roads"}, format="json"
    ).json()["text"]
    response = client.post(
        TOWN_HALL, {"confirm": True, "text": "x" * 1001, "category": "roads"}, format="json"
    )
    assert response.status_code == 400 and response.json()["text"]
    assert not Alert.objects.exists()


# --- the banner ------------------------------------------------------------------------------


def test_the_banner_lists_unread_town_hall_alerts_until_read(alert_world, alerts):
    w = alert_world
    second = town_hall(w, text="Réouvert.", corrects=alerts["town_hall"])
    client = api(w.resident)
    response = client.get(BANNER)
    assert ids(response) == [second.pk, alerts["town_hall"].pk]
    assert all(item["kind"] == "town_hall" and not item["read"] for item in response.json())
    assert response.json()[0]["corrects"] == alerts["town_hall"].pk
    assert client.post(read(alerts["town_hall"])).status_code == 200
    assert ids(client.get(BANNER)) == [second.pk]
    client.post(read(second))
    assert client.get(BANNER).json() == []
    # Community alerts stay out of the API's banner: it is the town hall's (ALR-5).
    assert ids(api(w.sms_member).get(BANNER)) == [second.pk, alerts["town_hall"].pk]
    assert api(UserFactory()).get(BANNER).json() == []


def test_the_banner_costs_the_same_queries_for_1_or_5_alerts(alert_world):
    w = alert_world
    client = api(w.resident)

    def queries() -> int:
        client.get(BANNER)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(BANNER)
        assert response.status_code == 200
        return len(captured)

    first = town_hall(w)
    few = queries()
    for i in range(4):
        town_hall(w, text=f"Suite {i}", corrects=first if i % 2 else None)
    assert queries() == few


# --- the module switched off -----------------------------------------------------------------


def test_module_off_is_a_404_everywhere_and_keeps_data(alert_world, alerts):
    w = alert_world
    switch(w.commune, "alerts", False)
    client = api(w.member)
    for path in (BASE, BANNER, one(alerts["here"])):
        assert client.get(path).status_code == 404
    assert client.post(BASE, {"confirm": True, "text": "Alerte"}, format="json").status_code == 404
    assert client.post(read(alerts["here"])).status_code == 404
    response = api(w.communication).post(
        TOWN_HALL, {"confirm": True, "text": "Alerte", "category": "roads"}, format="json"
    )
    assert response.status_code == 404
    assert Alert.objects.count() == 4
    switch(w.commune, "alerts", True)
    assert client.get(BASE).status_code == 200


def test_an_unknown_commune_is_a_404(alert_world):
    assert api(alert_world.member).get("/api/v1/communes/nulle-part/alerts/").status_code == 404


# --- sending asks for confirmation (it cannot be undone) -----------------------------------


@pytest.mark.parametrize("confirm", [None, False, "non"], ids=["missing", "false", "not-a-bool"])
def test_sending_needs_confirm_true(alert_world, confirm):
    w = alert_world
    data = {"text": "Arbre tombé rue de la Pie.", "category": "roads"}
    if confirm is not None:
        data["confirm"] = confirm
    for client, path in ((api(w.member), BASE), (api(w.communication), TOWN_HALL)):
        response = client.post(path, data, format="json")
        assert response.status_code == 400, path
        assert list(response.json()) == ["confirm"]
    assert not Alert.objects.exists()


def test_the_schema_documents_confirm_as_required(alert_world):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for name in ("CommunityAlertInputRequest", "TownHallAlertInputRequest"):
        component = schema["components"]["schemas"][name]
        assert "confirm" in component["required"], name
        assert component["properties"]["confirm"]["type"] == "boolean"
