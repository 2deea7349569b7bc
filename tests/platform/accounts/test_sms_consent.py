"""ALR-3: consent to alert SMS is asked where the mobile is entered, ticked by default,
and can be withdrawn at any time (profile, phones, notification preferences)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from communes.models import Follow
from modules.alerts import services as alerts
from notifications import delivery, sms
from notifications.models import Channel
from tests.committing import commit_each_request
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

User = get_user_model()
REGISTER = "/compte/inscription/"
PROFILE = "/compte/profil/"
PHONES = "/compte/telephones/"
PREFERENCES = "/notifications/preferences/"
STRONG = "Remparts-2026-marée"
NEW_MOBILE = "+33622334455"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(client, django_capture_on_commit_callbacks):
    client.defaults["HTTP_HOST"] = "saint-malo.localhost"
    return commit_each_request(client, django_capture_on_commit_callbacks)


def registration(**overrides):
    data = {
        "first_name": "Yvonne",
        "last_name": "Le Goff",
        "email": "yvonne@example.org",
        "password": STRONG,
        "password_confirm": STRONG,
        "address": "2 Place Chateaubriand 35400 Saint-Malo",
        "latitude": "48.6493",
        "longitude": "-2.0257",
        "mobile": "06 22 33 44 55",
        "landline": "",
    }
    data.update(overrides)
    return data


def checkbox(html: str, name: str) -> str:
    """The ``<input>`` tag of the checkbox ``name``."""
    tags = re.findall(rf'<input type="checkbox" name="{re.escape(name)}"[^>]*>', html)
    assert len(tags) == 1, tags
    return tags[0]


def town_hall_alert_sms(world) -> list[str]:
    """Numbers a town-hall alert's SMS go to (sent at once, ALR-5)."""
    sms.outbox.clear()
    alert = alerts.send_town_hall_alert(
        by=world.communication, commune=world.commune, category="weather", text="Orages."
    )
    delivery.drain(alert.event_id, Channel.SMS, now=timezone.now())
    return sorted(message.to for message in sms.outbox)


# --- registration --------------------------------------------------------------------------


def test_the_registration_page_ticks_the_sms_box_by_default(site, commune):
    html = site.get(REGISTER).content.decode()
    assert " checked" in checkbox(html, "accepts_sms")
    assert "Recevoir les alertes par SMS" in html


def test_registering_with_a_mobile_and_the_box_left_ticked_accepts_sms(site, alert_world):
    response = site.post(REGISTER, registration(accepts_sms="on"))
    assert response.status_code == 302
    person = User.objects.get(email="yvonne@example.org")
    assert (person.mobile, person.accepts_sms) == (NEW_MOBILE, True)
    follow = Follow.objects.get(user=person, commune=alert_world.commune)
    follow.status = Follow.Status.VALIDATED
    follow.save(update_fields=["status"])
    assert town_hall_alert_sms(alert_world) == ["+33612345678", NEW_MOBILE]


def test_unticking_the_box_means_no_alert_sms(site, alert_world):
    response = site.post(REGISTER, registration())  # the box unticked: not posted
    assert response.status_code == 302
    person = User.objects.get(email="yvonne@example.org")
    assert (person.mobile, person.accepts_sms) == (NEW_MOBILE, False)
    validated(person, alert_world.commune)
    assert town_hall_alert_sms(alert_world) == ["+33612345678"]


def test_the_box_ticked_without_a_mobile_is_no_error_and_no_consent(site, commune):
    response = site.post(REGISTER, registration(mobile="", accepts_sms="on"))
    assert response.status_code == 302
    assert User.objects.get(email="yvonne@example.org").accepts_sms is False


# --- profile and phones --------------------------------------------------------------------


def test_a_first_mobile_on_the_phones_page_is_asked_ticked(site, commune):
    person = UserFactory()
    site.force_login(person)
    assert " checked" in checkbox(site.get(PHONES).content.decode(), "accepts_sms")
    response = site.post(
        PHONES, {"mobile": "06 22 33 44 55", "accepts_sms": "on", "password": PASSWORD}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.mobile, person.accepts_sms) == (NEW_MOBILE, True)


def test_changing_the_number_shows_the_choice_made_and_can_withdraw_it(site, commune):
    person = UserFactory(mobile=NEW_MOBILE, accepts_sms=False)
    site.force_login(person)
    assert " checked" not in checkbox(site.get(PHONES).content.decode(), "accepts_sms")
    person.accepts_sms = True
    person.save()
    assert " checked" in checkbox(site.get(PHONES).content.decode(), "accepts_sms")
    site.post(PHONES, {"mobile": "06 22 33 44 66", "password": PASSWORD})
    person.refresh_from_db()
    assert (person.mobile, person.accepts_sms) == ("+33622334466", False)


def test_the_profile_withdraws_consent(site, commune):
    person = UserFactory(mobile=NEW_MOBILE, accepts_sms=True)
    site.force_login(person)
    html = site.get(PROFILE).content.decode()
    assert " checked" in checkbox(html, "accepts_sms")
    response = site.post(PROFILE, {"first_name": person.first_name, "last_name": "Durand"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.accepts_sms is False


def test_the_profile_switch_waits_for_a_mobile(site, commune):
    person = UserFactory()
    site.force_login(person)
    tag = checkbox(site.get(PROFILE).content.decode(), "accepts_sms")
    assert " disabled" in tag and " checked" not in tag
    response = site.post(
        PROFILE, {"first_name": person.first_name, "last_name": "Durand", "accepts_sms": "on"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.accepts_sms is False


# --- notification preferences ------------------------------------------------------------


def preferences_post(response, **changes) -> dict:
    """What the browser posts for the page as shown, with ``changes``."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_alerts_rubric_carries_the_sms_switch(site, alert_world):
    person = alert_world.sms_member
    site.force_login(person)
    response = site.get(PREFERENCES)
    html = response.content.decode()
    assert " checked" in checkbox(html, "alerts-sms")
    assert html.count('name="alerts-sms"') == 1  # on the alerts rubric only
    assert "Recevoir les alertes par SMS" in html
    response = site.post(PREFERENCES, preferences_post(response, **{"alerts-sms": None}))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.accepts_sms is False
    assert town_hall_alert_sms(alert_world) == []
    response = site.get(PREFERENCES)
    site.post(PREFERENCES, preferences_post(response, **{"alerts-sms": "on"}))
    person.refresh_from_db()
    assert person.accepts_sms is True


def test_without_a_mobile_the_sms_switch_is_disabled(site, alert_world):
    person = alert_world.member  # no mobile
    site.force_login(person)
    response = site.get(PREFERENCES)
    tag = checkbox(response.content.decode(), "alerts-sms")
    assert " disabled" in tag and " checked" not in tag
    data = preferences_post(response)
    data["alerts-sms"] = "on"  # forged: a disabled field keeps its value
    assert site.post(PREFERENCES, data).status_code == 302
    person.refresh_from_db()
    assert person.accepts_sms is False


def test_the_phones_page_shows_the_numbers_as_people_write_them(site, commune, other_commune):
    person = UserFactory(mobile=NEW_MOBILE, landline="+2252722441010")
    site.force_login(person)
    html = site.get(PHONES).content.decode()
    assert 'value="06 22 33 44 55"' in html
    # A number of another country keeps its international form, the one to dial.
    assert 'value="+225 27 22 4 41010"' in html  # libphonenumber's international form
    html = site.get(PHONES, HTTP_HOST="cocody.localhost").content.decode()
    assert 'value="27 22 44 10 10"' in html
