"""The HTTP SMS providers, through their real client code, against local fake servers.

Nothing here reaches the internet or the database: ``tests.fakes.sms`` answers like
Orange, OVHcloud and Twilio on 127.0.0.1, and the retries' waits are recorded in
``server.sleeps`` instead of slept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from notifications import sms
from notifications.sms import (
    ConsoleSmsBackend,
    LocmemSmsBackend,
    SmsBackend,
    SmsMessage,
    SmsNotAllowed,
    SmsPurpose,
    SmsResult,
    mask_number,
    send_sms,
)
from notifications.sms_http import (
    InvalidCallback,
    InvalidSignature,
    OrangeSmsBackend,
    OvhSmsBackend,
    RoutingSmsBackend,
    SmsStatus,
    TwilioSmsBackend,
    sms_coding,
)
from notifications.sms_settings import DEFAULT_SMS_ROUTES, sms_settings
from tests.fakes import sms as fakes

# The fake providers' fixtures (tests.fakes.sms), for this module.
fake_orange = fakes.fake_orange
fake_ovh = fakes.fake_ovh
fake_twilio = fakes.fake_twilio

ABIDJAN = "+2250701020304"
YAMOUSSOUKRO = "+2250505060708"
SAINT_MALO = "+33612345678"
AMIENS = "+33798765432"
QUEBEC = "+14185550123"
ALERT = "Alerte : coupure d'eau rue du Port jusqu'à 18 h."

ROUTES = {
    "+225": "notifications.sms_http.OrangeSmsBackend",
    "+33": "notifications.sms_http.OvhSmsBackend",
    "default": "notifications.sms_http.TwilioSmsBackend",
}


def message(to: str, body: str = ALERT, purpose: SmsPurpose = SmsPurpose.ALERT) -> SmsMessage:
    return SmsMessage(to=to, body=body, purpose=purpose)


# --- The interface (notifications.sms) --------------------------------------------------


def test_locmem_backend_answers_one_ok_result_per_message():
    sms.outbox.clear()
    messages = [message(SAINT_MALO), message(ABIDJAN)]
    results = LocmemSmsBackend().send_batch(messages)
    assert results == [SmsResult(messages[0], ok=True), SmsResult(messages[1], ok=True)]
    assert sms.outbox == messages
    assert LocmemSmsBackend().send_messages([message(AMIENS)]) == 1
    sms.outbox.clear()


def test_console_backend_writes_and_answers_ok():
    stream = io.StringIO()
    results = ConsoleSmsBackend(stream).send_batch([message(SAINT_MALO)])
    assert [r.ok for r in results] == [True]
    assert f"SMS to {SAINT_MALO} [alert]" in stream.getvalue()


def test_send_messages_counts_the_accepted_results_of_send_batch():
    class HalfBackend(SmsBackend):
        def send_batch(self, messages):
            return [SmsResult(m, ok=i % 2 == 0) for i, m in enumerate(messages)]

    assert HalfBackend().send_messages(message(n) for n in (SAINT_MALO, AMIENS, QUEBEC)) == 2
    assert HalfBackend.max_batch_size > 0


def test_a_message_cannot_be_built_for_a_forbidden_purpose():
    with pytest.raises(SmsNotAllowed):
        SmsMessage(SAINT_MALO, "Nouvelle actualité", "news")
    assert SmsMessage(SAINT_MALO, ALERT, "alert").purpose is SmsPurpose.ALERT


def test_mask_number_keeps_only_the_last_two_digits():
    assert mask_number("+33612345678") == "+*********78"
    assert mask_number("tel:+2250701020304") == "tel:+***********04"
    assert mask_number("12") == "**"


@override_settings(
    SMS_BACKEND="notifications.sms_http.RoutingSmsBackend", SMS_ROUTES=ROUTES, REAL_SENDING=True
)
def test_the_purpose_guard_stands_before_any_http_provider(fake_ovh):
    with pytest.raises(SmsNotAllowed):
        send_sms(SAINT_MALO, "Nouvelle actualité", purpose="news")
    assert fake_ovh.requests == []


# --- Orange ---------------------------------------------------------------------------


def test_orange_gets_a_token_then_posts_each_message(fake_orange):
    messages = [message(ABIDJAN), message(YAMOUSSOUKRO, "Invitation de Marie")]

    results = OrangeSmsBackend().send_batch(messages)

    token, first, second = fake_orange.requests
    assert (token.method, token.path) == ("POST", "/oauth/v3/token")
    assert token.basic_auth == ("orange-client-id", "orange-client-secret")
    assert token.form == {"grant_type": "client_credentials"}
    assert first.method == "POST"
    assert first.path == "/smsmessaging/v1/outbound/tel%3A%2B2250000/requests"
    assert first.headers["authorization"] == "Bearer orange-token-1"
    assert first.headers["content-type"] == "application/json"
    assert first.json == {
        "outboundSMSMessageRequest": {
            "address": "tel:+2250701020304",
            "senderAddress": "tel:+2250000",
            "senderName": "Voisinage",
            "outboundSMSTextMessage": {"message": ALERT},
        }
    }
    assert second.json["outboundSMSMessageRequest"]["address"] == "tel:+2250505060708"
    assert second.headers["authorization"] == "Bearer orange-token-1"
    assert [r.ok for r in results] == [True, True]
    assert [r.message for r in results] == messages
    assert all(len(r.provider_id) == 32 for r in results)  # the id ending resourceURL
    assert results[0].provider_id != results[1].provider_id


def test_orange_sender_name_is_optional(fake_orange):
    config = {**fake_orange.settings()["SMS_ORANGE"], "SENDER_NAME": ""}
    OrangeSmsBackend(config).send_batch([message(ABIDJAN)])
    assert "senderName" not in fake_orange.requests[-1].json["outboundSMSMessageRequest"]


def test_orange_token_is_shared_through_the_cache_until_shortly_before_it_expires(fake_orange):
    time_machine = pytest.importorskip("time_machine")
    OrangeSmsBackend().send_batch([message(ABIDJAN)])
    OrangeSmsBackend().send_batch([message(YAMOUSSOUKRO)])
    assert len(fake_orange.requests_to("/oauth/")) == 1

    start = datetime.now(UTC)
    with time_machine.travel(start + timedelta(seconds=3500)):
        OrangeSmsBackend().send_batch([message(ABIDJAN)])
    assert len(fake_orange.requests_to("/oauth/")) == 1
    with time_machine.travel(start + timedelta(seconds=3545)):  # expires_in 3600, minus 60
        OrangeSmsBackend().send_batch([message(ABIDJAN)])
    assert len(fake_orange.requests_to("/oauth/")) == 2
    assert fake_orange.requests[-1].headers["authorization"] == "Bearer orange-token-2"


def test_orange_token_cache_key_is_per_client_id(fake_orange):
    backend = OrangeSmsBackend()
    other = OrangeSmsBackend({**backend.config, "CLIENT_ID": "another-client"})
    assert backend.token_cache_key() != other.token_cache_key()
    assert "orange-client-id" not in backend.token_cache_key()


def test_orange_refreshes_an_expired_token_once(fake_orange):
    backend = OrangeSmsBackend()
    backend.send_batch([message(ABIDJAN)])
    fake_orange.expire_tokens()  # Orange now answers 401 "Expired credentials"

    [result] = backend.send_batch([message(YAMOUSSOUKRO)])

    assert result.ok
    paths = [r.route.split("/")[1] for r in fake_orange.requests]
    assert paths == ["oauth", "smsmessaging", "smsmessaging", "oauth", "smsmessaging"]
    assert fake_orange.requests[-1].headers["authorization"] == "Bearer orange-token-2"
    assert cache.get(backend.token_cache_key()) == "orange-token-2"
    assert fake_orange.sleeps == []  # a 401 is not a retry


def test_orange_stops_the_batch_when_even_a_fresh_token_is_refused(fake_orange):
    fake_orange.fail_next(2, 401, path="/requests")
    results = OrangeSmsBackend().send_batch([message(ABIDJAN), message(YAMOUSSOUKRO)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert "401" in results[0].error
    assert len(fake_orange.requests_to("/requests")) == 2  # one message, twice; not the next


def test_orange_wrong_credentials_fail_every_message_without_sending(fake_orange):
    config = {**fake_orange.settings()["SMS_ORANGE"], "CLIENT_SECRET": "wrong"}
    results = OrangeSmsBackend(config).send_batch([message(ABIDJAN), message(YAMOUSSOUKRO)])
    assert [r.ok for r in results] == [False, False]
    assert "token refused: HTTP 401" in results[0].error
    assert fake_orange.requests_to("/requests") == []


def test_orange_invalid_number_is_a_permanent_failure(fake_orange):
    fake_orange.invalid_numbers.add(YAMOUSSOUKRO)
    results = OrangeSmsBackend().send_batch(
        [message(YAMOUSSOUKRO), message(ABIDJAN), message("+22501")]
    )
    assert [(r.ok, r.permanent) for r in results] == [(False, True), (True, False), (False, True)]
    assert results[0].error.startswith("HTTP 400 SVC0004")
    assert YAMOUSSOUKRO[1:] not in results[0].error


def test_orange_other_refusals_are_not_permanent(fake_orange):
    fake_orange.fail_next(
        1,
        403,
        path="/requests",
        body={"requestError": {"policyException": {"messageId": "POL3003", "text": "No credit"}}},
    )
    [result] = OrangeSmsBackend().send_batch([message(ABIDJAN)])
    assert (result.ok, result.permanent) == (False, False)
    assert result.error == "HTTP 403 POL3003: No credit"


def test_orange_retries_429_and_500_with_backoff_then_succeeds(fake_orange):
    fake_orange.fail_next(1, 429, path="/requests", headers={"Retry-After": "2"})
    fake_orange.fail_next(1, 500, path="/requests")

    [result] = OrangeSmsBackend().send_batch([message(ABIDJAN)])

    assert result.ok
    assert len(fake_orange.requests_to("/requests")) == 3
    assert fake_orange.sleeps == [2.0, 1.0]  # Retry-After, then 0.5 * 2


def test_orange_retries_a_dropped_connection_and_a_timeout(fake_orange):
    fake_orange.fail_next(1, drop=True, path="/requests")
    fake_orange.fail_next(1, delay=1.0, path="/requests")
    with override_settings(SMS_TIMEOUT=0.3):
        [result] = OrangeSmsBackend().send_batch([message(ABIDJAN)])
    assert result.ok
    assert fake_orange.sleeps == [0.5, 1.0]


def test_orange_gives_up_after_max_attempts_and_spares_the_rest_of_the_batch(fake_orange):
    fake_orange.fail_next(3, 503, path="/requests")

    results = OrangeSmsBackend().send_batch([message(ABIDJAN), message(YAMOUSSOUKRO)])

    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert results[0].error == "orange unavailable: HTTP 503 after 3 attempts"
    assert results[1].error == results[0].error
    assert len(fake_orange.requests_to("/requests")) == 3
    assert fake_orange.sleeps == [0.5, 1.0]


def test_orange_max_attempts_comes_from_the_settings(fake_orange):
    fake_orange.fail_next(5, 500, path="/requests")
    with override_settings(SMS_MAX_ATTEMPTS=5):
        [result] = OrangeSmsBackend().send_batch([message(ABIDJAN)])
    assert not result.ok
    assert fake_orange.sleeps == [0.5, 1.0, 2.0, 4.0]
    [result] = OrangeSmsBackend(max_attempts=1).send_batch([message(ABIDJAN)])
    assert result.ok


def test_orange_token_endpoint_unavailable(fake_orange):
    fake_orange.fail_next(3, 502, path="/oauth/")
    results = OrangeSmsBackend().send_batch([message(ABIDJAN), message(YAMOUSSOUKRO)])
    assert [r.ok for r in results] == [False, False]
    assert fake_orange.requests_to("/requests") == []


def test_a_request_that_cannot_be_made_fails_the_batch_without_retry(fake_orange):
    config = {**fake_orange.settings()["SMS_ORANGE"], "BASE_URL": "api.orange.invalid"}
    results = OrangeSmsBackend(config).send_batch([message(ABIDJAN), message(YAMOUSSOUKRO)])
    assert [r.error for r in results] == ["orange request failed: MissingSchema"] * 2
    assert fake_orange.sleeps == []


def test_orange_needs_its_credentials():
    with override_settings(SMS_ORANGE={"CLIENT_ID": "x"}), pytest.raises(ImproperlyConfigured):
        OrangeSmsBackend()


# --- OVH ------------------------------------------------------------------------------


def ovh_signature(secret: str, consumer: str, method: str, url: str, body: str, ts: str) -> str:
    return (
        "$1$" + hashlib.sha1(f"{secret}+{consumer}+{method}+{url}+{body}+{ts}".encode()).hexdigest()
    )


def test_ovh_sends_one_signed_job_per_text(fake_ovh):
    messages = [message(SAINT_MALO), message(AMIENS, "Fête des voisins"), message(AMIENS)]

    results = OvhSmsBackend().send_batch(messages)

    clock, first, second = fake_ovh.requests
    assert (clock.method, clock.path) == ("GET", "/1.0/auth/time")
    url = f"{fake_ovh.base_url}/1.0/sms/sms-ab12345-1/jobs"
    assert (first.method, fake_ovh.base_url + first.path) == ("POST", url)
    assert first.json == {
        "receivers": [SAINT_MALO, AMIENS],
        "message": ALERT,
        "noStopClause": True,
        "priority": "high",
        "charset": "UTF-8",
        "coding": "7bit",
        "sender": "Voisinage",
    }
    assert second.json["receivers"] == [AMIENS]
    assert second.json["coding"] == "8bit"  # "ê" is not in the GSM alphabet
    for job in (first, second):
        headers = job.headers
        assert headers["x-ovh-application"] == "ovh-app-key"
        assert headers["x-ovh-consumer"] == "ovh-consumer-key"
        assert abs(int(headers["x-ovh-timestamp"]) - (time.time() + fake_ovh.skew)) < 5
        assert headers["x-ovh-signature"] == ovh_signature(
            "ovh-app-secret",
            "ovh-consumer-key",
            "POST",
            url,
            job.body.decode(),
            headers["x-ovh-timestamp"],
        )
    assert [r.ok for r in results] == [True, True, True]
    assert [r.message for r in results] == messages
    assert results[0].provider_id == "10000001"
    assert results[2].provider_id == "10000002"  # same job as the first
    assert results[1].provider_id == "10000003"


def test_ovh_invalid_receivers_are_permanent_failures(fake_ovh):
    fake_ovh.invalid_numbers.add(AMIENS)
    results = OvhSmsBackend().send_batch([message(AMIENS), message(SAINT_MALO)])
    assert [(r.ok, r.permanent) for r in results] == [(False, True), (True, False)]
    assert results[0].error == "ovh: invalid receiver"
    assert results[1].provider_id == "10000001"


def test_ovh_without_sender_asks_for_a_short_number_and_keeps_the_stop_clause(fake_ovh):
    config = {**fake_ovh.settings()["SMS_OVH"], "SENDER": "", "NO_STOP_CLAUSE": False}
    OvhSmsBackend(config).send_batch([message(SAINT_MALO)])
    job = fake_ovh.requests[-1].json
    assert job["senderForResponse"] is True
    assert "sender" not in job
    assert job["noStopClause"] is False


def test_ovh_clock_offset_is_cached(fake_ovh):
    OvhSmsBackend().send_batch([message(SAINT_MALO)])
    OvhSmsBackend().send_batch([message(AMIENS)])
    assert len(fake_ovh.requests_to("/auth/time")) == 1
    assert OvhSmsBackend().time_delta() == pytest.approx(fake_ovh.skew, abs=2)


def test_ovh_resynchronises_its_clock_when_ovh_says_query_out_of_time(fake_ovh):
    backend = OvhSmsBackend()
    cache.set(backend._time_delta_key(), 0)  # stale: OVH's clock is 1234 s ahead

    [result] = backend.send_batch([message(SAINT_MALO)])

    assert result.ok
    routes = [r.route for r in fake_ovh.requests]
    assert routes == [
        "/1.0/sms/sms-ab12345-1/jobs",
        "/1.0/auth/time",
        "/1.0/sms/sms-ab12345-1/jobs",
    ]


def test_ovh_wrong_secret_is_refused_and_ends_the_batch(fake_ovh):
    config = {**fake_ovh.settings()["SMS_OVH"], "APPLICATION_SECRET": "not-the-secret"}
    results = OvhSmsBackend(config).send_batch(
        [message(SAINT_MALO), message(AMIENS, "Autre texte")]
    )
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert "HTTP 403 INVALID_SIGNATURE" in results[0].error
    assert len(fake_ovh.requests_to("/jobs")) == 1


def test_ovh_retries_then_succeeds_and_signs_each_attempt(fake_ovh):
    fake_ovh.fail_next(1, 500, path="/jobs")
    fake_ovh.fail_next(1, 429, path="/jobs")
    [result] = OvhSmsBackend().send_batch([message(SAINT_MALO)])
    assert result.ok
    assert fake_ovh.sleeps == [0.5, 1.0]
    jobs = fake_ovh.requests_to("/jobs")
    assert len(jobs) == 3
    assert all(j.headers["x-ovh-signature"] == fake_ovh.expected_signature(j) for j in jobs)


def test_ovh_gives_up_after_max_attempts(fake_ovh):
    fake_ovh.fail_next(3, 500, path="/jobs")
    results = OvhSmsBackend().send_batch([message(SAINT_MALO), message(AMIENS, "Autre")])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert results[0].error == "ovh unavailable: HTTP 500 after 3 attempts"
    assert len(fake_ovh.requests_to("/jobs")) == 3


def test_ovh_cuts_jobs_at_max_batch_size(fake_ovh):
    backend = OvhSmsBackend()
    backend.max_batch_size = 2
    numbers = [f"+3361234560{i}" for i in range(5)]
    results = backend.send_batch([message(n) for n in numbers])
    assert [len(j.json["receivers"]) for j in fake_ovh.requests_to("/jobs")] == [2, 2, 1]
    assert all(r.ok for r in results)


def test_sms_coding_follows_the_gsm_alphabet():
    assert sms_coding("Coupure d'eau à Saint-Malo, rue de l'Église : 8 h-12 h [€]") == "7bit"
    assert sms_coding("Fête des voisins") == "8bit"
    assert sms_coding("Rendez-vous à l’école") == "8bit"  # typographic apostrophe


# --- Twilio ---------------------------------------------------------------------------


def test_twilio_posts_a_form_with_basic_auth(fake_twilio):
    [result] = TwilioSmsBackend().send_batch([message(QUEBEC)])

    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.basic_auth == (fake_twilio.account_sid, "twilio-auth-token")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "To": QUEBEC,
        "Body": ALERT,
        "From": "+15005550006",
        "StatusCallback": "https://voisinage.example/sms/twilio/status/",
    }
    assert result.ok
    assert result.provider_id.startswith("SM")


def test_twilio_messaging_service_replaces_from(fake_twilio):
    config = {**fake_twilio.settings()["SMS_TWILIO"], "FROM": "", "MESSAGING_SERVICE_SID": "MG1"}
    TwilioSmsBackend(config).send_batch([message(QUEBEC)])
    form = fake_twilio.requests[-1].form
    assert form["MessagingServiceSid"] == "MG1"
    assert "From" not in form


def test_twilio_needs_a_sender():
    config = {"ACCOUNT_SID": "AC1", "AUTH_TOKEN": "t"}
    with pytest.raises(ImproperlyConfigured):
        TwilioSmsBackend(config)


def test_twilio_invalid_number_is_permanent_and_scrubbed(fake_twilio):
    fake_twilio.invalid_numbers.add(QUEBEC)
    [result] = TwilioSmsBackend().send_batch([message(QUEBEC)])
    assert (result.ok, result.permanent) == (False, True)
    assert (
        result.error == "HTTP 400 21211 The 'To' number +*********23 is not a valid phone number."
    )


def test_twilio_retries_429_then_succeeds(fake_twilio):
    fake_twilio.fail_next(2, 429)
    [result] = TwilioSmsBackend().send_batch([message(QUEBEC)])
    assert result.ok
    assert fake_twilio.sleeps == [0.5, 1.0]


def test_twilio_gives_up_after_max_attempts(fake_twilio):
    fake_twilio.fail_next(3, 500)
    [result] = TwilioSmsBackend().send_batch([message(QUEBEC)])
    assert (result.ok, result.permanent) == (False, False)
    assert result.error == "twilio unavailable: HTTP 500 after 3 attempts"


def test_twilio_wrong_credentials_end_the_batch(fake_twilio):
    config = {**fake_twilio.settings()["SMS_TWILIO"], "AUTH_TOKEN": "wrong"}
    results = TwilioSmsBackend(config).send_batch([message(QUEBEC), message(SAINT_MALO)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert "20003" in results[0].error
    assert len(fake_twilio.requests) == 1


# --- Routing --------------------------------------------------------------------------


@override_settings(SMS_ROUTES=ROUTES)
def test_routing_by_prefix_keeps_the_order(fake_orange, fake_ovh, fake_twilio):
    messages = [message(ABIDJAN), message(SAINT_MALO), message(QUEBEC), message(YAMOUSSOUKRO)]

    results = RoutingSmsBackend().send_batch(messages)

    assert [r.message for r in results] == messages
    assert all(r.ok for r in results)
    sent_by_orange = [
        r.json["outboundSMSMessageRequest"]["address"] for r in fake_orange.requests_to("/requests")
    ]
    assert sent_by_orange == [f"tel:{ABIDJAN}", f"tel:{YAMOUSSOUKRO}"]
    assert [r.json["receivers"] for r in fake_ovh.requests_to("/jobs")] == [[SAINT_MALO]]
    assert [r.form["To"] for r in fake_twilio.requests] == [QUEBEC]


def test_routing_prefers_the_longest_prefix():
    router = RoutingSmsBackend(
        {"+33": "notifications.sms.LocmemSmsBackend", "+336": "notifications.sms.ConsoleSmsBackend"}
    )
    assert router.route("+33612345678") == "notifications.sms.ConsoleSmsBackend"
    assert router.route("+33112345678") == "notifications.sms.LocmemSmsBackend"
    assert router.route("0033112345678") == "notifications.sms.LocmemSmsBackend"
    assert router.route("+2250701020304") == ""


def test_routing_without_a_route_fails_that_message_only():
    sms.outbox.clear()
    router = RoutingSmsBackend({"+33": "notifications.sms.LocmemSmsBackend"})
    results = router.send_batch([message(QUEBEC), message(SAINT_MALO)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (True, False)]
    assert results[0].error == "no SMS route for this number"
    assert sms.outbox == [message(SAINT_MALO)]
    sms.outbox.clear()


def test_routing_batch_size_is_read_without_credentials():
    with override_settings(SMS_ORANGE={}, SMS_OVH={}, SMS_TWILIO={}):
        assert RoutingSmsBackend(ROUTES).max_batch_size == 100


def test_routing_rejects_a_prefix_that_is_not_e164():
    with pytest.raises(ImproperlyConfigured):
        RoutingSmsBackend({"33": "notifications.sms.LocmemSmsBackend"})


@override_settings(
    SMS_BACKEND="notifications.sms_http.RoutingSmsBackend", SMS_ROUTES=ROUTES, REAL_SENDING=True
)
def test_send_sms_through_the_router(fake_ovh):
    assert send_sms(SAINT_MALO, ALERT, purpose=SmsPurpose.ALERT) == 1
    assert fake_ovh.requests_to("/jobs")[0].json["receivers"] == [SAINT_MALO]


@override_settings(SMS_BACKEND="notifications.sms_http.RoutingSmsBackend", REAL_SENDING=False)
def test_only_real_sending_settings_may_use_a_provider(fake_ovh):
    with pytest.raises(ImproperlyConfigured):
        send_sms(SAINT_MALO, ALERT, purpose=SmsPurpose.ALERT)
    assert fake_ovh.requests == []


def test_default_routes_send_ivory_coast_to_orange_and_france_to_ovh():
    router = RoutingSmsBackend(DEFAULT_SMS_ROUTES)
    assert router.route(ABIDJAN).endswith("OrangeSmsBackend")
    assert router.route(SAINT_MALO).endswith("OvhSmsBackend")
    assert router.route("+262692123456").endswith("OvhSmsBackend")
    assert router.route(QUEBEC).endswith("TwilioSmsBackend")


# --- Delivery reports -----------------------------------------------------------------

CALLBACK_TOKEN = "s3cret-callback-token"
TWILIO_TOKEN = "twilio-auth-token"


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented algorithm, written again here to check the backend's."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


TWILIO_CALLBACK = {
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "MessageStatus": "undelivered",
    "ErrorCode": "30005",
    "To": QUEBEC,
    "From": "+15005550006",
    "AccountSid": "AC00000000000000000000000000000001",
    "ApiVersion": "2010-04-01",
}


def twilio_request(signature: str | None, params=None, path="/sms/twilio/status/"):
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return RequestFactory().post(
        path,
        data=urlencode(params or TWILIO_CALLBACK),
        content_type="application/x-www-form-urlencoded",
        secure=True,
        HTTP_HOST="voisinage.example",
        **headers,
    )


@override_settings(SMS_TWILIO={"AUTH_TOKEN": TWILIO_TOKEN})
def test_twilio_status_callback_with_a_good_signature():
    url = "https://voisinage.example/sms/twilio/status/"
    request = twilio_request(twilio_signature(TWILIO_TOKEN, url, TWILIO_CALLBACK))

    statuses = TwilioSmsBackend.parse_status_callback(request)

    assert statuses == [
        SmsStatus(
            to=QUEBEC,
            provider_id="SM0123456789abcdef0123456789abcdef",
            failed=True,
            reason="undelivered (30005)",
            permanent=True,
        )
    ]


@override_settings(SMS_TWILIO={"AUTH_TOKEN": TWILIO_TOKEN})
def test_twilio_status_callback_accepts_the_url_with_its_default_port():
    params = {**TWILIO_CALLBACK, "MessageStatus": "delivered", "ErrorCode": ""}
    path = "/sms/twilio/status/?tenant=saint-malo"
    url = f"https://voisinage.example:443{path}"
    request = twilio_request(twilio_signature(TWILIO_TOKEN, url, params), params, path)
    [status] = TwilioSmsBackend.parse_status_callback(request)
    assert (status.failed, status.reason, status.permanent) == (False, "delivered", False)


@override_settings(SMS_TWILIO={"AUTH_TOKEN": TWILIO_TOKEN})
def test_twilio_status_callback_refuses_bad_signatures():
    url = "https://voisinage.example/sms/twilio/status/"
    good = twilio_signature(TWILIO_TOKEN, url, TWILIO_CALLBACK)
    tampered = {**TWILIO_CALLBACK, "MessageStatus": "delivered"}
    with pytest.raises(InvalidSignature):
        TwilioSmsBackend.parse_status_callback(twilio_request(good, tampered))
    with pytest.raises(InvalidSignature):
        TwilioSmsBackend.parse_status_callback(twilio_request(None))
    wrong_key = twilio_signature("another-token", url, TWILIO_CALLBACK)
    with pytest.raises(InvalidSignature):
        TwilioSmsBackend.parse_status_callback(twilio_request(wrong_key))
    with pytest.raises(InvalidSignature):
        TwilioSmsBackend.parse_status_callback(twilio_request("not base64 ✗"))


@override_settings(SMS_TWILIO={"AUTH_TOKEN": TWILIO_TOKEN})
def test_twilio_status_callback_without_message_fields_is_invalid():
    params = {"Foo": "bar"}
    url = "https://voisinage.example/sms/twilio/status/"
    request = twilio_request(twilio_signature(TWILIO_TOKEN, url, params), params)
    with pytest.raises(InvalidCallback):
        TwilioSmsBackend.parse_status_callback(request)


def orange_receipt(status: str, token: str | None = CALLBACK_TOKEN):
    body = {
        "deliveryInfoNotification": {
            "callbackData": "alert-42",
            "deliveryInfo": {"address": f"tel:{ABIDJAN}", "deliveryStatus": status},
        }
    }
    query = f"?token={token}" if token is not None else ""
    return RequestFactory().post(
        f"/sms/orange/status/{query}", data=json.dumps(body), content_type="application/json"
    )


@override_settings(SMS_CALLBACK_TOKEN=CALLBACK_TOKEN)
def test_orange_delivery_receipt_with_the_right_token():
    assert OrangeSmsBackend.parse_status_callback(orange_receipt("DeliveryImpossible")) == [
        SmsStatus(to=ABIDJAN, provider_id="alert-42", failed=True, reason="DeliveryImpossible")
    ]
    [status] = OrangeSmsBackend.parse_status_callback(orange_receipt("DeliveredToTerminal"))
    assert not status.failed


@override_settings(SMS_CALLBACK_TOKEN=CALLBACK_TOKEN)
def test_orange_delivery_receipt_with_a_wrong_or_missing_token():
    with pytest.raises(InvalidSignature):
        OrangeSmsBackend.parse_status_callback(orange_receipt("DeliveryImpossible", "guess"))
    with pytest.raises(InvalidSignature):
        OrangeSmsBackend.parse_status_callback(orange_receipt("DeliveryImpossible", None))


@override_settings(SMS_CALLBACK_TOKEN="")
def test_callbacks_without_a_configured_token_are_all_refused():
    with pytest.raises(InvalidSignature):
        OrangeSmsBackend.parse_status_callback(orange_receipt("DeliveryImpossible", ""))


@override_settings(SMS_CALLBACK_TOKEN=CALLBACK_TOKEN)
def test_orange_callback_that_is_not_a_receipt():
    request = RequestFactory().post(
        f"/sms/orange/status/?token={CALLBACK_TOKEN}", data="{}", content_type="application/json"
    )
    with pytest.raises(InvalidCallback):
        OrangeSmsBackend.parse_status_callback(request)
    request = RequestFactory().post(
        f"/sms/orange/status/?token={CALLBACK_TOKEN}", data="<xml/>", content_type="text/xml"
    )
    with pytest.raises(InvalidCallback):
        OrangeSmsBackend.parse_status_callback(request)


@override_settings(SMS_CALLBACK_TOKEN=CALLBACK_TOKEN)
def test_ovh_delivery_report_with_the_right_token():
    factory = RequestFactory()
    failed = factory.get(
        "/sms/ovh/status/",
        {
            "token": CALLBACK_TOKEN,
            "id": "10000001",
            "ptt": "23",
            "description": "2",
            "descriptionDlr": "Failed",
            "date": "2025-11-23 21:00:00",
        },
    )
    assert OvhSmsBackend.parse_status_callback(failed) == [
        SmsStatus(
            to="",
            provider_id="10000001",
            failed=True,
            reason="state 2 ptt 23 Failed",
            permanent=True,
        )
    ]
    delivered = factory.get(
        "/sms/ovh/status/",
        {"token": CALLBACK_TOKEN, "id": "10000002", "ptt": "4", "description": "1"},
    )
    [status] = OvhSmsBackend.parse_status_callback(delivered)
    assert (status.failed, status.permanent) == (False, False)
    absent = factory.post(
        f"/sms/ovh/status/?token={CALLBACK_TOKEN}",
        {"receiver": "0033612345678", "dlr": "16", "ptt": "24"},
    )
    [status] = OvhSmsBackend.parse_status_callback(absent)
    assert (status.to, status.failed, status.permanent) == (SAINT_MALO, True, False)


@override_settings(SMS_CALLBACK_TOKEN=CALLBACK_TOKEN)
def test_ovh_delivery_report_with_a_wrong_token_or_no_content():
    factory = RequestFactory()
    with pytest.raises(InvalidSignature):
        OvhSmsBackend.parse_status_callback(
            factory.get("/sms/ovh/status/", {"token": "nope", "id": "1", "description": "1"})
        )
    with pytest.raises(InvalidCallback):
        OvhSmsBackend.parse_status_callback(
            factory.get("/sms/ovh/status/", {"token": CALLBACK_TOKEN})
        )


# --- Phone numbers stay out of the logs ----------------------------------------------


class _Capture(logging.Handler):
    """Collects log records (``make test`` runs pytest without its logging plugin)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logs():
    handler = _Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@override_settings(SMS_ROUTES=ROUTES)
def test_phone_numbers_never_appear_unmasked_in_logs(logs, fake_orange, fake_ovh, fake_twilio):
    caplog = logs
    fake_orange.invalid_numbers.add(ABIDJAN)  # Orange's error names the address
    fake_orange.fail_next(2, 500, path="/requests")  # ABIDJAN: retried first
    fake_ovh.invalid_numbers.add(SAINT_MALO)
    fake_twilio.invalid_numbers.add(QUEBEC)  # Twilio's error message quotes the number
    fake_twilio.fail_next(1, drop=True)
    numbers = [ABIDJAN, YAMOUSSOUKRO, SAINT_MALO, AMIENS, QUEBEC]

    results = RoutingSmsBackend().send_batch([message(n) for n in numbers])
    fake_orange.fail_next(3, 503, path="/requests")
    results += RoutingSmsBackend().send_batch([message(YAMOUSSOUKRO)])  # given up
    germany = "+4915112345678"
    results += RoutingSmsBackend({"+33": ROUTES["+33"]}).send_batch([message(germany)])

    assert [r.ok for r in results] == [False, True, False, True, False, False, False]
    assert [r.permanent for r in results] == [True, False, True, False, True, False, False]
    assert "+*********78" in caplog.text  # masked numbers are there
    texts = [caplog.text, *(r.error for r in results)]
    for number in [*numbers, germany]:
        for text in texts:
            assert number not in text
            assert number[1:] not in text  # nor without its "+"
            assert number[-9:] not in text  # nor its national part


# --- Settings -------------------------------------------------------------------------


def test_sms_settings_come_from_the_environment():
    values = sms_settings(
        {
            "SMS_ORANGE_CLIENT_ID": "id",
            "SMS_ORANGE_SENDER": "2250000",
            "SMS_OVH_NO_STOP_CLAUSE": "0",
            "SMS_TWILIO_FROM": "+15005550006",
            "SMS_TIMEOUT": "5",
            "SMS_MAX_ATTEMPTS": "4",
            "SMS_CALLBACK_TOKEN": "tok",
            "SMS_ROUTES": '{"+225": "notifications.sms_http.OrangeSmsBackend"}',
        }
    )
    assert values["SMS_ORANGE"]["CLIENT_ID"] == "id"
    assert values["SMS_ORANGE"]["BASE_URL"] == "https://api.orange.com"
    assert values["SMS_OVH"]["NO_STOP_CLAUSE"] is False
    assert values["SMS_OVH"]["BASE_URL"] == "https://eu.api.ovh.com"
    assert values["SMS_TWILIO"]["FROM"] == "+15005550006"
    assert values["SMS_TIMEOUT"] == 5.0
    assert values["SMS_MAX_ATTEMPTS"] == 4
    assert values["SMS_CALLBACK_TOKEN"] == "tok"
    assert values["SMS_ROUTES"] == {"+225": "notifications.sms_http.OrangeSmsBackend"}
    defaults = sms_settings({})
    assert defaults["SMS_ROUTES"] == DEFAULT_SMS_ROUTES
    assert defaults["SMS_OVH"]["NO_STOP_CLAUSE"] is True
    assert (defaults["SMS_TIMEOUT"], defaults["SMS_MAX_ATTEMPTS"]) == (10.0, 3)
