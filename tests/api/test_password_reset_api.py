"""A forgotten password through the API (API-1, ACC-3): the site's e-mail, the emailed
token posted back, no account discovery, abuse limits, everything ended after a reset."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.closure import account_close
from accounts.models import DeviceToken
from tests.api.conftest import token_client
from tests.factories import PASSWORD, UserFactory
from tests.platform.accounts.conftest import captured_logs

pytestmark = pytest.mark.django_db

REQUEST = "/api/v1/accounts/password-reset/"
CONFIRM = "/api/v1/accounts/password-reset/confirm/"
TOKENS = "/api/v1/auth/tokens/"
ME = "/api/v1/me/"
NEW_PASSWORD = "un tout nouveau mot de passe 2026"
LINK = re.compile(r"https?://[^/\s]+/compte/mot-de-passe/nouveau/([^/\s]+)/([^/\s]+)/")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the throttles and the reset limits count in the cache
    yield
    cache.clear()


def api(ip: str = "10.7.0.1") -> APIClient:
    return APIClient(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="fr")


def ask(email: str, ip: str = "10.7.0.1"):
    return api(ip).post(REQUEST, {"email": email}, format="json")


def link_parts(message) -> tuple[str, str]:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1), found.group(2)


def confirm(uid: str, token: str, password: str = NEW_PASSWORD):
    return api().post(
        CONFIRM, {"uid": uid, "token": token, "new_password": password}, format="json"
    )


def invalid_link_body() -> dict:
    with translation.override("fr"):
        return {
            "token": [
                translation.gettext(
                    "This link is no longer valid: it has already been used or has expired."
                )
            ]
        }


def sent_body() -> dict:
    with translation.override("fr"):
        return {
            "detail": translation.gettext(
                "If an account uses this address, an email with a link to choose a new "
                "password is on its way."
            )
        }


def auth_events(records) -> list[dict]:
    return [json.loads(r.getMessage()) for r in records if r.name == "voisinage.auth"]


def test_the_sites_email_carries_the_uid_and_token_the_app_posts(resident):
    app = token_client(resident)
    other_app = token_client(resident)
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    browser.force_login(resident)
    assert app.get(ME).status_code == 200
    assert browser.get(ME).status_code == 200

    response = ask(resident.email.upper())

    assert response.status_code == 202
    assert response.json() == sent_body()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [resident.email]
    # The site's own e-mail (its subject and text), with a link that opens the site's page.
    with translation.override("fr"):
        subject = render_to_string(
            "accounts/password_reset_subject.txt", {"site_name": "testserver"}
        ).strip()
        ignore = translation.gettext(
            "If you did not ask for it, ignore this email: your password stays the same."
        )
    assert message.subject == subject
    assert ignore in message.body
    uid, token = link_parts(message)
    site_page = Client().get(f"/compte/mot-de-passe/nouveau/{uid}/{token}/", follow=True)
    assert site_page.context["validlink"] is True

    with captured_logs("voisinage.auth") as records:
        assert confirm(uid, token).status_code == 204

    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    assert not resident.check_password(PASSWORD)
    # A reset after theft logs the thief out: every token and every session ends.
    assert app.get(ME).status_code == 401
    assert other_app.get(ME).status_code == 401
    assert not DeviceToken.objects.active().filter(user=resident).exists()
    assert browser.get(ME).status_code in (401, 403)
    assert [(e["event"], e["outcome"], e["channel"]) for e in auth_events(records)] == [
        ("unlock", "password_reset", "api")
    ]
    # The link works once.
    assert confirm(uid, token, "encore un autre mot de passe 2027").json() == invalid_link_body()
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    # The new password opens the app again.
    login = api().post(
        TOKENS,
        {"email": resident.email, "password": NEW_PASSWORD, "device_name": "Tecno"},
        format="json",
    )
    assert login.status_code == 201


def test_same_answer_and_no_email_for_an_unknown_address(resident):
    known = ask(resident.email)
    mail.outbox.clear()
    unknown = ask("personne@example.org")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert unknown.status_code == 202
    assert mail.outbox == []


def test_closed_suspended_and_inactive_accounts_get_no_email(db):
    closed = UserFactory(email="fermee@example.org")
    account_close(user=closed, password=PASSWORD)
    suspended = UserFactory(email="suspendu@example.org", suspended_at=timezone.now())
    inactive = UserFactory(email="inactif@example.org", is_active=False)
    mail.outbox.clear()
    for email in ("fermee@example.org", suspended.email, inactive.email):
        response = ask(email)
        assert response.status_code == 202
        assert response.json() == sent_body()
    assert mail.outbox == []


def test_a_link_made_before_a_suspension_no_longer_works(resident):
    ask(resident.email)
    uid, token = link_parts(mail.outbox[0])
    resident.suspended_at = timezone.now()
    resident.save(update_fields=["suspended_at"])
    response = confirm(uid, token)
    assert (response.status_code, response.json()) == (400, invalid_link_body())
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_wrong_and_expired_tokens_are_refused(resident, settings):
    ask(resident.email)
    uid, token = link_parts(mail.outbox[0])
    for bad_uid, bad_token in ((uid, "x" + token), ("Zm9v", token), (uid, "")):
        response = confirm(bad_uid, bad_token)
        assert response.status_code == 400
    assert confirm(uid, "x" + token).json() == invalid_link_body()
    assert confirm("Zm9v", token).json() == invalid_link_body()
    # A day past its time (time_machine's naive clock is UTC's, Django's local: a margin).
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT, days=1)
    ):
        response = confirm(uid, token)
    assert (response.status_code, response.json()) == (400, invalid_link_body())
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)
    # Still valid within its time: the refusals above consumed nothing.
    assert confirm(uid, token).status_code == 204


def test_a_weak_password_gets_the_validators_french_messages(resident):
    ask(resident.email)
    uid, token = link_parts(mail.outbox[0])
    response = confirm(uid, token, "court")
    assert response.status_code == 400
    with translation.override("fr"):
        try:
            password_validation.validate_password("court", resident)
        except ValidationError as error:
            expected = error.messages
    with translation.override("en"):
        try:
            password_validation.validate_password("court", resident)
        except ValidationError as error:
            english = error.messages
    assert response.json() == {"new_password": expected}
    assert expected != english  # the messages are the French ones
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)
    # The link is still usable with a good password.
    assert confirm(uid, token).status_code == 204


def test_the_reset_unlocks_a_locked_account_and_confirms_the_address(db):
    person = UserFactory(email="verrou@example.org", email_verified_at=None)
    for n in range(5):
        api(f"10.8.0.{n}").post(
            TOKENS,
            {"email": person.email, "password": "pas le bon", "device_name": "x"},
            format="json",
        )
    assert AccessAttempt.objects.filter(username=person.email).exists()
    ask(person.email)
    uid, token = link_parts(mail.outbox[0])
    assert confirm(uid, token).status_code == 204
    assert not AccessAttempt.objects.filter(username=person.email).exists()
    person.refresh_from_db()
    assert person.email_verified_at is not None
    login = api("10.8.0.9").post(
        TOKENS,
        {"email": person.email, "password": NEW_PASSWORD, "device_name": "x"},
        format="json",
    )
    assert login.status_code == 201


def test_an_address_asked_too_often_gets_the_same_answer_and_no_email(resident, settings):
    settings.ABUSE_LIMITS = {"password_reset": (3, 20)}  # the defaults (accounts.password_reset)
    with captured_logs("voisinage.auth") as records:
        answers = [ask(resident.email, ip=f"10.9.0.{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [202] * 4
    assert all(a.json() == sent_body() for a in answers)
    assert len(mail.outbox) == 3
    assert [(e["event"], e["outcome"]) for e in auth_events(records)] == [
        ("password_reset_request", "rate_limited")
    ]
    # Another address is not concerned.
    other = UserFactory()
    ask(other.email, ip="10.9.0.9")
    assert mail.outbox[-1].to == [other.email]


def test_a_client_asking_for_many_addresses_is_limited(settings):
    settings.ABUSE_LIMITS = {"password_reset": (3, 2)}
    people = [UserFactory() for _ in range(3)]
    answers = [ask(person.email, ip="10.10.0.1") for person in people]
    assert [a.status_code for a in answers] == [202] * 3
    assert [m.to for m in mail.outbox] == [[people[0].email], [people[1].email]]
    # Another client still gets its e-mail.
    assert ask(people[2].email, ip="10.10.0.2").status_code == 202
    assert mail.outbox[-1].to == [people[2].email]


def test_input_errors_are_400_with_field_messages(db):
    response = api().post(REQUEST, {"email": "pas-une-adresse"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email"}
    response = api().post(CONFIRM, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"uid", "token", "new_password"}


def test_the_schema_documents_both_operations(db):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    request = schema["paths"]["/api/v1/accounts/password-reset/"]["post"]
    confirm_op = schema["paths"]["/api/v1/accounts/password-reset/confirm/"]["post"]
    assert request["operationId"] == "accounts_password_reset_request"
    assert confirm_op["operationId"] == "accounts_password_reset_confirm"
    assert set(request["responses"]) >= {"202", "400"}
    assert set(confirm_op["responses"]) >= {"204", "400"}
