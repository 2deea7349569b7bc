"""Factories for test data. Communes go through the real service (Site, page, group)."""

from __future__ import annotations

import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from communes.models import HostingPartner, Plan
from communes.services import CommuneIdentity, commune_create

PASSWORD = "correct horse battery staple"
_insee = itertools.count(35001)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HostingPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostingPartner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Hébergeur {n}")
    slug = factory.Sequence(lambda n: f"hebergeur-{n}")

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.staff.add(*extracted)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    hosting_partner = factory.SubFactory(HostingPartnerFactory)
    name = factory.Sequence(lambda n: f"Formule {n}")
    min_population = 0
    max_population = None
    period = Plan.Period.YEARLY
    price = 120


def make_commune(
    partner: HostingPartner | None = None,
    *,
    name: str | None = None,
    hostname: str | None = None,
    country: str = "FR",
    **identity,
):
    """Create a commune through ``commune_create`` as a superuser."""
    partner = partner or HostingPartnerFactory()
    superuser, _ = get_user_model().objects.get_or_create(
        email="root@example.org",
        defaults={
            "first_name": "Root",
            "last_name": "Admin",
            "is_superuser": True,
            "is_staff": True,
        },
    )
    number = next(_insee)
    name = name or f"Commune {number}"
    if country == "FR":
        identity.setdefault("official_code", f"{number:05d}")
        identity.setdefault("postal_codes", f"{str(number)[:2]}000")
        identity.setdefault("time_zone", "Europe/Paris")
    else:
        identity.setdefault("official_code", f"CI-AB-{number % 100:02d}")
        identity.setdefault("time_zone", "Africa/Abidjan")
    identity.setdefault("population", 5000)
    slug = identity.pop("slug", None) or f"commune-{number}"
    return commune_create(
        by=superuser,
        partner=partner,
        identity=CommuneIdentity(name=name, country=country, slug=slug, **identity),
        hostname=hostname or f"{slug}.localhost",
    )
