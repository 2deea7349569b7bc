import datetime

import pytest

from communes.models import NewsPage, StaffRole
from tests.factories import UserFactory
from tests.follows import grant, validated


def add_news(commune, title="Travaux rue de Dinan", *, slug="travaux", live=True, **fields):
    news = NewsPage(
        title=title,
        slug=slug,
        body="<p>La rue sera fermée du 3 au 7 mars.</p>",
        date=datetime.date(2026, 3, 1),
        live=live,
        **fields,
    )
    commune.site.root_page.add_child(instance=news)
    if live:
        news.save_revision().publish()
    return news


@pytest.fixture
def resident(resident, commune):
    """Marie, validated resident of Saint-Malo."""
    return validated(resident, commune)


@pytest.fixture
def neighbour(db, commune):
    return validated(UserFactory(first_name="Paul", last_name="Martin"), commune)


@pytest.fixture
def staff(db, commune):
    """Claire, council member of Saint-Malo: she publishes and answers as the town hall."""
    person = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, person, StaffRole.Role.COUNCIL)
    return person


@pytest.fixture
def news(commune):
    return add_news(commune)
