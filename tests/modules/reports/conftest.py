"""Shared fixtures of the reports module's tests (owner: svc; every helper uses them).

Saint-Malo (``commune``) has two technical services, "Voirie" (roads) and "Éclairage
public" (lighting), each with one agent holding the technical role; its mayor handles
every report (town hall). Categories: ``pothole`` (roads, a required question "danger"
Oui/Non), ``street_light`` (lighting), ``graffiti`` (no service: the town hall).
"""

import pytest

from communes.models import StaffRole
from tests.factories import UserFactory
from tests.follows import grant, pending, validated


@pytest.fixture
def resident(resident, commune):
    """Marie Durand, validated resident of Saint-Malo."""
    return validated(resident, commune)


@pytest.fixture
def neighbour(db, commune):
    """Paul Martin, validated resident of Saint-Malo."""
    return validated(UserFactory(first_name="Paul", last_name="Martin"), commune)


@pytest.fixture
def outsider(db, other_commune):
    """Awa Koné, validated resident of Cocody (not of Saint-Malo)."""
    return validated(UserFactory(first_name="Awa", last_name="Koné"), other_commune)


@pytest.fixture
def newcomer(db, commune):
    """Luc Petit: asked to follow Saint-Malo, not validated yet."""
    person = UserFactory(first_name="Luc", last_name="Petit")
    pending(person, commune)
    return person


@pytest.fixture
def mayor(db, commune):
    """Anne Leroy, mayor of Saint-Malo: the town hall for reports."""
    person = UserFactory(first_name="Anne", last_name="Leroy")
    grant(commune, person, StaffRole.Role.MAYOR)
    return person


@pytest.fixture
def roads(db, commune):
    from modules.reports.models import Service

    return Service.objects.create(commune=commune, name="Voirie", email="voirie@example.org")


@pytest.fixture
def lighting(db, commune):
    from modules.reports.models import Service

    return Service.objects.create(commune=commune, name="Éclairage public")


def _agent(commune, service, **names):
    from guardian.shortcuts import assign_perm

    person = UserFactory(**names)
    grant(commune, person, StaffRole.Role.TECHNICAL)
    assign_perm("reports.handle_service", person, service)
    return person


@pytest.fixture
def roads_agent(db, commune, roads):
    """Jean Moreau, technical role, member of "Voirie"."""
    return _agent(commune, roads, first_name="Jean", last_name="Moreau")


@pytest.fixture
def lighting_agent(db, commune, lighting):
    """Sophie Bernard, technical role, member of "Éclairage public"."""
    return _agent(commune, lighting, first_name="Sophie", last_name="Bernard")


@pytest.fixture
def other_agent(db, other_commune):
    """Koffi Yao, technical role in Cocody, member of its "Voirie"."""
    from modules.reports.models import Service

    service = Service.objects.create(commune=other_commune, name="Voirie")
    return _agent(other_commune, service, first_name="Koffi", last_name="Yao")


@pytest.fixture
def pothole(db, commune, roads):
    from modules.reports.models import Category, Question

    category = Category.objects.create(
        commune=commune, name="Nid de poule", code="nid-de-poule", service=roads, position=1
    )
    Question.objects.create(
        category=category,
        code="danger",
        label="Est-ce dangereux ?",
        datatype=Question.Datatype.SINGLE,
        required=True,
        choices_text="Oui\nNon",
        sort_order=0,
    )
    return category


@pytest.fixture
def street_light(db, commune, lighting):
    from modules.reports.models import Category

    return Category.objects.create(
        commune=commune,
        name="Lampadaire en panne",
        code="lampadaire",
        service=lighting,
        position=2,
    )


@pytest.fixture
def graffiti(db, commune):
    from modules.reports.models import Category

    return Category.objects.create(commune=commune, name="Graffiti", code="graffiti", position=3)


@pytest.fixture
def other_category(db, other_commune):
    """A category of Cocody."""
    from modules.reports.models import Category

    return Category.objects.create(commune=other_commune, name="Nid de poule", code="nid")


@pytest.fixture
def real_limits(settings):
    """The module's own write limits (the test settings raise them for volume tests)."""
    settings.ABUSE_LIMITS = {
        key: value for key, value in settings.ABUSE_LIMITS.items() if key != "problem_report"
    }


@pytest.fixture(autouse=True)
def _in_french():
    """Each test starts in the site's language: a request read in English (a test client
    with ``Accept-Language: en``) leaves English active in the thread after it."""
    from django.utils import translation

    with translation.override("fr"):
        yield
