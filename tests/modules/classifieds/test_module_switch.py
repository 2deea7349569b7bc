"""The module switch: off for one commune, everything of the module vanishes there only."""

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from communes.services import module_set_enabled
from core.signals import commune_home_panels
from modules.classifieds.models import Classified
from modules.classifieds.receivers import home_panel
from modules.classifieds.services import classifieds_expire
from tests.follows import validated
from tests.two_factor import verified_login

SITE_GETS = ["/annonces/", "/annonces/publier/", "/annonces/mes-annonces/", "/annonces/{pk}/"]


def switch(superuser, commune, enabled):
    module_set_enabled(by=superuser, commune=commune, module="classifieds", enabled=enabled)


@pytest.fixture
def ads(commune, other_commune, resident, publish):
    validated(resident, other_commune)  # Marie is a validated resident of both communes
    return publish(commune, resident, title="Malouine"), publish(
        other_commune, resident, title="Ivoirienne"
    )


@pytest.fixture
def switched_off(superuser, commune, ads):
    switch(superuser, commune, False)
    return ads


def site_client(user, host):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


@pytest.mark.parametrize("path", SITE_GETS)
def test_site_pages_404_when_module_is_off(switched_off, resident, path):
    mine, theirs = switched_off
    off = site_client(resident, "saint-malo.localhost")
    on = site_client(resident, "cocody.localhost")
    assert off.get(path.format(pk=mine.pk)).status_code == 404
    assert on.get(path.format(pk=theirs.pk)).status_code == 200


def test_closing_on_the_site_404s_when_module_is_off(switched_off, resident):
    mine, theirs = switched_off
    assert (
        site_client(resident, "saint-malo.localhost")
        .post(f"/annonces/{mine.pk}/fermer/")
        .status_code
        == 404
    )
    assert (
        site_client(resident, "cocody.localhost").post(f"/annonces/{theirs.pk}/fermer/").status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.status == Classified.Status.OPEN


def test_publishing_on_the_site_404s_when_module_is_off(switched_off, resident):
    response = site_client(resident, "saint-malo.localhost").post(
        "/annonces/publier/",
        {"kind": "offer", "title": "t", "description": "d", "contact": "c", "days": 3},
    )
    assert response.status_code == 404
    assert Classified.objects.count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("get", "mine/"), ("get", "{pk}/"), ("post", "{pk}/close/")],
)
def test_api_routes_404_when_module_is_off(switched_off, resident, method, path):
    mine, theirs = switched_off
    client = APIClient()
    client.force_authenticate(resident)
    data = {"kind": "offer", "title": "t", "description": "d", "contact": "c"}
    off = getattr(client, method)(
        "/api/v1/communes/saint-malo/classifieds/" + path.format(pk=mine.pk),
        data,
        format="json",
    )
    on = getattr(client, method)(
        "/api/v1/communes/cocody/classifieds/" + path.format(pk=theirs.pk),
        data,
        format="json",
    )
    assert off.status_code == 404
    assert on.status_code in (200, 201)


def test_anonymous_api_call_also_404s_when_module_is_off(switched_off):
    assert APIClient().get("/api/v1/communes/saint-malo/classifieds/").status_code == 404


def test_admin_menu_item_hidden_and_views_404_on_the_commune_host(switched_off, superuser):
    mine, _theirs = switched_off
    off = site_client(superuser, "saint-malo.localhost")
    assert "/admin/classifieds/" not in off.get("/admin/").text
    assert off.get("/admin/classifieds/").status_code == 404
    assert off.get(f"/admin/classifieds/edit/{mine.pk}/").status_code == 404
    on = site_client(superuser, "cocody.localhost")
    assert "/admin/classifieds/" in on.get("/admin/").text
    assert on.get("/admin/classifieds/").status_code == 200


def test_platform_admin_leaves_out_communes_with_the_module_off(switched_off, superuser):
    response = site_client(superuser, "testserver").get("/admin/classifieds/")
    assert response.status_code == 200
    assert "Ivoirienne" in response.text
    assert "Malouine" not in response.text


def test_home_panel_receiver_is_not_called_when_module_is_off(
    switched_off, commune, other_commune, resident
):
    request = RequestFactory().get("/")
    request.user = resident
    off = [receiver for receiver, _panel in commune_home_panels.send(commune, request=request)]
    on = dict(commune_home_panels.send(other_commune, request=request))
    assert home_panel not in off
    assert on[home_panel][1] == "classifieds/home_panel.html"


def test_home_panel_disappears_from_the_commune_page_when_module_is_off(
    superuser, commune, resident, ads
):
    request = RequestFactory().get("/", HTTP_HOST="saint-malo.localhost")
    request.user = resident
    request.commune = commune
    page = commune.site.root_page.specific
    templates = [panel[1] for panel in page.get_context(request)["home_panels"]]
    assert "classifieds/home_panel.html" in templates
    switch(superuser, commune, False)
    templates = [panel[1] for panel in page.get_context(request)["home_panels"]]
    assert "classifieds/home_panel.html" not in templates


def test_expiry_skips_communes_with_the_module_off(switched_off):
    mine, theirs = switched_off
    assert classifieds_expire(now=timezone.now() + timedelta(days=60)) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Classified.Status.OPEN
    assert theirs.status == Classified.Status.EXPIRED


def test_switching_on_again_shows_the_same_classifieds(switched_off, superuser, commune, resident):
    mine, _theirs = switched_off
    switch(superuser, commune, True)
    response = site_client(resident, "saint-malo.localhost").get("/annonces/")
    assert response.status_code == 200
    assert "Malouine" in response.text
    client = APIClient()
    client.force_authenticate(resident)
    body = client.get("/api/v1/communes/saint-malo/classifieds/").json()
    assert [item["id"] for item in body["results"]] == [mine.pk]
