import pytest

from communes.models import StaffRole
from modules.groups.models import Group
from modules.groups.services import group_create, group_join, post_create
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
    """Claire, council member of Saint-Malo: she manages groups, answers as the town hall."""
    person = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, person, StaffRole.Role.COUNCIL)
    return person


def make_group(commune, by, title="Jardins partagés", **kwargs) -> Group:
    kwargs.setdefault("description", "Pour organiser les parcelles.")
    return group_create(commune=commune, by=by, title=title, **kwargs)


@pytest.fixture
def group(commune, staff):
    return make_group(commune, staff)


@pytest.fixture
def private_group(commune, staff):
    return make_group(commune, staff, title="Conseil de quartier", access=Group.Access.ON_REQUEST)


def member_of(group, user):
    """``user`` in ``group`` (an on-request group: accepted by the town hall)."""
    from modules.groups.services import membership_decide
    from tests.follows import root

    member = group_join(group=group, user=user)
    if member.status == member.Status.PENDING:
        member = membership_decide(member=member, by=root(), accept=True)
    return member


def write(group, author, body="Qui arrose samedi ?", **kwargs):
    return post_create(group=group, author=author, body=body, **kwargs)
