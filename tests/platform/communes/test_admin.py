from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from communes.models import Commune, CommunePage, Plan
from core.modules import registry
from modules.classifieds.models import Classified
from tests.factories import HostingPartnerFactory, PlanFactory, UserFactory, make_commune
from tests.two_factor import verified_login


def admin_user(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name="Admin access (tests)")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    user.groups.add(group)
    return user


def assert_refused(response):
    """Wagtail answers PermissionDenied with a redirect to the dashboard and a message."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")


@pytest.fixture
def staff(partner):
    user = admin_user()
    partner.staff.add(user)
    return user


@pytest.fixture
def rival(db):
    """Staff of another hosting partner, with a commune of their own."""
    user = admin_user()
    partner = HostingPartnerFactory(staff=[user])
    user.rival_commune = make_commune(partner, name="Dinard", slug="dinard")
    return user


@pytest.fixture
def staff_client(client, staff):
    verified_login(client, staff)
    return client


def create_form_data(partner, **overrides):
    data = {
        "hosting_partner": partner.pk,
        "name": "Cancale",
        "slug": "",
        "hostname": "Cancale.localhost",
        "country": "FR",
        "official_code": "35049",
        "postal_codes": "35260",
        "time_zone": "Europe/Paris",
        "population": "5300",
        "plan": "",
        "theme": "default",
        "contact_email": "mairie@cancale.example",
        "contact_phone": "",
        "contact_address": "",
        "opening_hours": "",
    }
    data.update(overrides)
    return data


def test_partner_staff_see_only_their_communes(staff_client, commune, rival):
    response = staff_client.get(reverse("commune:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Saint-Malo" in content
    assert "saint-malo.localhost" in content
    assert "classifieds" in content
    assert "Dinard" not in content


def test_partner_staff_create_a_commune_in_one_action(staff_client, partner):
    plan = PlanFactory(hosting_partner=partner, max_population=10000)
    response = staff_client.post(reverse("commune:add"), create_form_data(partner, plan=plan.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    commune = Commune.objects.get(slug="cancale")
    assert commune.plan == plan
    site = Site.objects.get(hostname="cancale.localhost")
    assert commune.site == site
    assert isinstance(site.root_page.specific, CommunePage)


def test_create_form_shows_service_errors_on_fields(staff_client, partner, commune):
    response = staff_client.post(
        reverse("commune:add"),
        create_form_data(partner, official_code="3504", hostname="saint-malo.localhost"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "official_code" in errors
    assert not Commune.objects.filter(name="Cancale").exists()

    response = staff_client.post(
        reverse("commune:add"), create_form_data(partner, hostname="saint-malo.localhost")
    )
    assert response.status_code == 200
    assert "hostname" in response.context["form"].errors


def test_create_form_offers_only_the_users_partners_and_plans(staff_client, partner, rival):
    other_plan = PlanFactory(hosting_partner=rival.hosting_partners.get())
    response = staff_client.post(
        reverse("commune:add"),
        create_form_data(rival.hosting_partners.get(), plan=other_plan.pk),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "hosting_partner" in errors
    assert "plan" in errors
    assert not Commune.objects.filter(name="Cancale").exists()


def test_partner_staff_edit_identity_and_plan(staff_client, partner, commune):
    plan = PlanFactory(hosting_partner=partner, max_population=10000)
    data = create_form_data(
        partner,
        name="Saint-Malo",
        official_code="35288",
        postal_codes="35400",
        plan=plan.pk,
        population="5000",
    )
    response = staff_client.post(reverse("commune:edit", args=[commune.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    commune.refresh_from_db()
    assert commune.plan == plan


def test_plan_outside_the_population_bracket_is_a_form_error(staff_client, partner, commune):
    plan = PlanFactory(hosting_partner=partner, min_population=100000)
    data = create_form_data(
        partner,
        name="Saint-Malo",
        official_code="35288",
        postal_codes="35400",
        plan=plan.pk,
        population="5000",
    )
    response = staff_client.post(reverse("commune:edit", args=[commune.pk]), data)
    assert response.status_code == 200
    assert "plan" in response.context["form"].errors


def test_wrong_partner_gets_404_on_another_partners_commune(client, commune, rival):
    verified_login(client, rival)
    for name in ("commune:edit", "commune:modules", "commune:history"):
        assert client.get(reverse(name, args=[commune.pk])).status_code == 404, name
    response = client.post(reverse("commune:modules", args=[commune.pk]), {})
    assert response.status_code == 404
    assert registry.is_enabled(Commune.objects.get(pk=commune.pk), "classifieds")


def test_user_without_partner_role_does_not_see_the_menu_item(client, commune):
    editor = admin_user()
    verified_login(client, editor)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert reverse("commune:index") not in response.content.decode()
    assert_refused(client.get(reverse("commune:index")))
    assert_refused(client.get(reverse("commune:edit", args=[commune.pk])))


def test_partner_staff_see_communes_and_plans_menu_items(staff_client):
    content = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("commune:index") in content
    assert reverse("plan:index") in content
    assert reverse("hosting_partner:index") not in content


def test_superuser_sees_hosting_partners(client, commune):
    root = UserFactory(is_superuser=True, is_staff=True)
    verified_login(client, root)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("hosting_partner:index") in content
    response = client.get(reverse("hosting_partner:index"))
    assert response.status_code == 200
    assert commune.hosting_partner.name in response.content.decode()


def test_superuser_adding_partner_staff_opens_the_admin_to_them(client, partner):
    root = UserFactory(is_superuser=True, is_staff=True)
    newcomer = UserFactory()
    verified_login(client, root)
    response = client.post(
        reverse("hosting_partner:edit", args=[partner.pk]),
        {"name": partner.name, "slug": partner.slug, "contact_email": "", "staff": [newcomer.pk]},
    )
    assert response.status_code == 302
    assert newcomer.has_perm("wagtailadmin.access_admin")


def test_partner_staff_cannot_reach_hosting_partners(staff_client, partner):
    assert_refused(staff_client.get(reverse("hosting_partner:index")))
    assert_refused(staff_client.get(reverse("hosting_partner:edit", args=[partner.pk])))


def test_switching_a_module_off_then_on_keeps_classifieds(staff_client, commune, resident):
    classified = Classified.objects.create(
        commune=commune,
        author=resident,
        kind="offer",
        title="Tonte de pelouse",
        description="Je tonds votre pelouse le samedi.",
        contact="06 00 00 00 00",
        expires_at=timezone.now() + timedelta(days=7),
    )
    url = reverse("commune:modules", args=[commune.pk])
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {})
    assert response.status_code == 302
    assert not registry.is_enabled(Commune.objects.get(pk=commune.pk), "classifieds")
    assert Classified.objects.filter(pk=classified.pk).exists()

    response = staff_client.post(url, {"classifieds": "on"})
    assert response.status_code == 302
    assert registry.is_enabled(Commune.objects.get(pk=commune.pk), "classifieds")
    assert Classified.objects.get(pk=classified.pk).title == "Tonte de pelouse"


def test_partner_staff_manage_only_their_plans(staff_client, partner, rival):
    response = staff_client.post(
        reverse("plan:add"),
        {
            "hosting_partner": partner.pk,
            "name": "Petites communes",
            "min_population": 0,
            "max_population": 2000,
            "period": "yearly",
            "price": "90.00",
            "currency": "EUR",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mine = Plan.objects.get(name="Petites communes")
    theirs = PlanFactory(hosting_partner=rival.hosting_partners.get(), name="Leur formule")

    content = staff_client.get(reverse("plan:index")).content.decode()
    assert "Petites communes" in content
    assert "Leur formule" not in content
    assert staff_client.get(reverse("plan:edit", args=[mine.pk])).status_code == 200
    assert staff_client.get(reverse("plan:edit", args=[theirs.pk])).status_code == 404

    response = staff_client.post(
        reverse("plan:add"),
        {
            "hosting_partner": rival.hosting_partners.get().pk,
            "name": "Intrus",
            "min_population": 0,
            "period": "yearly",
            "price": "1",
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(name="Intrus").exists()


def test_plan_bracket_must_be_ordered(staff_client, partner):
    response = staff_client.post(
        reverse("plan:add"),
        {
            "hosting_partner": partner.pk,
            "name": "À l'envers",
            "min_population": 5000,
            "max_population": 100,
            "period": "yearly",
            "price": "90",
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(name="À l'envers").exists()


def test_commune_list_costs_the_same_queries_for_2_and_20_communes(
    staff_client, partner, django_assert_max_num_queries
):
    for _ in range(2):
        make_commune(partner)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("commune:index"))
    for _ in range(18):
        make_commune(partner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(reverse("commune:index"))
    assert response.status_code == 200
