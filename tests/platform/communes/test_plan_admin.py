"""Subscription plans in the Wagtail admin go through communes.services.plan_save, the
service the partner API uses too: one check of the partner, one log entry."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from communes.models import Plan
from tests.factories import HostingPartnerFactory, PlanFactory
from tests.platform.communes.test_admin import admin_user
from tests.two_factor import verified_login


@pytest.fixture
def staff_client(client, partner):
    user = admin_user()
    partner.staff.add(user)
    verified_login(client, user)
    client.user = user
    return client


def plan_data(partner, **overrides):
    data = {
        "hosting_partner": partner.pk,
        "name": "Petites communes",
        "min_population": "0",
        "max_population": "5000",
        "period": "yearly",
        "price": "480.00",
        "currency": "EUR",
    }
    data.update(overrides)
    return data


def logs(plan, action):
    return ModelLogEntry.objects.filter(object_id=str(plan.pk), action=action).count()


def test_a_partner_adds_and_changes_a_plan_through_the_service(staff_client, partner, monkeypatch):
    from communes import admin_views, services

    calls = []

    def spy(**kwargs):
        calls.append((kwargs["by"], kwargs["created"]))
        return services.plan_save(**kwargs)

    monkeypatch.setattr(admin_views, "plan_save", spy)
    response = staff_client.post(reverse("plan:add"), plan_data(partner))
    assert response.status_code == 302
    plan = Plan.objects.get(hosting_partner=partner, name="Petites communes")
    assert logs(plan, "wagtail.create") == 1  # the service's entry, not a second one
    response = staff_client.post(
        reverse("plan:edit", args=[plan.pk]), plan_data(partner, price="520.00")
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert str(plan.price) == "520.00"
    assert logs(plan, "wagtail.edit") == 1
    assert calls == [(staff_client.user, True), (staff_client.user, False)]
    entry = ModelLogEntry.objects.get(object_id=str(plan.pk), action="wagtail.edit")
    assert entry.user_id == staff_client.user.pk


def test_another_partners_plan_is_neither_offered_nor_editable(staff_client, partner):
    other = HostingPartnerFactory()
    response = staff_client.post(reverse("plan:add"), plan_data(other))
    assert response.status_code == 200  # the form refuses a partner it does not offer
    assert "hosting_partner" in response.context["form"].errors
    assert not Plan.objects.filter(hosting_partner=other).exists()
    theirs = PlanFactory(hosting_partner=other)
    response = staff_client.get(reverse("plan:edit", args=[theirs.pk]))
    assert response.status_code == 404
