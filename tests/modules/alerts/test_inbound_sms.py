"""ALR-1 by SMS: a member texts an alert to the platform's number (the inbound webhook).

The replies' wording is not asserted (new strings, not compiled yet): the outcome,
the number of replies, their purpose and their language-independent parts are.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from communes.services import module_set_enabled
from modules.alerts import inbound
from modules.alerts.inbound import InboundSms, Outcome, e164, receive_sms
from modules.alerts.inbound_views import EMPTY_TWIML
from modules.alerts.models import Alert
from notifications import sms
from notifications.models import Notification
from notifications.sms import SmsPurpose
from notifications.sms_http import InvalidCallback, twilio_signature
from tests.factories import UserFactory
from tests.follows import root

pytestmark = pytest.mark.django_db

PATH = "/webhooks/alerts/sms/{}/"
AUTH_TOKEN = "twilio-auth-token"
CALLBACK_TOKEN = "callback-secret"
TEXT = "Deux individus essaient d'ouvrir les voitures rue des Lilas."
UNKNOWN = "+33699999999"


@pytest.fixture(autouse=True)
def providers(settings):
    settings.SMS_TWILIO = {"ACCOUNT_SID": "AC1", "AUTH_TOKEN": AUTH_TOKEN, "FROM": "+33700000000"}
    settings.SMS_CALLBACK_TOKEN = CALLBACK_TOKEN
    settings.ALERTS_INBOUND_SMS_PER_NUMBER = 5
    settings.ALERTS_INBOUND_SMS_WINDOW_SECONDS = 600
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs the callbacks of each request's commit (the replies' tasks, sync in tests)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def replies() -> list[sms.SmsMessage]:
    return [m for m in sms.outbox if m.purpose == SmsPurpose.REPLY]


def sms_alerts():
    return Alert.objects.filter(source=Alert.Source.SMS)


def twilio(commit, params, *, token=AUTH_TOKEN, host="testserver", signature=None):
    url = f"http://{host}{PATH.format('twilio')}"
    if signature is None:
        signature = twilio_signature(token, url, params)
    return commit(
        Client().post,
        PATH.format("twilio"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=host,
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def twilio_params(number="+33612345678", body=TEXT, sid="SM0001"):
    return {"MessageSid": sid, "From": number, "To": "+33700000000", "Body": body}


def orange(commit, message, *, token=CALLBACK_TOKEN):
    body = {"inboundSMSMessageNotification": {"inboundSMSMessage": message}}
    query = f"?{urlencode({'token': token})}" if token is not None else ""
    return commit(
        Client().post, PATH.format("orange") + query, body, content_type="application/json"
    )


def orange_message(number="tel:+33612345678", text=TEXT, message_id="OR-1"):
    return {
        "senderAddress": number,
        "destinationAddress": "tel:+2250000",
        "message": text,
        "messageId": message_id,
        "dateTime": "2025-06-01T10:00:00Z",
    }


def ovh_get(commit, params, *, token=CALLBACK_TOKEN):
    query = {**params, **({"token": token} if token is not None else {})}
    return commit(Client().get, PATH.format("ovh"), query)


def receive(commit, number, text=TEXT, provider_id="", provider="ovh"):
    return commit(receive_sms, InboundSms(number, text, provider_id, provider))


# --- Twilio -------------------------------------------------------------------------------


def test_twilio_member_alert_is_sent_and_confirmed(alert_world, commit):
    w = alert_world
    response = twilio(commit, twilio_params(number=w.sms_member.mobile))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode() == EMPTY_TWIML  # Twilio sends no reply of its own
    alert = sms_alerts().get()
    assert (alert.author, alert.community, alert.text) == (w.sms_member, w.here, TEXT)
    members = {w.referent.pk, w.member.pk, w.no_sms_member.pk}
    notified = set(
        Notification.objects.filter(event=alert.event).values_list("recipient_id", flat=True)
    )
    assert notified == members and alert.recipients == 3
    [reply] = replies()
    assert reply.to == w.sms_member.mobile and reply.purpose is SmsPurpose.REPLY
    assert "3" in reply.body


def test_twilio_forged_or_unverifiable_requests_are_refused(alert_world, commit, settings):
    params = twilio_params(number=alert_world.sms_member.mobile)
    assert twilio(commit, params, token="a-guess").status_code == 403
    assert twilio(commit, params, signature="").status_code == 403
    tampered = {**params, "Body": "Autre texte"}
    signature = twilio_signature(AUTH_TOKEN, f"http://testserver{PATH.format('twilio')}", params)
    assert twilio(commit, tampered, signature=signature).status_code == 403
    settings.SMS_TWILIO = {"ACCOUNT_SID": "AC1"}  # no auth token: nothing can be checked
    assert twilio(commit, params).status_code == 403
    assert not sms_alerts().exists() and sms.outbox == []


def test_webhook_answers_on_a_commune_host_too(alert_world, commit):
    response = twilio(
        commit, twilio_params(number=alert_world.sms_member.mobile), host="saint-malo.localhost"
    )
    assert response.status_code == 200
    assert sms_alerts().count() == 1


def test_unknown_provider_and_wrong_methods(alert_world, commit):
    client = Client()
    assert client.post(PATH.format("nexmo"), {}).status_code == 404
    assert client.get(PATH.format("twilio")).status_code == 405
    assert client.get(PATH.format("orange"), {"token": CALLBACK_TOKEN}).status_code == 405
    # Signed but not an inbound message (a status callback sent to the wrong URL).
    params = {"MessageSid": "SM9", "MessageStatus": "delivered"}
    assert twilio(commit, params).status_code == 400


# --- Orange -------------------------------------------------------------------------------


def test_orange_alert_with_the_secret_token(alert_world, commit):
    w = alert_world
    response = orange(commit, orange_message(number="tel:+33 6 12 34 56 78"))
    assert response.status_code == 200 and response.content == b""
    assert sms_alerts().get().author == w.sms_member
    assert [m.to for m in replies()] == ["+33612345678"]


@pytest.mark.parametrize("token", ["wrong", "", None])
def test_orange_without_the_right_token_is_refused(alert_world, commit, token):
    assert orange(commit, orange_message(), token=token).status_code == 403
    assert not sms_alerts().exists() and sms.outbox == []


def test_orange_refused_when_no_token_is_configured(alert_world, commit, settings):
    settings.SMS_CALLBACK_TOKEN = ""
    assert orange(commit, orange_message(), token="").status_code == 403
    assert not sms_alerts().exists()


def test_orange_malformed_requests_are_400(alert_world, commit):
    client = Client()
    url = f"{PATH.format('orange')}?token={CALLBACK_TOKEN}"
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.post(url, {"other": 1}, content_type="application/json").status_code == 400
    no_text = orange_message()
    del no_text["message"]
    assert orange(commit, no_text).status_code == 400
    assert orange(commit, orange_message(number="tel:+12")).status_code == 400
    assert not sms_alerts().exists() and sms.outbox == []


# --- OVH ----------------------------------------------------------------------------------


def test_ovh_get_callback_with_the_secret_token(alert_world, commit):
    w = alert_world
    response = ovh_get(commit, {"senderid": "0033612345678", "message": TEXT, "id": "77"})
    assert response.status_code == 200
    assert sms_alerts().get().author == w.sms_member
    assert [m.to for m in replies()] == ["+33612345678"]


def test_ovh_post_callback_with_alternative_field_names(alert_world, commit):
    response = commit(
        Client().post,
        f"{PATH.format('ovh')}?token={CALLBACK_TOKEN}",
        {"sender": "06 12 34 56 78", "text": TEXT, "id": "78"},
    )
    assert response.status_code == 200
    assert sms_alerts().get().author == alert_world.sms_member


def test_ovh_without_the_right_token_is_refused(alert_world, commit, settings):
    params = {"senderid": "+33612345678", "message": TEXT, "id": "77"}
    assert ovh_get(commit, params, token="wrong").status_code == 403
    assert ovh_get(commit, params, token=None).status_code == 403
    settings.SMS_CALLBACK_TOKEN = ""
    assert ovh_get(commit, params, token="").status_code == 403
    assert not sms_alerts().exists() and sms.outbox == []


def test_ovh_malformed_requests_are_400(alert_world, commit):
    assert ovh_get(commit, {"message": TEXT}).status_code == 400  # no sender
    assert ovh_get(commit, {"senderid": "+33612345678"}).status_code == 400  # no message
    assert ovh_get(commit, {"senderid": "SHOP", "message": TEXT}).status_code == 400
    assert not sms_alerts().exists() and sms.outbox == []


@pytest.mark.parametrize(
    ("given", "region", "expected"),
    [
        ("+33612345678", None, "+33612345678"),
        ("tel:+33612345678", None, "+33612345678"),
        ("0033 6 12 34 56 78", None, "+33612345678"),
        ("33612345678", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("tel:+2250701020304", "CI", "+2250701020304"),
    ],
)
def test_numbers_are_read_as_e164(given, region, expected):
    assert e164(given, region=region) == expected


@pytest.mark.parametrize("given", ["", "tel:", "12", "+999123", "SHOP", "0612345678"])
def test_what_is_not_a_number_is_an_invalid_callback(given):
    with pytest.raises(InvalidCallback):
        e164(given)  # no region: a national number cannot be read


# --- Who may alert ------------------------------------------------------------------------


def test_unknown_number_is_told_how_to_register(alert_world, commit):
    assert receive(commit, UNKNOWN) == Outcome.UNKNOWN_NUMBER
    [reply] = replies()
    assert reply.to == UNKNOWN
    assert reverse("accounts:register") in reply.body  # the registration page's address
    assert not sms_alerts().exists()


def test_a_number_shared_by_several_accounts_cannot_alert(alert_world, commit):
    w = alert_world
    UserFactory(mobile=w.sms_member.mobile)  # a second home, one mobile for both
    assert receive(commit, w.sms_member.mobile) == Outcome.SHARED_NUMBER
    assert [m.to for m in replies()] == [w.sms_member.mobile]
    assert not sms_alerts().exists()


def test_a_closed_account_does_not_count(alert_world, commit):
    w = alert_world
    UserFactory(mobile=w.sms_member.mobile, is_active=False)
    assert receive(commit, w.sms_member.mobile) == Outcome.SENT


def test_a_person_in_no_community_is_told_so(alert_world, commit):
    w = alert_world
    w.resident.mobile = "+33655555555"
    w.resident.save()
    assert receive(commit, "+33655555555") == Outcome.NO_COMMUNITY
    assert [m.to for m in replies()] == ["+33655555555"]
    assert not sms_alerts().exists()


def test_alerts_off_for_the_commune_gets_a_polite_reply(alert_world, commit):
    w = alert_world
    module_set_enabled(by=root(), commune=w.commune, module="alerts", enabled=False)
    assert receive(commit, w.sms_member.mobile) == Outcome.MODULE_OFF
    assert [m.to for m in replies()] == [w.sms_member.mobile]
    assert not Alert.objects.exists()


def test_the_services_refusals_are_replied(alert_world, commit, settings):
    w = alert_world
    settings.ALERTS_PER_MEMBER_PER_HOUR = 1
    assert receive(commit, w.sms_member.mobile, provider_id="1") == Outcome.SENT
    assert receive(commit, w.sms_member.mobile, provider_id="2") == Outcome.REFUSED
    assert receive(commit, w.sms_member.mobile, text="   ", provider_id="3") == Outcome.REFUSED
    assert sms_alerts().count() == 1
    first, rate_limited, empty = replies()
    assert {first.to, rate_limited.to, empty.to} == {w.sms_member.mobile}
    assert len({first.body, rate_limited.body, empty.body}) == 3


# --- Floods and retries -------------------------------------------------------------------


def test_a_flooding_number_is_dropped_silently_others_still_alert(alert_world, commit, settings):
    settings.ALERTS_INBOUND_SMS_PER_NUMBER = 2
    outcomes = [receive(commit, UNKNOWN, provider_id=str(i)) for i in range(4)]
    assert outcomes == [Outcome.UNKNOWN_NUMBER] * 2 + [Outcome.THROTTLED] * 2
    assert len(replies()) == 2  # no reply beyond the limit: a flood must not cost money
    assert receive(commit, alert_world.sms_member.mobile, provider_id="9") == Outcome.SENT
    assert sms_alerts().count() == 1
    # Counted under the number's keyed hash, never the number itself.
    keys = " ".join(str(k) for k in cache._cache)  # LocMemCache, the tests' cache
    assert "699999999" not in keys and "612345678" not in keys


def test_a_flood_through_the_webhook_still_answers_200(alert_world, commit, settings):
    settings.ALERTS_INBOUND_SMS_PER_NUMBER = 1
    for sid in ("SM1", "SM2"):
        assert twilio(commit, twilio_params(number=UNKNOWN, sid=sid)).status_code == 200
    assert len(replies()) == 1


def test_a_provider_retry_sends_one_alert(alert_world, commit):
    params = twilio_params(number=alert_world.sms_member.mobile, sid="SM42")
    assert twilio(commit, params).status_code == 200
    assert twilio(commit, params).status_code == 200
    assert sms_alerts().count() == 1
    assert len(replies()) == 1
    # The same id from another provider is another message.
    assert receive(commit, UNKNOWN, provider_id="SM42", provider="ovh") == Outcome.UNKNOWN_NUMBER
    assert receive(commit, UNKNOWN, provider_id="SM42", provider="ovh") == Outcome.DUPLICATE


def test_a_failure_lets_the_providers_retry_through(alert_world, commit, monkeypatch):
    def broken(_inbound):
        raise RuntimeError("a bug")

    message = InboundSms(alert_world.sms_member.mobile, TEXT, "SM7", "twilio")
    monkeypatch.setattr(inbound, "_handle", broken)
    with pytest.raises(RuntimeError):
        receive_sms(message)
    monkeypatch.undo()
    assert commit(receive_sms, message) == Outcome.SENT


def test_the_reply_task_gets_the_number_encrypted(alert_world, commit, monkeypatch):
    import django_q.tasks

    queued = []
    monkeypatch.setattr(
        django_q.tasks, "async_task", lambda func, *args, **kwargs: queued.append((func, args))
    )
    assert receive(commit, UNKNOWN) == Outcome.UNKNOWN_NUMBER
    [(func, args)] = queued
    assert func == "modules.alerts.inbound.send_reply"
    assert "699999999" not in repr(args)  # django-q2 stores tasks' arguments
    assert sms.outbox == []
    assert inbound.send_reply(*args) == 1
    assert [(m.to, m.purpose) for m in sms.outbox] == [(UNKNOWN, SmsPurpose.REPLY)]


def test_no_reply_before_the_commit(alert_world):
    assert receive_sms(InboundSms(UNKNOWN, TEXT, "", "ovh")) == Outcome.UNKNOWN_NUMBER
    assert sms.outbox == []  # the test's transaction has not committed


# --- STOP (ALR-3: consent withdrawn by answering an alert SMS) ------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "ARRET", "arrêt"])
def test_stop_turns_alert_sms_off_for_the_number(alert_world, commit, word):
    w = alert_world
    second_home = UserFactory(mobile=w.sms_member.mobile, accepts_sms=True)  # ACC-8
    assert receive(commit, w.sms_member.mobile, text=word) == Outcome.SMS_STOPPED
    w.sms_member.refresh_from_db()
    second_home.refresh_from_db()
    assert (w.sms_member.accepts_sms, second_home.accepts_sms) == (False, False)
    [reply] = replies()
    assert reply.to == w.sms_member.mobile
    assert reply.body == (
        "Vous ne recevrez plus d'alertes par SMS. Pour les recevoir à nouveau : "
        "votre profil sur http://localhost:8000/compte/profil/"
    )
    assert not sms_alerts().exists()
    # The next town-hall alert sends no SMS to that number.
    from django.utils import timezone

    from modules.alerts.services import send_town_hall_alert
    from notifications import delivery
    from notifications.models import Channel

    sms.outbox.clear()
    alert = send_town_hall_alert(
        by=w.communication, commune=w.commune, category="weather", text="Orages."
    )
    delivery.drain(alert.event_id, Channel.SMS, now=timezone.now())
    assert [m.to for m in sms.outbox] == []


def test_stop_from_an_unknown_number_is_not_answered(alert_world, commit):
    assert receive(commit, UNKNOWN, text="STOP") == Outcome.SMS_STOPPED
    assert replies() == []


def test_an_alert_that_only_mentions_stop_is_an_alert(alert_world, commit):
    w = alert_world
    assert receive(commit, w.sms_member.mobile, text="Stop au démarcheur rue des Lilas") == (
        Outcome.SENT
    )
    w.sms_member.refresh_from_db()
    assert w.sms_member.accepts_sms is True
