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
    """Claire, council member of Saint-Malo: she publishes the town hall's polls."""
    person = UserFactory(first_name="Claire", last_name="Lemoine")
    grant(commune, person, StaffRole.Role.COUNCIL)
    return person


# --- polls-resident: polls to read, answer and count --------------------------------


def open_poll(
    commune,
    by,
    *,
    question="Faut-il piétonniser la rue du Port ?",
    choices=("Oui", "Non", "Sans avis"),
    days=7,
    results="live",
    description="",
    opens_at=None,
):
    """A poll of ``commune`` published by ``by`` (through the service), open from now (or
    ``opens_at``) for ``days`` days."""
    from datetime import timedelta

    from django.utils import timezone

    from modules.polls.services import poll_create

    start = opens_at or timezone.now()
    return poll_create(
        commune=commune,
        by=by,
        question=question,
        choices=list(choices),
        opens_at=start,
        closes_at=start + timedelta(days=days),
        results=results,
        description=description,
    )


def choice_named(poll, label):
    return poll.choices.get(label=label)


def voters(commune, count, *, start=0):
    """``count`` validated residents of ``commune``."""
    return [
        validated(UserFactory(first_name=f"Votant{start + index}"), commune)
        for index in range(count)
    ]


def cast(poll, people, label):
    """Each of ``people`` answers ``label`` through the ballot box."""
    from modules.polls.ballots import vote

    choice = choice_named(poll, label)
    for person in people:
        vote(poll=poll, user=person, choice_id=choice.pk)
