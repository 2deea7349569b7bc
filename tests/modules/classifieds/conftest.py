import pytest
from django.contrib.auth import get_user_model

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create
from tests.factories import UserFactory
from tests.follows import validated


@pytest.fixture
def resident(resident, commune):
    """Classifieds are for validated residents (ACC-10): Marie's follow of Saint-Malo is."""
    return validated(resident, commune)


@pytest.fixture
def neighbour(db, commune):
    return validated(UserFactory(first_name="Paul", last_name="Martin"), commune)


@pytest.fixture
def superuser(db):
    user, _ = get_user_model().objects.get_or_create(
        email="root@example.org",
        defaults={
            "first_name": "Root",
            "last_name": "Admin",
            "is_superuser": True,
            "is_staff": True,
        },
    )
    return user


@pytest.fixture
def publish():
    """``publish(commune, author, title=…)``: a classified through the real service."""

    def build(commune, author, **overrides) -> Classified:
        values = {
            "kind": Classified.Kind.OFFER,
            "title": "Tonte de pelouse",
            "description": "Je tonds votre pelouse le samedi matin.",
            "contact": "06 12 34 56 78",
        }
        values.update(overrides)
        return classified_create(commune=commune, author=author, **values)

    return build
