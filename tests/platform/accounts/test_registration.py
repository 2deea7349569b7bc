"""ACC-1/2, ACC-8, ACC-11: registration, email verification, login, a neighbour's account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from tests.committing import commit_each_request
from tests.factories import PASSWORD, UserFactory

User = get_user_model()
REGISTER = "/compte/inscription/"
LOGIN = "/compte/connexion/"
STRONG = "Remparts-2026-marée"


def registration_data(**overrides):
    data = {
        "first_name": "Yvonne",
        "last_name": "Le Goff",
        "email": "Yvonne.LeGoff@example.org",
        "password": STRONG,
        "password_confirm": STRONG,
        "address": "2 Place Chateaubriand 35400 Saint-Malo",
        "latitude": "48.6493",
        "longitude": "-2.0257",
        "mobile": "06 12 34 56 78",
        "landline": "",
        "birth_date": "1950-04-02",
        "presentation": "Retraitée, jardinière.",
    }
    data.update(overrides)
    return data


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.fixture
def site(client, commune, django_capture_on_commit_callbacks):
    """The commune's site; emails queued on commit leave as each request ends."""
    client.defaults["HTTP_HOST"] = "saint-malo.localhost"
    return commit_each_request(client, django_capture_on_commit_callbacks)


def test_registration_creates_an_unverified_account_and_sends_a_link(site, db):
    response = site.post(REGISTER, registration_data())
    assert response.status_code == 302
    user = User.objects.get(email="yvonne.legoff@example.org")
    assert user.email_verified_at is None
    assert user.mobile == "+33612345678"
    assert user.location.y == pytest.approx(48.6493)
    assert user.birth_date.isoformat() == "1950-04-02"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["yvonne.legoff@example.org"]
    assert mail.outbox[0].subject == "Confirmez votre adresse électronique"


def test_registration_errors_are_french_field_messages(site, db):
    UserFactory(email="pris@example.org")
    response = site.post(
        REGISTER,
        registration_data(
            email="PRIS@example.org", password="1234", password_confirm="4321", first_name=""
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "first_name" in form.errors
    assert "password_confirm" in form.errors
    assert not User.objects.filter(first_name="Yvonne").exists()
    assert "Champ requis." in response.text


def test_duplicate_email_is_refused_with_a_way_forward(site, db):
    UserFactory(email="pris@example.org")
    response = site.post(REGISTER, registration_data(email="Pris@Example.org"))
    assert response.status_code == 200
    assert "Un compte utilise déjà cette adresse" in response.text


def test_weak_password_is_refused_by_django_validators(site, db):
    response = site.post(REGISTER, registration_data(password="yvonne", password_confirm="yvonne"))
    assert response.status_code == 200
    assert "password" in response.context["form"].errors


def test_login_before_verification_says_what_to_do(site, db):
    site.post(REGISTER, registration_data())
    response = site.post(LOGIN, {"username": "yvonne.legoff@example.org", "password": STRONG})
    assert response.status_code == 200
    assert (
        "Confirmez d’abord votre adresse" in response.text or "Confirmez d'abord" in response.text
    )
    assert "_auth_user_id" not in site.session


def test_the_emailed_link_verifies_after_a_click_then_login_works(site, db):
    site.post(REGISTER, registration_data())
    link = link_in(mail.outbox[0])
    path = link.split("saint-malo.localhost", 1)[1]
    # Opening the link (a mail scanner does) changes nothing.
    assert site.get(path).status_code == 200
    assert User.objects.get(email="yvonne.legoff@example.org").email_verified_at is None
    assert site.post(path).status_code == 302
    assert User.objects.get(email="yvonne.legoff@example.org").email_verified_at is not None
    # The link is used up.
    assert site.post(path).status_code == 302  # already verified: sent to login
    response = site.post(LOGIN, {"username": "yvonne.legoff@example.org", "password": STRONG})
    assert response.status_code == 302
    assert site.session["_auth_user_id"]


def test_a_tampered_link_is_refused(site, db):
    site.post(REGISTER, registration_data())
    path = link_in(mail.outbox[0]).split("saint-malo.localhost", 1)[1]
    response = site.post(path[:-3] + "xyz/")
    assert response.status_code == 400
    assert User.objects.get(email="yvonne.legoff@example.org").email_verified_at is None


def test_resend_answers_the_same_for_unknown_addresses(site, db):
    site.post(REGISTER, registration_data())
    mail.outbox.clear()
    known = site.post("/compte/inscription/lien/", {"email": "yvonne.legoff@example.org"})
    unknown = site.post("/compte/inscription/lien/", {"email": "personne@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert len(mail.outbox) == 1
    # A second request within minutes sends nothing more.
    site.post("/compte/inscription/lien/", {"email": "yvonne.legoff@example.org"})
    assert len(mail.outbox) == 1


def test_typed_address_is_geocoded_when_no_point_is_given(site, db, fake_geocoder):
    response = site.post(
        REGISTER,
        registration_data(address="12 rue de l'eglise saint-malo", latitude="", longitude=""),
    )
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email="yvonne.legoff@example.org")
    assert user.address == "12 Rue de l'Église 35400 Saint-Malo"
    assert user.location.y == pytest.approx(48.649337)
    assert fake_geocoder.requests_to("ban")


def test_photo_is_re_encoded_without_exif(site, db, tmp_path, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera maker
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "red").save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("moi.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = site.post(REGISTER, {**registration_data(), "photo": upload})
    assert response.status_code == 302
    user = User.objects.get(email="yvonne.legoff@example.org")
    with Image.open(user.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) <= 800
        assert not stored.getexif()
    assert "moi" not in user.photo.name


def test_a_file_that_is_not_an_image_is_refused(site, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = site.post(REGISTER, {**registration_data(), "photo": fake})
    assert response.status_code == 200
    assert "photo" in response.context["form"].errors


def test_second_residence_uses_another_email_and_the_same_mobile(site, db):
    """ACC-8."""
    site.post(REGISTER, registration_data())
    response = site.post(
        REGISTER, registration_data(email="yvonne.dinard@example.org", address="Dinard")
    )
    assert response.status_code == 302
    both = User.objects.filter(first_name="Yvonne")
    assert both.count() == 2
    assert len({u.mobile_index for u in both}) == 1


def test_neighbour_registration_sends_a_set_your_password_link(site, db, resident):
    site.force_login(resident)
    response = site.post(
        "/compte/inscrire-un-voisin/",
        {
            "first_name": "Joseph",
            "last_name": "Rault",
            "email": "joseph@example.org",
            "address": "3 Rue de Dinan 35400 Saint-Malo",
            "latitude": "48.648",
            "longitude": "-2.026",
        },
    )
    assert response.status_code == 302
    neighbour = User.objects.get(email="joseph@example.org")
    assert neighbour.registered_by == resident
    assert not neighbour.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == ["joseph@example.org"]
    assert resident.get_full_name() in message.body
    # The link lets them choose a password, which also confirms the address.
    site.logout()
    path = link_in(message).split("saint-malo.localhost", 1)[1]
    form_page = site.get(path, follow=True)
    new_password = "Joseph-Rault-1932"
    site.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"new_password1": new_password, "new_password2": new_password},
    )
    neighbour.refresh_from_db()
    assert neighbour.check_password(new_password)
    assert neighbour.email_verified_at is not None


def test_neighbour_registration_needs_a_login(site, db):
    response = site.get("/compte/inscrire-un-voisin/")
    assert response.status_code == 302
    assert "/compte/connexion/" in response["Location"]


def test_encrypted_columns_hold_no_plaintext(site, db):
    """ACC-13: a raw SQL read of the row shows none of the sensitive values."""
    site.post(REGISTER, registration_data())
    user = User.objects.get(email="yvonne.legoff@example.org")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mobile, address, birth_date, mobile_index FROM accounts_user WHERE id = %s",
            [user.pk],
        )
        mobile, address, birth_date, index = cursor.fetchone()
    assert "612345678" not in mobile
    assert "Chateaubriand" not in address
    assert "1950" not in birth_date
    assert mobile.startswith("gAAAAA")  # a Fernet token
    assert len(index) == 64 and "612345678" not in index
    assert user.check_password(STRONG)
    assert PASSWORD  # the factories' password is unrelated


def test_a_mistyped_mobile_is_refused_with_a_number_of_the_commune_country(
    client, commune, other_commune
):
    response = client.post(
        REGISTER, registration_data(mobile="06 12"), HTTP_HOST="saint-malo.localhost"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"] == [
        "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78."
    ]
    assert not User.objects.filter(email="yvonne.legoff@example.org").exists()
    response = client.post(
        REGISTER,
        registration_data(mobile="07 12", landline="27 1", address="Riviera 3, Cocody"),
        HTTP_HOST="cocody.localhost",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["mobile"] == [
        "Saisissez un numéro de téléphone valide, par exemple 01 23 45 67 89."
    ]
    assert errors["landline"] == [
        "Saisissez un numéro de téléphone valide, par exemple 21 23 45 67 89."
    ]
