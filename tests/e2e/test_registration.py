"""ACC-1/2 and ACC-7 in a real browser: register with the address autocomplete (fake
geocoder), confirm the address from the emailed link, then log in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
PASSWORD = "Remparts-2026-marée"


def test_register_with_autocomplete_confirm_and_log_in(
    page, site_url, live_server, commune, fake_geocoder
):
    mail.outbox.clear()
    page.goto(site_url(HOST, "/compte/inscription/"))
    page.locator("input[name=first_name]").fill("Yvonne")
    page.locator("input[name=last_name]").fill("Le Goff")
    page.locator("input[name=email]").fill("yvonne@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_confirm]").fill(PASSWORD)

    address = page.get_by_role("combobox", name="Adresse postale")
    address.press_sequentially("12 rue de l'egl", delay=30)
    option = page.get_by_role("option").filter(has_text="12 Rue de l'Église 35400 Saint-Malo")
    option.wait_for()
    address.press("ArrowDown")
    address.press("Enter")
    assert address.input_value() == "12 Rue de l'Église 35400 Saint-Malo"
    assert fake_geocoder.requests_to("ban")

    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/compte/inscription/envoyee/$"))
    assert "yvonne@example.org" in page.content()

    user = get_user_model().objects.get(email="yvonne@example.org")
    assert user.location.y == pytest.approx(48.649337)
    assert user.email_verified_at is None

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    assert link.startswith(site_url(HOST, "/compte/verifier/"))
    page.goto(link)
    page.get_by_role("button", name="Confirmer mon adresse").click()
    page.wait_for_url(re.compile(r"/compte/connexion/"))

    page.locator("input[name=username]").fill("yvonne@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))
    page.goto(site_url(HOST, "/compte/profil/"))
    assert "12 Rue de l'Église" in page.content()


def test_register_with_the_geocoder_down_then_the_point_is_found_later(
    page, site_url, live_server, commune, fake_geocoder
):
    """The address service is unreachable: the form is not lost, the account is made, the
    person is told, and the retrying task places the point once the service is back."""
    from django.contrib.gis.geos import Point

    from accounts import tasks
    from accounts.models import PendingLocation
    from communes import demo

    commune.boundary = demo.boundary("saint-malo")
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.save()
    fake_geocoder.down()

    page.goto(site_url(HOST, "/compte/inscription/"))
    # The map opens on Saint-Malo, not on the whole of France.
    page.locator("[data-address-map] .leaflet-tile-pane").wait_for(state="attached")
    lat, lon, zoom = page.evaluate(
        "() => { const m = document.querySelector('[data-address-map]').addressMap;"
        " const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }"
    )
    assert 48.6 < lat < 48.68 and -2.05 < lon < -1.93 and zoom >= 11

    page.locator("input[name=first_name]").fill("Yvonne")
    page.locator("input[name=last_name]").fill("Le Goff")
    page.locator("input[name=email]").fill("yvonne@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_confirm]").fill(PASSWORD)
    address = page.get_by_role("combobox", name="Adresse postale")
    address.press_sequentially("12 rue de l'église saint-malo", delay=10)
    status = page.locator("[data-address-status]")
    status.filter(has_text="pas disponible").wait_for()  # the search answers 503

    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/compte/inscription/envoyee/$"))
    notice = page.locator("[data-location-pending]")
    assert "nous réessaierons dans quelques minutes" in notice.inner_text()

    user = get_user_model().objects.get(email="yvonne@example.org")
    assert (user.address, user.location) == ("12 rue de l'église saint-malo", None)
    assert user.follows.get().commune == commune  # pending validation by the town hall

    fake_geocoder.recover()
    PendingLocation.objects.update(next_attempt_at=timezone.now())
    assert tasks.locate_home(user.pk) == "located"
    user.refresh_from_db()
    assert user.location.coords == (-2.025674, 48.649337)
