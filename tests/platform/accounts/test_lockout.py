"""ACC-3: lockout after 5 wrong passwords, unlock by the emailed reset link, sessions, audit log."""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.security import account_hash
from tests.factories import PASSWORD, UserFactory
from tests.platform.accounts.conftest import captured_logs
from tests.two_factor import verified_login

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
TOKENS = reverse("api:v1:token-list")
ME = reverse("api:v1:me")
HOST = "saint-malo.localhost"
NEW_PASSWORD = "un tout nouveau mot de passe 2026"
LOCKED_FR = "Votre compte est verrouillé après 5 mots de passe erronés"

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth_log():
    """Auth events and axes' own records."""
    with captured_logs("voisinage.auth", "axes") as records:
        yield records


def site_client(ip="10.0.0.1") -> Client:
    return Client(HTTP_HOST=HOST, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="fr")


def attempt(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def lock(user):
    for n in range(5):
        response = attempt(site_client(f"10.0.0.{n + 1}"), user.email, "pas le bon")
    return response


def reset_link_path(email_message) -> str:
    url = re.search(r"https?://[^\s]+/compte/mot-de-passe/nouveau/[^\s]+", email_message.body)
    assert url, email_message.body
    return re.sub(r"^https?://[^/]+", "", url.group(0))


def reset_password(client, email, password=NEW_PASSWORD):
    mail.outbox.clear()
    response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    response = client.get(reset_link_path(mail.outbox[0]), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_password_path = response.redirect_chain[-1][0]
    response = client.post(
        set_password_path, {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    return response


def test_four_wrong_passwords_do_not_lock(resident):
    for n in range(4):
        assert attempt(site_client(f"10.1.0.{n}"), resident.email, "pas le bon").status_code == 200
    response = attempt(site_client(), resident.email, PASSWORD)
    assert response.status_code == 302
    # A success resets the count.
    assert not AccessAttempt.objects.filter(username=resident.email).exists()


def test_five_wrong_passwords_from_different_ips_lock_the_account(resident):
    response = lock(resident)
    assert response.status_code == 403
    assert LOCKED_FR in response.content.decode()

    # The sixth attempt, with the right password and yet another IP, is refused.
    client = site_client("192.0.2.77")
    response = attempt(client, resident.email, PASSWORD)
    assert response.status_code == 403
    html = response.content.decode()
    assert LOCKED_FR in html
    assert "« Mot de passe oublié ? »" in html
    assert reverse("accounts:password_reset") in html
    assert "_auth_user_id" not in client.session

    # Another spelling of the same address is the same account.
    response = attempt(site_client(), resident.email.upper(), PASSWORD)
    assert response.status_code == 403


def test_lockout_of_one_account_does_not_lock_another(resident):
    other = UserFactory()
    lock(resident)
    response = attempt(site_client("10.0.0.1"), other.email, PASSWORD)
    assert response.status_code == 302


def test_reset_link_sets_a_new_password_and_unlocks(resident):
    lock(resident)
    client = site_client()
    reset_password(client, resident.email)
    assert not AccessAttempt.objects.filter(username=resident.email).exists()

    # The old password no longer works, the new one does.
    assert attempt(site_client(), resident.email, PASSWORD).status_code == 200
    response = attempt(client, resident.email, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_login_page_links_to_the_forgotten_password_page(db):
    response = site_client().get(LOGIN)
    assert 'href="/compte/mot-de-passe/oublie/"' in response.content.decode()
    assert "Mot de passe oublié ?" in response.content.decode()


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db):
    response = site_client().post(RESET, {"email": "personne@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_login_starts_a_new_session(resident):
    client = site_client()
    client.get(LOGIN)
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key
    assert attempt(client, resident.email, PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_password_reset_ends_the_other_sessions(resident):
    elsewhere = site_client("10.9.9.9")
    assert attempt(elsewhere, resident.email, PASSWORD).status_code == 302
    assert elsewhere.get(ME).status_code == 200

    reset_password(site_client(), resident.email)

    assert elsewhere.get(ME).status_code in (401, 403)
    assert "_auth_user_id" not in elsewhere.session


def test_token_api_counts_failures_and_refuses_a_locked_account(resident, api_client):
    def issue(password, ip):
        return api_client.post(
            TOKENS,
            {"email": resident.email, "password": password, "device_name": "Téléphone"},
            format="json",
            REMOTE_ADDR=ip,
        )

    for n in range(4):
        response = issue("pas le bon", f"10.2.0.{n}")
        assert response.status_code == 400
    response = issue("pas le bon", "10.2.0.9")
    assert response.status_code == 403
    assert LOCKED_FR in response.json()["detail"]

    response = issue(PASSWORD, "10.2.0.10")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert LOCKED_FR in response.json()["detail"]

    # The site refuses it too: the lock is on the account.
    assert attempt(site_client(), resident.email, PASSWORD).status_code == 403

    reset_password(site_client(), resident.email)
    assert issue(NEW_PASSWORD, "10.2.0.11").status_code == 201


def test_site_failures_and_api_failures_add_up(resident, api_client):
    for n in range(3):
        attempt(site_client(f"10.3.0.{n}"), resident.email, "pas le bon")
    for _ in range(2):
        response = api_client.post(
            TOKENS,
            {"email": resident.email, "password": "pas le bon", "device_name": "x"},
            format="json",
        )
    assert response.status_code == 403


def events(records):
    return [json.loads(r.getMessage()) for r in records if r.name == "voisinage.auth"]


def test_auth_events_are_logged_without_the_email(resident, auth_log):
    lock(resident)
    attempt(site_client("192.0.2.1"), resident.email, PASSWORD)  # refused
    reset_password(site_client(), resident.email)
    attempt(site_client(), resident.email, NEW_PASSWORD)

    logged = events(auth_log)
    kinds = [e["event"] for e in logged]
    # The fifth failure and the lockout it causes come in either order.
    assert sorted(kinds[:6]) == sorted(["login_failed"] * 5 + ["lockout"])
    assert kinds[6:] == ["access_refused", "unlock", "login"]
    expected = account_hash(resident.email)
    assert all(e["account"] == expected for e in logged)
    assert all(len(e["account"]) == 16 and e["ip_hash"] for e in logged)
    assert {e["outcome"] for e in logged} == {"failure", "locked", "password_reset", "success"}

    text = "\n".join(
        [r.getMessage() for r in auth_log]
        + [json.dumps(getattr(r, "auth_event", {})) for r in auth_log]
    )
    assert auth_log
    assert resident.email not in text
    assert resident.email.split("@")[0] not in text
    assert PASSWORD not in text and NEW_PASSWORD not in text
    assert "192.0.2.1" not in text


def test_account_hash_is_keyed_and_case_insensitive(settings):
    first = account_hash("Marie@Example.org")
    assert first == account_hash("marie@example.org")
    assert len(first) == 16
    settings.SECRET_KEY = "another-key"
    assert account_hash("marie@example.org") != first


def test_wagtail_admin_shows_no_password_hash(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    person = UserFactory()
    verified_login(client, admin)
    response = client.get(reverse("wagtailusers_users:edit", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    *_, digest = person.password.split("$")
    assert person.password not in html
    assert digest not in html  # nor the digest alone


def test_the_owner_is_mailed_the_reset_link_when_the_account_locks(
    django_capture_on_commit_callbacks,
):
    """Issue 21: anyone can lock anyone (ACC-3 wants the lock); the owner hears of it at once,
    with the link that unlocks, once per lock (not for each refused try)."""
    user = UserFactory(email="locked@example.org", first_name="Marie")
    with django_capture_on_commit_callbacks(execute=True):
        lock(user)
        attempt(site_client("10.0.0.9"), user.email, "encore faux")  # refused: no second mail
    assert [message.to for message in mail.outbox] == [["locked@example.org"]]
    notice = mail.outbox[0]
    assert notice.subject == "Votre compte est verrouillé : choisissez un nouveau mot de passe"
    assert "5 mots de passe erronés d’affilée" in notice.body
    assert len(mail.outbox) == 1
    client = site_client()
    page = client.get(reset_link_path(notice), follow=True)
    assert page.status_code == 200
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="locked@example.org").exists()
    assert attempt(site_client(), user.email, NEW_PASSWORD).status_code == 302


def test_no_notice_for_an_address_without_an_account(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            attempt(site_client(f"10.0.1.{n + 1}"), "personne@example.org", "pas le bon")
    assert mail.outbox == []
