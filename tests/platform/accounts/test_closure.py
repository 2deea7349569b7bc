"""ACC-12: closing an account erases the person, keeps their publications anonymised."""

import json
import logging
from datetime import date

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm, get_perms
from rest_framework.test import APIClient

from accounts.closure import CLOSED_EMAIL_DOMAIN, account_close
from accounts.crypto import blind_index
from accounts.models import DeviceToken
from accounts.services import account_register
from accounts.signals import account_closed
from communes.models import Follow, StaffRole
from communes.roles import sync_staff_permissions
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import verified_login

HOST = {"HTTP_HOST": "saint-malo.localhost"}
MOBILE = "+33612345678"
LANDLINE = "+33299401234"
ADDRESS = "12 rue des Lilas, 35400 Saint-Malo"
PSEUDONYM = "Mimi des Lilas"
PRESENTATION = "Retraitée, passionnée de jardinage et de tricot."


def fill_profile(user):
    """Every personal field set, photo file included (what a closure must erase)."""
    user.pseudonym = PSEUDONYM
    user.presentation = PRESENTATION
    user.mobile = MOBILE
    user.landline = LANDLINE
    user.hide_landline = True
    user.accepts_sms = True
    user.birth_date = date(1956, 3, 14)
    user.address = ADDRESS
    user.location = Point(-2.0075, 48.6493, srid=4326)
    user.photo.save("portrait.jpg", ContentFile(b"\xff\xd8\xff\xe0 not really a jpeg"), save=False)
    user.save()
    return user


def site_login(user, password=PASSWORD) -> Client:
    """Log in through the real login page (django-axes needs the request)."""
    client = Client(**HOST)
    response = client.post("/compte/connexion/", {"username": user.email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def is_logged_in(client) -> bool:
    return client.get("/compte/mes-donnees/").status_code == 200


@pytest.fixture
def marie(resident, commune):
    return fill_profile(resident)


def close(user, password=PASSWORD, **kwargs):
    account_close(user=user, password=password, **kwargs)


def raw_row(user_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [user_id])
        columns = [column.name for column in cursor.description]
        return json.dumps(dict(zip(columns, cursor.fetchone(), strict=True)), default=str)


def test_closure_erases_every_personal_field_from_the_stored_row(
    marie, django_capture_on_commit_callbacks
):
    former = {
        "first_name": marie.first_name,
        "last_name": marie.last_name,
        "email": marie.email,
        "email_local_part": marie.email.split("@")[0],
        "mobile_index": blind_index(MOBILE),
        "photo": marie.photo.name,
        "pseudonym": PSEUDONYM,
        "presentation": PRESENTATION,
    }
    photo_storage, photo_name = marie.photo.storage, marie.photo.name
    assert photo_storage.exists(photo_name)
    assert former["mobile_index"] in raw_row(marie.pk)  # the check below can fail

    with django_capture_on_commit_callbacks(execute=True):
        close(marie)

    row = raw_row(marie.pk)
    for label, value in former.items():
        assert value not in row, label
    assert not photo_storage.exists(photo_name)

    closed = get_user_model().objects.get(pk=marie.pk)
    assert closed.closed_at is not None
    assert not closed.is_active
    assert not closed.has_usable_password()
    assert closed.email.endswith("@" + CLOSED_EMAIL_DOMAIN)
    assert str(marie.pk) in closed.email
    for field in ("mobile", "landline", "birth_date", "address", "location"):
        assert getattr(closed, field) is None, field
    assert (closed.pseudonym, closed.presentation, closed.mobile_index) == ("", "", "")
    assert not closed.photo
    assert not (closed.hide_landline or closed.accepts_sms)


def test_two_closed_accounts_get_distinct_placeholder_emails(marie):
    other = UserFactory()
    close(marie)
    close(other)
    emails = set(
        get_user_model().objects.filter(pk__in=[marie.pk, other.pk]).values_list("email", flat=True)
    )
    assert len(emails) == 2


def test_a_closed_account_cannot_log_in(marie, commune):
    email = marie.email
    close(marie)
    client = Client(**HOST)
    response = client.post("/compte/connexion/", {"username": email, "password": PASSWORD})
    assert response.status_code != 302
    assert not is_logged_in(client)


def test_the_email_address_can_register_again(marie):
    email = marie.email
    close(marie)
    newcomer = account_register(
        email=email,
        password=PASSWORD,
        first_name="Marie",
        last_name="Durand",
        address=ADDRESS,
        location=None,
    )
    assert newcomer.pk != marie.pk
    assert newcomer.email == email


def test_classifieds_stay_listed_under_former_member(marie, commune):
    classified = classified_create(
        commune=commune,
        author=marie,
        kind=Classified.Kind.OFFER,
        title="Cours de tricot",
        description="Le mercredi après-midi, chez moi.",
        contact="Par message sur le site",
    )
    neighbour = UserFactory(first_name="Paul", last_name="Martin")
    Follow.objects.create(user=neighbour, commune=commune, status=Follow.Status.VALIDATED)
    former_names = (marie.get_full_name(), PSEUDONYM)
    close(marie)

    classified.refresh_from_db()
    assert classified.author_id == marie.pk
    client = Client(**HOST)
    client.force_login(neighbour)
    page = client.get("/annonces/").content.decode()
    assert "Cours de tricot" in page
    assert "Ancien membre" in page
    for name in former_names:
        assert name not in page
    detail = client.get(f"/annonces/{classified.pk}/").content.decode()
    assert "Ancien membre" in detail


def test_device_tokens_stop_working(marie):
    _token, key = DeviceToken.issue(user=marie, name="Téléphone de Marie")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/auth/me/").status_code == 200
    close(marie)
    assert api.get("/api/v1/auth/me/").status_code == 401
    assert not DeviceToken.objects.filter(user_id=marie.pk).exists()


def test_a_wrong_password_changes_nothing(marie):
    with pytest.raises(ValidationError) as error:
        close(marie, password="not my password")
    assert list(error.value.message_dict) == ["password"]
    marie.refresh_from_db()
    assert marie.closed_at is None and marie.is_active
    assert marie.address == ADDRESS
    assert marie.check_password(PASSWORD)


def test_an_empty_password_is_refused(marie):
    with pytest.raises(ValidationError):
        close(marie, password="")
    marie.refresh_from_db()
    assert marie.closed_at is None


def test_a_superuser_cannot_close_their_account(db):
    root = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError) as error:
        close(root)
    assert error.value.code == "superuser"
    root.refresh_from_db()
    assert root.is_active and root.closed_at is None


def test_closing_twice_is_refused(marie):
    close(marie)
    with pytest.raises(ValidationError):
        close(marie)


def test_follows_staff_roles_permissions_groups_and_devices_end(marie, commune, other_commune):
    Follow.objects.create(user=marie, commune=commune, status=Follow.Status.VALIDATED)
    Follow.objects.create(user=marie, commune=other_commune, reason="Adresse hors commune")
    StaffRole.objects.create(user=marie, commune=commune, role=StaffRole.Role.MAYOR)
    sync_staff_permissions(commune=commune, user=marie)
    assign_perm("communes.change_commune", marie, other_commune)  # granted by hand
    marie.groups.add(Group.objects.create(name="Bénévoles"))
    commune.hosting_partner.staff.add(marie)
    TOTPDevice.objects.create(user=marie, name="Authenticator app", confirmed=True)
    assert get_perms(marie, commune)  # the checks below can fail

    close(marie)

    assert not Follow.objects.filter(user_id=marie.pk).exists()
    assert not StaffRole.objects.filter(user_id=marie.pk).exists()
    closed = get_user_model().objects.get(pk=marie.pk)
    assert get_perms(closed, commune) == []
    assert get_perms(closed, other_commune) == []
    assert not closed.groups.exists()
    assert not closed.hosting_partners.exists()
    assert not TOTPDevice.objects.filter(user_id=marie.pk).exists()


def test_login_records_of_the_address_are_deleted(marie, commune):
    email = marie.email
    site_login(marie)  # an AccessLog row
    Client(**HOST).post("/compte/connexion/", {"username": email, "password": "wrong"})
    other = UserFactory()
    Client(**HOST).post("/compte/connexion/", {"username": other.email, "password": "wrong"})
    assert AccessAttempt.objects.filter(username=email).exists()
    assert AccessLog.objects.filter(username=email).exists()

    close(marie)

    assert not AccessAttempt.objects.filter(username__iexact=email).exists()
    assert not AccessLog.objects.filter(username__iexact=email).exists()
    assert AccessAttempt.objects.filter(username=other.email).exists()


def test_every_session_of_the_person_ends(marie, commune):
    closing = site_login(marie)
    elsewhere = site_login(marie)
    assert is_logged_in(closing) and is_logged_in(elsewhere)

    response = closing.post("/compte/fermer/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/compte/fermer/termine/"
    assert not is_logged_in(closing)
    assert not is_logged_in(elsewhere)
    done = closing.get(response["Location"])
    assert done.status_code == 200
    assert "Votre compte est fermé" in done.content.decode()


def test_the_password_hash_alone_ends_other_sessions(marie, commune):
    """What the closure relies on (see accounts.closure): no scan of django_session."""
    elsewhere = site_login(marie)
    session_key = elsewhere.session.session_key
    close(marie)
    # Even an account turned active again by mistake has no session left.
    get_user_model().objects.filter(pk=marie.pk).update(is_active=True)
    assert Session.objects.filter(session_key=session_key).exists()
    assert not is_logged_in(elsewhere)
    assert not Session.objects.filter(session_key=session_key).exists()  # flushed


def test_the_close_page_explains_and_needs_the_confirmation(marie, commune):
    client = site_login(marie)
    page = client.get("/compte/fermer/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ancien membre" in html
    assert 'name="password"' in html and 'name="confirm"' in html
    assert "no-store" in page["Cache-Control"]

    unconfirmed = client.post("/compte/fermer/", {"password": PASSWORD})
    assert unconfirmed.status_code == 200
    marie.refresh_from_db()
    assert marie.closed_at is None


def test_the_close_page_shows_a_wrong_password_in_french(marie, commune):
    client = site_login(marie)
    response = client.post("/compte/fermer/", {"password": "nope", "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["Votre mot de passe est incorrect."]
    assert is_logged_in(client)
    marie.refresh_from_db()
    assert marie.closed_at is None


def test_the_close_page_needs_a_login(commune):
    response = Client(**HOST).get("/compte/fermer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_a_superuser_sees_no_closing_form(db, commune):
    root = UserFactory(is_superuser=True, is_staff=True)
    client = Client(**HOST)
    verified_login(client, root)
    page = client.get("/compte/fermer/")
    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()
    refused = client.post("/compte/fermer/", {"password": PASSWORD, "confirm": "on"})
    assert refused.status_code == 200
    root.refresh_from_db()
    assert root.is_active and root.closed_at is None


def test_a_confirmation_is_emailed_in_french_to_the_former_address(
    marie, django_capture_on_commit_callbacks
):
    email = marie.email
    with django_capture_on_commit_callbacks(execute=True):
        close(marie)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email]
    assert message.subject == "Votre compte sur Voisinage est fermé"
    assert "Ancien membre" in message.body
    assert "Marie" in message.body  # greeted by the name it had


def test_account_closed_is_sent_once_the_row_is_anonymised(marie):
    seen = []

    def receiver(sender, user_id, **kwargs):
        row = get_user_model().objects.get(pk=user_id)
        seen.append((user_id, row.closed_at is not None, row.address))

    account_closed.connect(receiver, weak=False, dispatch_uid="test.closure")
    try:
        close(marie)
    finally:
        account_closed.disconnect(dispatch_uid="test.closure")
    assert seen == [(marie.pk, True, None)]


def test_a_failing_receiver_rolls_the_closure_back(marie):
    def receiver(sender, user_id, **kwargs):
        raise RuntimeError("community cleanup failed")

    account_closed.connect(receiver, weak=False, dispatch_uid="test.closure.fail")
    try:
        with pytest.raises(RuntimeError):
            close(marie)
    finally:
        account_closed.disconnect(dispatch_uid="test.closure.fail")
    marie.refresh_from_db()
    assert marie.closed_at is None and marie.address == ADDRESS


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_one_structured_auth_event_is_logged_without_the_email(marie):
    email = marie.email
    handler = _Records()
    logger = logging.getLogger("voisinage.auth")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        close(marie)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    events = [record.auth_event for record in handler.records]
    assert [e["event"] for e in events] == ["account_closed"]
    assert events[0]["outcome"] == "success"
    assert events[0]["account"]
    assert email not in json.dumps(events)
