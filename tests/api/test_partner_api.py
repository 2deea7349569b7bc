from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, Site

from communes.models import Commune, CommunePage, Plan
from core.modules import registry
from modules.classifieds.models import Classified
from tests.api.conftest import token_client
from tests.factories import PlanFactory, make_commune
from tests.twinning import make_mayor

COMMUNES = reverse("api:v1:partner-commune-list")
PLANS = reverse("api:v1:partner-plan-list")


def detail(slug):
    return reverse("api:v1:partner-commune-detail", args=[slug])


def modules(slug):
    return reverse("api:v1:partner-commune-modules", args=[slug])


def module(slug, label):
    return reverse("api:v1:partner-commune-module", args=[slug, label])


def plan_url(pk):
    return reverse("api:v1:partner-plan-detail", args=[pk])


def new_commune(partner, **overrides):
    data = {
        "hosting_partner": partner.slug,
        "hostname": "Cancale.localhost",
        "name": "Cancale",
        "country": "FR",
        "official_code": "35049",
        "postal_codes": ["35260"],
        "time_zone": "Europe/Paris",
        "population": 5300,
        "contact_email": "mairie@cancale.example",
    }
    data.update(overrides)
    return data


# --- who may call --------------------------------------------------------------------


def test_anonymous_gets_401(api_client, commune):
    assert api_client.get(COMMUNES).status_code == 401
    assert api_client.get(detail("saint-malo")).status_code == 401
    assert api_client.get(PLANS).status_code == 401


def test_resident_without_partner_role_gets_403(resident_api, commune):
    assert resident_api.get(COMMUNES).status_code == 403
    assert resident_api.get(detail("saint-malo")).status_code == 403
    assert resident_api.post(COMMUNES, {}, format="json").status_code == 403


def test_partner_staff_list_only_their_communes(staff_api, commune, rival_staff):
    response = staff_api.get(COMMUNES)
    assert response.status_code == 200
    slugs = [c["slug"] for c in response.json()["results"]]
    assert slugs == ["saint-malo"]
    entry = response.json()["results"][0]
    assert entry["hostname"] == "saint-malo.localhost"
    assert entry["enabled_modules"] == [
        "alerts",
        "classifieds",
        "groups",
        "polls",
        "reports",
        "suggestions",
        "twinning",
    ]
    assert entry["postal_codes"] == ["35400"]


def test_another_partners_commune_is_404_everywhere(rival_api, commune):
    assert rival_api.get(detail("saint-malo")).status_code == 404
    assert (
        rival_api.patch(detail("saint-malo"), {"population": 1}, format="json").status_code == 404
    )
    assert rival_api.get(modules("saint-malo")).status_code == 404
    response = rival_api.put(module("saint-malo", "classifieds"), {"enabled": False}, format="json")
    assert response.status_code == 404
    assert registry.is_enabled(Commune.objects.get(slug="saint-malo"), "classifieds")
    # Same answer as a commune that does not exist.
    assert rival_api.get(detail("nowhere")).status_code == 404


# --- create and update -------------------------------------------------------------------


def test_create_commune_with_site_and_home_page(staff_api, partner):
    plan = PlanFactory(hosting_partner=partner, max_population=10000)
    response = staff_api.post(COMMUNES, new_commune(partner, plan=plan.pk), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "cancale"
    assert body["hostname"] == "cancale.localhost"
    assert body["plan"]["id"] == plan.pk
    assert body["hosting_partner"] == partner.slug
    site = Site.objects.get(hostname="cancale.localhost")
    assert isinstance(site.root_page.specific, CommunePage)
    assert Commune.objects.get(slug="cancale").site == site


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"official_code": "3504"}, "official_code"),
        ({"official_code": "ABCDE"}, "official_code"),
        ({"time_zone": "Africa/Abidjan"}, "time_zone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"postal_codes": ["75001"]}, "postal_codes"),
        ({"hostname": "saint-malo.localhost"}, "hostname"),
        ({"hostname": "not a host"}, "hostname"),
        ({"hosting_partner": "unknown"}, "hosting_partner"),
        ({"country": "DE"}, "country"),
    ],
)
def test_bad_commune_input_is_400_with_field_messages(
    staff_api, partner, commune, overrides, field
):
    response = staff_api.post(COMMUNES, new_commune(partner, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert not Commune.objects.filter(name="Cancale").exists()
    assert not Site.objects.filter(hostname="cancale.localhost").exists()


def test_plan_of_another_partner_is_refused(staff_api, partner, rival_staff):
    theirs = PlanFactory(hosting_partner=rival_staff.rival_partner)
    response = staff_api.post(COMMUNES, new_commune(partner, plan=theirs.pk), format="json")
    assert response.status_code == 400
    assert "plan" in response.json()


def test_cannot_create_a_commune_for_another_partner(staff_api, rival_staff):
    response = staff_api.post(COMMUNES, new_commune(rival_staff.rival_partner), format="json")
    assert response.status_code == 400
    assert "hosting_partner" in response.json()


def test_plan_outside_population_bracket_is_refused(staff_api, partner, commune):
    big = PlanFactory(hosting_partner=partner, min_population=100000)
    response = staff_api.patch(detail("saint-malo"), {"plan": big.pk}, format="json")
    assert response.status_code == 400
    assert "plan" in response.json()


def test_patch_changes_identity_and_plan(staff_api, partner, commune):
    plan = PlanFactory(hosting_partner=partner, max_population=10000)
    response = staff_api.patch(
        detail("saint-malo"),
        {"population": 47000, "plan": None, "contact_phone": "+33299406060"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["population"] == 47000
    response = staff_api.patch(
        detail("saint-malo"), {"population": 8000, "plan": plan.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["plan"]["id"] == plan.pk
    assert Commune.objects.get(slug="saint-malo").plan == plan


def test_patch_with_bad_time_zone_is_400(staff_api, commune):
    response = staff_api.patch(detail("saint-malo"), {"time_zone": "Asia/Tokyo"}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()
    assert Commune.objects.get(slug="saint-malo").time_zone == "Europe/Paris"


# --- modules ----------------------------------------------------------------------------


def test_modules_list_every_installed_module(staff_api, commune):
    response = staff_api.get(modules("saint-malo"))
    assert response.status_code == 200
    labels = {m["label"]: m["enabled"] for m in response.json()}
    assert set(labels) == set(registry.labels())
    assert labels["classifieds"] is True


def test_switching_a_module_off_and_on_keeps_its_data(staff_api, commune, resident):
    classified = Classified.objects.create(
        commune=commune,
        author=resident,
        kind="offer",
        title="Cours de guitare",
        description="Le mercredi après-midi.",
        contact="06 00 00 00 00",
        expires_at=timezone.now() + timedelta(days=7),
    )
    response = staff_api.put(module("saint-malo", "classifieds"), {"enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert not registry.is_enabled(Commune.objects.get(slug="saint-malo"), "classifieds")
    assert Classified.objects.filter(pk=classified.pk).exists()

    response = staff_api.patch(
        module("saint-malo", "classifieds"), {"enabled": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["enabled"] is True
    assert Classified.objects.get(pk=classified.pk).title == "Cours de guitare"


def test_unknown_module_is_400(staff_api, commune):
    response = staff_api.put(module("saint-malo", "astrology"), {"enabled": True}, format="json")
    assert response.status_code == 400
    assert "module" in response.json()


def test_module_switch_needs_a_boolean(staff_api, commune):
    response = staff_api.put(module("saint-malo", "classifieds"), {}, format="json")
    assert response.status_code == 400
    assert "enabled" in response.json()


# --- plans ------------------------------------------------------------------------------


def test_partner_staff_manage_their_plans(staff_api, partner, rival_staff):
    theirs = PlanFactory(hosting_partner=rival_staff.rival_partner, name="Leur formule")
    response = staff_api.post(
        PLANS,
        {
            "hosting_partner": partner.slug,
            "name": "Petites communes",
            "min_population": 0,
            "max_population": 2000,
            "period": "yearly",
            "price": "90.00",
            "currency": "EUR",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    mine = response.json()
    assert mine["bracket_label"]

    names = [p["name"] for p in staff_api.get(PLANS).json()["results"]]
    assert names == ["Petites communes"]

    response = staff_api.patch(plan_url(mine["id"]), {"price": "95.50"}, format="json")
    assert response.status_code == 200
    assert Plan.objects.get(pk=mine["id"]).price == pytest.approx(95.5)

    assert staff_api.get(plan_url(theirs.pk)).status_code == 404
    assert staff_api.patch(plan_url(theirs.pk), {"price": "1"}, format="json").status_code == 404


def test_bad_plans_are_400(staff_api, partner, rival_staff):
    PlanFactory(hosting_partner=partner, name="Formule unique")
    cases = [
        {"hosting_partner": rival_staff.rival_partner.slug, "name": "Intrus"},
        {
            "hosting_partner": partner.slug,
            "name": "À l'envers",
            "min_population": 5000,
            "max_population": 10,
        },
        {"hosting_partner": partner.slug, "name": "Formule unique"},
    ]
    for case in cases:
        data = {"min_population": 0, "period": "yearly", "price": "10", "currency": "EUR", **case}
        response = staff_api.post(PLANS, data, format="json")
        assert response.status_code == 400, (case, response.json())
    assert not Plan.objects.filter(name__in=["Intrus", "À l'envers"]).exists()


# --- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [COMMUNES, PLANS])
def test_lists_cost_the_same_queries_for_2_and_20_rows(
    staff_api, partner, url, django_assert_max_num_queries
):
    for _ in range(2):
        commune = make_commune(partner)
        PlanFactory(hosting_partner=partner)
    with CaptureQueriesContext(connection) as few:
        assert staff_api.get(url).status_code == 200
    for _ in range(18):
        commune = make_commune(partner)
        PlanFactory(hosting_partner=partner)
    registry.enabled_labels(commune)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_api.get(url)
    assert response.json()["count"] >= 20


# --- the partner town hall switch (COM-2) --------------------------------------------------


def test_partner_staff_switch_is_partner_on_and_off(staff_api, partner_staff, commune):
    assert staff_api.get(detail("saint-malo")).json()["is_partner"] is False
    response = staff_api.patch(detail("saint-malo"), {"is_partner": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["is_partner"] is True
    assert Commune.objects.get(slug="saint-malo").is_partner is True
    assert ModelLogEntry.objects.filter(
        object_id=str(commune.pk), action="wagtail.edit", user=partner_staff
    ).exists()
    response = staff_api.patch(
        detail("saint-malo"), {"is_partner": False, "population": 47000}, format="json"
    )
    assert response.status_code == 200, response.json()
    commune.refresh_from_db()
    assert (commune.is_partner, commune.population) == (False, 47000)


def test_is_partner_needs_a_boolean(staff_api, commune):
    response = staff_api.patch(detail("saint-malo"), {"is_partner": "yes"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"is_partner"}
    assert Commune.objects.get(slug="saint-malo").is_partner is False


def test_another_partners_staff_cannot_switch_is_partner(rival_api, commune):
    response = rival_api.patch(detail("saint-malo"), {"is_partner": True}, format="json")
    assert response.status_code == 404
    assert Commune.objects.get(slug="saint-malo").is_partner is False


def test_the_mayor_cannot_switch_is_partner(commune):
    mayor = make_mayor(commune)
    response = token_client(mayor).patch(detail("saint-malo"), {"is_partner": True}, format="json")
    assert response.status_code == 403
    assert Commune.objects.get(slug="saint-malo").is_partner is False


def test_a_new_commune_is_not_a_partner(staff_api, partner):
    response = staff_api.post(COMMUNES, new_commune(partner, is_partner=True), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["is_partner"] is False
    assert Commune.objects.get(slug=response.json()["slug"]).is_partner is False
