"""Registration never depends on the geocoder; a home lies in its commune (ACC-1, ACC-7,
ACC-9, COM-5).

With the address service down the account is made, the address kept without a point, the
person told, and ``accounts.tasks.locate_home`` places it once the service is back.
A point outside the commune is refused with a French message naming it. Registering on a
commune's site follows that commune (pending its validation).
"""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core import mail
from django.utils import timezone

from accounts import tasks
from accounts.models import PendingLocation
from communes import demo
from communes.models import Follow
from tests.committing import commit_each_request
from tests.factories import PASSWORD, UserFactory
from tests.fakes.geocoder import SAINT_MALO

User = get_user_model()
REGISTER = "/compte/inscription/"
DONE = "/compte/inscription/envoyee/"
ADDRESS = "/compte/adresse/"
STRONG = "Remparts-2026-marée"
EMAIL = "yvonne@example.org"
OUTSIDE = (
    "Ce point est en dehors de Saint-Malo. Placez-le sur votre domicile, dans la commune, "
    "ou vérifiez l’adresse."
)
TOLD = "Nous n’avons pas pu situer votre adresse sur la carte pour l’instant ; nous réessaierons"


def registration_data(**overrides):
    data = {
        "first_name": "Yvonne",
        "last_name": "Le Goff",
        "email": EMAIL,
        "password": STRONG,
        "password_confirm": STRONG,
        "address": "12 rue de l'église saint-malo",
    }
    data.update(overrides)
    return data


@pytest.fixture
def site(client, commune, django_capture_on_commit_callbacks):
    client.defaults["HTTP_HOST"] = "saint-malo.localhost"
    return commit_each_request(client, django_capture_on_commit_callbacks)


@pytest.fixture
def bounded(commune):
    """Saint-Malo with its real outline (the demo's)."""
    commune.boundary = demo.boundary("saint-malo")
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.save()
    return commune


@pytest.fixture
def locate(django_capture_on_commit_callbacks):
    """``accounts.tasks.locate_home``, its e-mails sent as its transaction commits."""

    def run(user_id: int) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.locate_home(user_id)

    return run


def later(minutes: float):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


# --- the geocoder is down ------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["down", "timeout", "500"])
def test_registration_succeeds_with_the_geocoder_down(site, fake_geocoder, failure):
    if failure == "down":
        fake_geocoder.down()
    elif failure == "timeout":
        fake_geocoder.fail(200, delay=3)  # longer than GEOCODER_TIMEOUT (0.5 s)
    else:
        fake_geocoder.fail(503)

    response = site.post(REGISTER, registration_data())

    assert response.status_code == 302
    assert response.url == DONE
    user = User.objects.get(email=EMAIL)
    assert user.address == "12 rue de l'église saint-malo"  # kept as typed, encrypted
    assert user.location is None
    pending = PendingLocation.objects.get(user=user)
    assert (pending.commune.slug, pending.attempts) == ("saint-malo", 0)
    assert [m.to for m in mail.outbox] == [[EMAIL]]  # the confirmation link, as always


def test_the_person_is_told_on_the_page_after_registration(site, fake_geocoder):
    fake_geocoder.down()
    response = site.post(REGISTER, registration_data(), follow=True)

    html = response.content.decode()
    assert "data-location-pending" in html
    assert TOLD in html


def test_nobody_is_told_when_the_address_was_found(site, fake_geocoder):
    response = site.post(REGISTER, registration_data(), follow=True)
    assert "data-location-pending" not in response.content.decode()
    assert User.objects.get(email=EMAIL).location.coords == (-2.025674, 48.649337)
    assert not PendingLocation.objects.exists()


def test_the_task_locates_the_address_once_the_geocoder_is_back(site, fake_geocoder):
    fake_geocoder.down()
    site.post(REGISTER, registration_data())
    user = User.objects.get(email=EMAIL)

    assert tasks.locate_home(user.pk) == "not due"  # the first retry waits a minute
    fake_geocoder.recover()
    with later(2):
        assert tasks.locate_home(user.pk) == "located"

    user.refresh_from_db()
    assert user.location.coords == (SAINT_MALO.longitude, SAINT_MALO.latitude)
    assert user.address == "12 rue de l'église saint-malo"  # the person's words stay
    assert not PendingLocation.objects.exists()
    assert fake_geocoder.requests[-1].params["citycode"] == "35288"  # the commune's


def test_the_sweep_runs_the_attempts_that_are_due(site, fake_geocoder):
    fake_geocoder.down()
    site.post(REGISTER, registration_data())
    fake_geocoder.recover()
    assert tasks.locate_pending_homes() == 0
    with later(2):
        assert tasks.locate_pending_homes() == 1
    assert User.objects.get(email=EMAIL).location is not None


def test_attempts_back_off_and_are_bounded(site, fake_geocoder, settings, locate):
    settings.GEOCODER_RETRY_DELAYS = (60, 300, 900)
    fake_geocoder.down()
    site.post(REGISTER, registration_data())
    user = User.objects.get(email=EMAIL)
    mail.outbox.clear()

    waits = []
    for minutes in (1.5, 7):
        with later(minutes):
            assert locate(user.pk) == "retry"
            pending = PendingLocation.objects.get(user=user)
            waits.append(round((pending.next_attempt_at - timezone.now()).total_seconds()))
    assert waits == [300, 900]
    with later(23):
        assert locate(user.pk) == "gave up (unavailable)"

    assert not PendingLocation.objects.exists()
    assert User.objects.get(pk=user.pk).location is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert message.subject == "Placez votre domicile sur la carte"
    assert "http://saint-malo.localhost/compte/adresse/" in message.body


def test_an_address_the_geocoder_does_not_know_is_given_back_to_the_person(
    site, fake_geocoder, locate
):
    fake_geocoder.down()
    site.post(REGISTER, registration_data(address="99 chemin introuvable"))
    user = User.objects.get(email=EMAIL)
    fake_geocoder.recover()
    mail.outbox.clear()
    with later(2):
        assert locate(user.pk) == "gave up (not_found)"
    assert "introuvable" not in mail.outbox[0].body  # the address is not repeated by email
    assert "http://saint-malo.localhost/compte/adresse/" in mail.outbox[0].body


def test_a_point_found_later_outside_the_commune_is_not_kept(site, fake_geocoder, bounded, locate):
    fake_geocoder.add("3 rue de Rennes 35288 Saint-Malo", 48.1173, -1.6778, citycode="35288")
    fake_geocoder.down()
    site.post(REGISTER, registration_data(address="3 rue de Rennes"))
    user = User.objects.get(email=EMAIL)
    fake_geocoder.recover()
    with later(2):
        assert locate(user.pk) == "gave up (refused)"
    assert User.objects.get(pk=user.pk).location is None
    assert "en dehors de Saint-Malo" in mail.outbox[-1].body


def test_a_point_placed_by_the_person_meanwhile_wins(site, fake_geocoder):
    fake_geocoder.down()
    site.post(REGISTER, registration_data())
    user = User.objects.get(email=EMAIL)
    User.objects.filter(pk=user.pk).update(location=Point(-2.02, 48.65, srid=4326))
    fake_geocoder.recover()
    with later(2):
        assert tasks.locate_home(user.pk) == "already located"
    assert User.objects.get(pk=user.pk).location.coords == (-2.02, 48.65)


def test_closing_the_account_forgets_the_pending_address(site, fake_geocoder):
    from accounts.closure import account_close

    user = UserFactory(address="1 rue du Sillon", location=None)
    PendingLocation.objects.create(user=user, next_attempt_at=timezone.now())
    account_close(user=user, password=PASSWORD)
    assert not PendingLocation.objects.exists()


def test_an_address_change_with_the_geocoder_down_is_kept_and_located_later(
    site, fake_geocoder, resident
):
    resident.location = Point(-2.0, 48.65, srid=4326)
    resident.save()
    site.force_login(resident)
    fake_geocoder.down()

    response = site.post(ADDRESS, {"address": "12 rue de l'église saint-malo"}, follow=True)

    assert response.redirect_chain[-1][0] == "/compte/profil/"
    assert "nous réessaierons dans quelques minutes" in response.content.decode()
    resident.refresh_from_db()
    assert (resident.address, resident.location) == ("12 rue de l'église saint-malo", None)
    assert site.get(ADDRESS).context["location_pending"] is True
    fake_geocoder.recover()
    with later(2):
        assert tasks.locate_home(resident.pk) == "located"


def test_a_point_set_on_the_map_ends_the_pending_search(site, fake_geocoder, resident):
    site.force_login(resident)
    PendingLocation.objects.create(user=resident, next_attempt_at=timezone.now())
    site.post(ADDRESS, {"address": "12 rue de l'Église", "latitude": "48.65", "longitude": "-2.02"})
    assert not PendingLocation.objects.exists()


# --- the point lies in the commune (COM-5) --------------------------------------------------


def test_a_point_outside_the_commune_is_refused_with_its_name(site, fake_geocoder, bounded):
    # A tap on the map 64 km away (Rennes) for a Saint-Malo address.
    response = site.post(REGISTER, registration_data(latitude="48.1173", longitude="-1.6778"))

    assert response.status_code == 200
    assert response.context["form"].errors["address"] == [OUTSIDE]
    assert not User.objects.filter(email=EMAIL).exists()
    # The form keeps what was typed.
    assert 'value="Yvonne"' in response.content.decode()


def test_a_geocoded_point_outside_the_commune_is_refused(site, fake_geocoder, bounded):
    fake_geocoder.add("3 rue de Rennes 35000 Rennes", 48.1173, -1.6778)
    response = site.post(REGISTER, registration_data(address="3 rue de Rennes 35000"))
    assert response.context["form"].errors["address"] == [OUTSIDE]


def test_a_point_inside_the_commune_is_accepted(site, fake_geocoder, bounded):
    response = site.post(REGISTER, registration_data(latitude="48.6493", longitude="-2.0257"))
    assert response.status_code == 302
    assert User.objects.get(email=EMAIL).location.coords == (-2.0257, 48.6493)


def test_without_boundary_a_radius_around_the_centre_applies(site, fake_geocoder, commune):
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.radius_km = 5
    commune.save()
    # Dinard, 3 km away across the Rance: within 5 km.
    response = site.post(REGISTER, registration_data(latitude="48.6325", longitude="-2.0617"))
    assert response.status_code == 302
    # Cancale, 12 km away: outside.
    response = site.post(
        REGISTER, registration_data(email="b@example.org", latitude="48.676", longitude="-1.852")
    )
    assert response.context["form"].errors["address"] == [OUTSIDE]


def test_an_address_change_outside_the_commune_is_refused(site, fake_geocoder, bounded, resident):
    site.force_login(resident)
    response = site.post(
        ADDRESS, {"address": "Rennes", "latitude": "48.1173", "longitude": "-1.6778"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["address"] == [OUTSIDE]


# --- following the commune (ACC-9) ------------------------------------------------------------


def test_registering_on_a_communes_site_follows_it_pending_validation(site, fake_geocoder):
    site.post(REGISTER, registration_data())
    follow = Follow.objects.get(user__email=EMAIL)
    assert (follow.commune.slug, follow.status) == ("saint-malo", Follow.Status.PENDING)


def test_registering_on_the_platforms_host_follows_nothing(client, db, fake_geocoder):
    response = client.post(REGISTER, registration_data(), HTTP_HOST="localhost")
    assert response.status_code == 302
    assert User.objects.filter(email=EMAIL).exists()
    assert not Follow.objects.exists()
