"""ACC-13: GDPR access. Everything about the person, and nothing about anyone else."""

import json
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from accounts.export import FORMAT_VERSION, account_export, export_filename
from accounts.models import DeviceToken
from accounts.signals import personal_data_export
from communes.models import Follow, StaffRole
from communes.services import module_set_enabled
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create
from tests.factories import PASSWORD, UserFactory
from tests.platform.accounts.test_closure import (
    ADDRESS,
    HOST,
    LANDLINE,
    MOBILE,
    PRESENTATION,
    PSEUDONYM,
    fill_profile,
    site_login,
)

EXPORT_URL = "/compte/mes-donnees/"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()  # the export rate limit counts in the cache
    yield
    cache.clear()


@pytest.fixture
def marie(resident, commune):
    return fill_profile(resident)


@pytest.fixture
def paul(db):
    """Another person, linked to Marie in every way the data model allows."""
    paul = UserFactory(first_name="Paulin", last_name="Kervella", email="paulin@example.org")
    paul.mobile = "+33798765432"
    paul.address = "3 quai Duguay-Trouin, 35400 Saint-Malo"
    paul.pseudonym = "Popaul"
    paul.save()
    return paul


def publish(commune, author, title):
    return classified_create(
        commune=commune,
        author=author,
        kind=Classified.Kind.OFFER,
        title=title,
        description="Disponible le samedi.",
        contact="06 11 22 33 44",
    )


def test_the_account_section_holds_every_field_decrypted(marie):
    data = account_export(marie)
    account = data["account"]
    assert account["id"] == marie.pk
    assert account["email"] == marie.email
    assert (account["first_name"], account["last_name"]) == ("Marie", "Durand")
    assert account["pseudonym"] == PSEUDONYM
    assert account["presentation"] == PRESENTATION
    assert account["mobile"] == MOBILE
    assert account["landline"] == LANDLINE
    assert account["hide_landline"] is True and account["hide_mobile"] is False
    assert account["accepts_sms"] is True
    assert account["birth_date"] == "1956-03-14"
    assert account["address"] == ADDRESS
    assert account["location"] == {"type": "Point", "coordinates": [-2.0075, 48.6493]}
    assert account["photo"].endswith(marie.photo.name)
    assert account["date_joined"] and account["email_verified_at"]
    assert account["closed_at"] is None
    assert account["registered_by_a_neighbour"] is False


def test_the_export_names_its_platform_version_and_date(marie):
    before = timezone.now().replace(microsecond=0)  # JSON keeps milliseconds
    data = account_export(marie)
    assert data["platform"] == "Voisinage"
    assert data["version"] == FORMAT_VERSION
    assert datetime.fromisoformat(data["exported_at"].replace("Z", "+00:00")) >= before
    # Plain JSON values only: the dict is what the file holds.
    assert json.loads(json.dumps(data)) == data


def test_tokens_are_listed_without_their_key_or_digest_and_no_password_hash(marie):
    token, key = DeviceToken.issue(user=marie, name="Téléphone de Marie")
    dump = json.dumps(account_export(marie), ensure_ascii=False)
    assert "Téléphone de Marie" in dump
    assert token.prefix in dump
    assert token.digest not in dump
    assert key not in dump
    assert marie.password not in dump
    assert "pbkdf2" not in dump and "md5$" not in dump
    entry = account_export(marie)["device_tokens"][0]
    assert set(entry) == {"name", "prefix", "created_at", "last_used_at", "revoked_at"}


def test_follows_and_staff_roles(marie, commune, other_commune, paul):
    Follow.objects.create(
        user=marie,
        commune=other_commune,
        status=Follow.Status.REFUSED,
        decided_at=timezone.now(),
        decided_by=paul,
        reason="Votre adresse n'est pas dans la commune.",
    )
    StaffRole.objects.create(user=marie, commune=commune, role=StaffRole.Role.COUNCIL)
    data = account_export(marie)
    (follow,) = data["follows"]
    assert follow["commune"] == {"slug": "cocody", "name": "Cocody"}
    assert follow["status"] == "refused"
    assert follow["reason"] == "Votre adresse n'est pas dans la commune."
    assert follow["requested_at"] and follow["decided_at"]
    (role,) = data["staff_roles"]
    assert role["commune"]["slug"] == "saint-malo"
    assert role["role"] == "council"


def test_the_classifieds_section_lists_what_the_person_wrote_in_every_commune(
    marie, commune, other_commune, paul
):
    publish(commune, marie, "Cours de tricot")
    publish(other_commune, marie, "Garde de chat")
    publish(commune, paul, "Tonte de pelouse")
    section = account_export(marie)["sections"]["classifieds"]
    assert sorted(item["title"] for item in section) == ["Cours de tricot", "Garde de chat"]
    assert {item["commune"]["slug"] for item in section} == {"saint-malo", "cocody"}
    assert section[0]["description"] == "Disponible le samedi."
    assert section[0]["contact"] == "06 11 22 33 44"


def test_the_classifieds_section_is_there_when_the_module_is_off(marie, commune, other_commune):
    publish(commune, marie, "Cours de tricot")
    root = get_user_model().objects.get(email="root@example.org")
    for each in (commune, other_commune):
        module_set_enabled(by=root, commune=each, module="classifieds", enabled=False)
    section = account_export(marie)["sections"]["classifieds"]
    assert [item["title"] for item in section] == ["Cours de tricot"]


def test_nothing_about_another_person(marie, commune, paul):
    Follow.objects.create(
        user=marie,
        commune=commune,
        status=Follow.Status.VALIDATED,
        decided_by=paul,
        decided_at=timezone.now(),
    )
    StaffRole.objects.create(
        user=marie, commune=commune, role=StaffRole.Role.TECHNICAL, granted_by=paul
    )
    get_user_model().objects.filter(pk=marie.pk).update(registered_by=paul)
    marie.refresh_from_db()
    publish(commune, paul, "Tonte de pelouse")
    DeviceToken.issue(user=paul, name="Téléphone de Paulin")
    Client(**HOST).post("/compte/connexion/", {"username": paul.email, "password": "wrong"})

    data = account_export(marie)
    dump = json.dumps(data, ensure_ascii=False)
    for value in (
        "Paulin",
        "Kervella",
        paul.email,
        "Popaul",
        "+33798765432",
        "Duguay-Trouin",
        "Tonte de pelouse",
        "Téléphone de Paulin",
    ):
        assert value not in dump, value
    assert data["account"]["registered_by_a_neighbour"] is True


def test_login_records_kept_by_axes_for_the_address(marie, commune, paul):
    Client(**HOST).post("/compte/connexion/", {"username": marie.email, "password": "wrong"})
    records = account_export(marie)["login_records"]
    assert len(records["failed_attempts"]) == 1
    assert records["failed_attempts"][0]["failures_since_start"] == 1
    assert records["failed_attempts"][0]["path"] == "/compte/connexion/"
    site_login(marie)
    records = account_export(marie)["login_records"]
    assert records["logins"]  # AccessLog, once logged in
    assert account_export(paul)["login_records"] == {
        "failed_attempts": [],
        "failures": [],
        "logins": [],
    }


def test_two_receivers_cannot_answer_the_same_section(marie):
    def duplicate(sender, user, **kwargs):
        return ("classifieds", [])

    personal_data_export.connect(duplicate, weak=False, dispatch_uid="test.export.duplicate")
    try:
        with pytest.raises(ImproperlyConfigured):
            account_export(marie)
    finally:
        personal_data_export.disconnect(dispatch_uid="test.export.duplicate")


def test_a_receiver_with_nothing_to_add_returns_none(marie):
    def nothing(sender, user, **kwargs):
        return None

    def extra(sender, user, **kwargs):
        return ("test_app", {"since": timezone.now(), "user": user.pk})

    personal_data_export.connect(nothing, weak=False, dispatch_uid="test.export.nothing")
    personal_data_export.connect(extra, weak=False, dispatch_uid="test.export.extra")
    try:
        sections = account_export(marie)["sections"]
    finally:
        personal_data_export.disconnect(dispatch_uid="test.export.nothing")
        personal_data_export.disconnect(dispatch_uid="test.export.extra")
    assert set(sections) == {"classifieds", "alerts", "test_app"}
    assert sections["test_app"]["user"] == marie.pk
    assert isinstance(sections["test_app"]["since"], str)


# --- the site ------------------------------------------------------------------------


def test_the_page_needs_a_login(commune):
    response = Client(**HOST).get(EXPORT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_the_page_asks_for_the_password(marie):
    client = site_login(marie)
    page = client.get(EXPORT_URL)
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    assert "Télécharger mes données" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_downloading_needs_the_right_password(marie):
    client = site_login(marie)
    for data in ({}, {"password": "not mine"}):
        response = client.post(EXPORT_URL, data)
        assert response.status_code == 200
        assert "Content-Disposition" not in response
        assert response.context["form"].errors["password"]
    wrong = client.post(EXPORT_URL, {"password": "not mine"})
    assert wrong.context["form"].errors["password"] == ["Votre mot de passe est incorrect."]


def test_downloading_gives_a_json_attachment_never_cached(marie, commune):
    publish(commune, marie, "Cours de tricot")
    client = site_login(marie)
    response = client.post(EXPORT_URL, {"password": PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="voisinage-mes-donnees-{timezone.localdate().isoformat()}.json"'
    )
    assert response["Content-Disposition"].endswith(f'"{export_filename()}"')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["address"] == ADDRESS
    assert data["account"]["photo"].startswith("http://saint-malo.localhost/")
    assert [c["title"] for c in data["sections"]["classifieds"]] == ["Cours de tricot"]


def test_downloads_are_rate_limited_per_account(marie, paul, commune):
    client = site_login(marie)
    for _ in range(5):
        assert client.post(EXPORT_URL, {"password": PASSWORD}).status_code == 200
    refused = client.post(EXPORT_URL, {"password": PASSWORD})
    assert refused.status_code == 429
    assert "Content-Disposition" not in refused
    # Another account has its own allowance.
    other = Client(**HOST)
    other.force_login(paul)
    assert "Content-Disposition" in other.post(EXPORT_URL, {"password": PASSWORD})
