import pytest

from communes.models import StaffRole
from tests.factories import UserFactory
from tests.follows import grant, validated


@pytest.fixture
def resident(resident, commune):
    """Marie, validated resident of Saint-Malo."""
    return validated(resident, commune)


@pytest.fixture
def neighbour(db, commune):
    return validated(UserFactory(first_name="Paul", last_name="Martin"), commune)


@pytest.fixture
def staff(db, commune):
    """Claire, council member of Saint-Malo: she handles the residents' suggestions."""
    person = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, person, StaffRole.Role.COUNCIL)
    return person


# --- sugg-staff's helpers (the town hall's side) -----------------------------------------


@pytest.fixture
def other_staff(db, other_commune):
    """Staff of another commune: they handle nothing in Saint-Malo."""
    person = UserFactory(first_name="Awa", last_name="Koné")
    grant(other_commune, person, StaffRole.Role.COUNCIL)
    return person


def staff_category(commune, name="Voirie et circulation", **kwargs):
    from modules.suggestions.models import Category

    return Category.objects.get_or_create(commune=commune, name=name, defaults=kwargs)[0]


def waiting_suggestion(commune, author, *, title="Un banc place du marché", **kwargs):
    """A proposal waiting for the town hall, written directly (no notification)."""
    from modules.suggestions.models import Suggestion

    if "category" not in kwargs:
        kwargs["category"] = staff_category(commune)
    kwargs.setdefault("description", "Les personnes âgées n'ont nulle part où s'asseoir.")
    return Suggestion.objects.create(commune=commune, author=author, title=title, **kwargs)
