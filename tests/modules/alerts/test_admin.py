"""The Wagtail admin of alerts at /admin/alerts/ (ALR-4, ALR-5, COM-2).

The town hall's senders add (= send) town-hall alerts; staff read the alerts they
may see; nobody, superusers included, changes or deletes one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.staff import platform_staff_group
from communes.models import CommuneModule, StaffRole
from core.modules import forget_enabled_cache
from modules.alerts import services
from modules.alerts.models import Alert
from notifications.models import Notification
from tests.factories import HostingPartnerFactory, UserFactory, make_commune
from tests.follows import grant, root, validated
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
INDEX = "/admin/alerts/"
ADD = f"{INDEX}new/"
HOST = "saint-malo.localhost"
PLATFORM = "localhost"


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def assert_refused(response):
    """Wagtail turns PermissionDenied into a redirect to the dashboard (or a 403)."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert (
            response["Location"] in ("/admin/", "/admin/login/") or "login" in response["Location"]
        )


def switch(commune, module: str, enabled: bool) -> None:
    CommuneModule.objects.update_or_create(
        commune=commune, module=module, defaults={"enabled": enabled}
    )
    forget_enabled_cache(commune)


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 0


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


# --- the list --------------------------------------------------------------------------------


def test_the_communication_officer_lists_the_town_halls_alerts(alert_world, alerts):
    response = admin_client(alert_world.communication).get(INDEX)
    assert response.status_code == 200
    assert "Pont fermé." in response.text
    assert f"{ADD}" in response.text
    # The town hall is not a partner (COM-2): no community alert.
    assert "Démarcheur suspect" not in response.text


def test_a_partner_town_hall_also_sees_its_communities_alerts(alert_world, alerts, partner_commune):
    w = alert_world
    response = admin_client(w.communication).get(INDEX)
    assert response.status_code == 200
    assert "Pont fermé." in response.text and "Démarcheur suspect" in response.text
    assert w.member.get_full_name() in response.text  # the author's real name (ACC-5)
    assert "Intra-muros" in response.text


def test_another_communes_staff_see_none_of_these_alerts(alert_world, alerts, partner_commune):
    dinard = make_commune(HostingPartnerFactory(), name="Dinard", hostname="dinard.localhost")
    officer = UserFactory()
    grant(dinard, officer, StaffRole.Role.COMMUNICATION)
    for host in (PLATFORM, "dinard.localhost"):
        response = admin_client(officer, host).get(INDEX)
        assert response.status_code == 200
        assert "Pont fermé." not in response.text and "Démarcheur" not in response.text
    inspect = admin_client(officer).get(f"{INDEX}inspect/{alerts['town_hall'].pk}/")
    assert inspect.status_code in (302, 403, 404)


def test_members_and_residents_without_a_role_are_refused(alert_world, alerts):
    w = alert_world
    for person in (w.member, w.referent, w.resident):
        client = admin_client(person)
        assert_refused(client.get(INDEX))
        assert_refused(client.get(ADD))
        assert_refused(
            client.post(ADD, {"commune": w.commune.pk, "category": "roads", "text": "X"})
        )
    # Even with the admin open to them (a Wagtail editor), no alert screen without a role.
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert_refused(admin_client(editor).get(INDEX))
    assert_refused(admin_client(editor).get(ADD))
    anonymous = Client(HTTP_HOST=HOST).get(INDEX)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert Alert.objects.count() == 2


def test_platform_staff_see_every_alert(alert_world, alerts):
    staff = UserFactory()
    staff.groups.add(platform_staff_group())
    response = admin_client(staff, PLATFORM).get(INDEX)
    assert response.status_code == 200
    assert "Pont fermé." in response.text and "Démarcheur suspect" in response.text


# --- sending through "add" -------------------------------------------------------------------


def test_the_communication_officer_sends_a_town_hall_alert(alert_world):
    w = alert_world
    client = admin_client(w.communication)
    form = client.get(ADD)
    assert form.status_code == 200
    assert 'name="text"' in form.text and 'name="category"' in form.text
    response = client.post(
        ADD,
        {
            "commune": w.commune.pk,
            "category": "weather",
            "text": "Vigilance orange.",
            "confirm": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == INDEX
    alert = Alert.objects.get()
    assert alert.is_town_hall and alert.source == "admin" and alert.author == w.communication
    assert (alert.commune, alert.category, alert.text) == (
        w.commune,
        "weather",
        "Vigilance orange.",
    )
    residents = set(w.commune.follows.filter(status="validated").values_list("user_id", flat=True))
    assert alert.recipients == len(residents) > 0
    assert (
        set(Notification.objects.filter(event=alert.event).values_list("recipient_id", flat=True))
        == residents
    )
    # The message says how many residents were reached.
    listing = client.get(response["Location"])
    assert str(alert.recipients) in " ".join(str(m) for m in listing.context["messages"])


def test_a_correction_through_the_admin(alert_world, alerts):
    w = alert_world
    original = alerts["town_hall"]
    client = admin_client(w.communication)
    assert client.get(ADD, {"corrects": original.pk}).status_code == 200
    response = client.post(
        ADD,
        {
            "commune": w.commune.pk,
            "category": "roads",
            "text": "Réouvert.",
            "corrects": original.pk,
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert Alert.objects.get(text="Réouvert.").corrects == original
    # A community alert is not among those the town hall corrects.
    response = client.post(
        ADD,
        {
            "commune": w.commune.pk,
            "category": "roads",
            "text": "Faux.",
            "corrects": alerts["community"].pk,
            "confirm": "on",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["corrects"]
    assert not Alert.objects.filter(text="Faux.").exists()


def test_sending_asks_for_a_confirmation_the_server_enforces(alert_world):
    """Issue 14: the button says what it does, and an alert cannot be undone, so the form
    needs its box ticked; without it nothing is sent, whatever the browser did."""
    w = alert_world
    client = admin_client(w.communication)
    form = client.get(ADD)
    assert form.status_code == 200
    assert "Envoyer l’alerte" in form.text or "Envoyer l'alerte" in form.text
    assert 'type="checkbox" name="confirm"' in form.text and " required" in form.text
    assert ">Créer<" not in form.text
    data = {"commune": w.commune.pk, "category": "roads", "text": "Pont fermé."}
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"] == [
        "Cochez la case pour confirmer : une alerte envoyée ne peut pas être reprise."
    ]
    assert not Alert.objects.exists()
    response = client.post(ADD, {**data, "confirm": "on"})
    assert response.status_code == 302
    assert Alert.objects.get().text == "Pont fermé."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "roads", "text": ""}, "text"),
        ({"category": "roads", "text": "   "}, "text"),
        ({"category": "roads", "text": "x" * 1001}, "text"),
        ({"category": "fire", "text": "Au feu"}, "category"),
        ({"category": "roads", "text": "Alerte", "commune": ""}, "commune"),
    ],
    ids=["empty", "blank", "too-long", "unknown-category", "no-commune"],
)
def test_errors_are_form_errors_and_send_nothing(alert_world, data, field):
    w = alert_world
    data = {"commune": w.commune.pk, "confirm": "on", **data}
    response = admin_client(w.communication).post(ADD, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Alert.objects.exists()


def test_cannot_send_for_another_commune(alert_world):
    w = alert_world
    dinard = make_commune(HostingPartnerFactory(), name="Dinard", hostname="dinard.localhost")
    validated(UserFactory(), dinard)
    response = admin_client(w.communication, PLATFORM).post(
        ADD, {"commune": dinard.pk, "category": "roads", "text": "Alerte", "confirm": "on"}
    )
    assert response.status_code == 200 and response.context["form"].errors["commune"]
    assert not Alert.objects.exists()


# --- never changed nor deleted ---------------------------------------------------------------


def test_edit_and_delete_are_refused_to_everyone(alert_world, alerts, partner_commune):
    w = alert_world
    staff = UserFactory()
    staff.groups.add(platform_staff_group())
    for person, host in ((root(), PLATFORM), (staff, PLATFORM), (w.communication, HOST)):
        client = admin_client(person, host)
        for alert in alerts.values():
            assert_refused(client.get(f"{INDEX}edit/{alert.pk}/"))
            assert_refused(
                client.post(
                    f"{INDEX}edit/{alert.pk}/",
                    {"commune": w.commune.pk, "category": "other", "text": "Changé"},
                )
            )
            assert_refused(client.get(f"{INDEX}delete/{alert.pk}/"))
            assert_refused(client.post(f"{INDEX}delete/{alert.pk}/"))
        body = client.get(INDEX).text
        assert f"{INDEX}edit/" not in body and f"{INDEX}delete/" not in body
    assert Alert.objects.count() == 2
    assert {a.text for a in Alert.objects.all()} == {
        "Démarcheur suspect rue des Lilas.",
        "Pont fermé.",
    }


# --- inspect ---------------------------------------------------------------------------------


def test_the_inspect_view_shows_the_alert(alert_world, alerts, partner_commune):
    w = alert_world
    client = admin_client(w.communication)
    response = client.get(f"{INDEX}inspect/{alerts['community'].pk}/")
    assert response.status_code == 200
    assert "Démarcheur suspect rue des Lilas." in response.text
    assert w.member.get_full_name() in response.text
    assert "Intra-muros" in response.text
    response = client.get(f"{INDEX}inspect/{alerts['town_hall'].pk}/")
    assert response.status_code == 200 and "Pont fermé." in response.text
    assert client.get(f"{INDEX}inspect/999999/").status_code == 404


def test_a_town_hall_that_is_not_a_partner_cannot_inspect_community_alerts(alert_world, alerts):
    response = admin_client(alert_world.communication).get(
        f"{INDEX}inspect/{alerts['community'].pk}/"
    )
    assert response.status_code in (302, 403, 404)


# --- the module switched off -----------------------------------------------------------------


def test_module_off_hides_the_admin_on_the_communes_host(alert_world, alerts):
    w = alert_world
    client = admin_client(w.communication)
    assert INDEX in client.get("/admin/").text
    switch(w.commune, "alerts", False)
    assert client.get(INDEX).status_code == 404
    assert client.get(ADD).status_code == 404
    assert INDEX not in client.get("/admin/").text
    assert Alert.objects.count() == 2


# --- queries ---------------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_2_or_22_alerts(alert_world, partner_commune):
    w = alert_world
    client = admin_client(w.communication)

    def queries() -> int:
        client.get(INDEX)  # warm Wagtail's per-process caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INDEX)
        assert response.status_code == 200
        return len(captured)

    def add(count: int) -> None:
        for i in range(count):
            services.send_town_hall_alert(
                by=w.communication, commune=w.commune, category="roads", text=f"Route {i}"
            )
            services.send_community_alert(author=w.member, text=f"Alerte {i}")

    add(1)
    few = queries()
    add(10)
    assert queries() == few
