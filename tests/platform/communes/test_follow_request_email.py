"""The validators' e-mail counts the requests that wait, this one among them (ACC-10).

It once said "0 demande attend votre décision": the e-mail leaves once the request
commits, and the demo's data decide each request in the same transaction.
"""

import pytest

from communes.models import Follow, StaffRole
from communes.services import follow_decide, follow_request
from tests.factories import UserFactory
from tests.follows import grant, root

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(commune):
    return grant(commune, UserFactory(), StaffRole.Role.COUNCIL).user


def sentence(message) -> str:
    return message.body.split("\n\n")[1]


def to_validators(mailoutbox, council) -> list:
    return [m for m in mailoutbox if m.to == [council.email]]


def test_one_request_waiting(commune, council, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follow_request(user=UserFactory(), commune=commune)
    (message,) = to_validators(mailoutbox, council)
    assert sentence(message) == (
        "Une personne a demandé à suivre Saint-Malo. 1 demande attend votre décision."
    )


def test_two_requests_waiting(commune, council, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follow_request(user=UserFactory(), commune=commune)
    with django_capture_on_commit_callbacks(execute=True):
        follow_request(user=UserFactory(), commune=commune)
    first, second = to_validators(mailoutbox, council)
    assert sentence(first).endswith(" 1 demande attend votre décision.")
    assert sentence(second) == (
        "Une personne a demandé à suivre Saint-Malo. 2 demandes attendent votre décision."
    )


def test_a_request_decided_before_it_commits_tells_no_validator(
    commune, council, mailoutbox, django_capture_on_commit_callbacks
):
    """As the demo's data do: two requests in one transaction, one decided at once."""
    with django_capture_on_commit_callbacks(execute=True):
        decided, _ = follow_request(user=UserFactory(), commune=commune)
        follow_decide(follow=decided, by=root(), accept=True)
        follow_request(user=UserFactory(), commune=commune)  # waits
    assert Follow.objects.get(pk=decided.pk).status == Follow.Status.VALIDATED
    (message,) = to_validators(mailoutbox, council)
    assert sentence(message) == (
        "Une personne a demandé à suivre Saint-Malo. 1 demande attend votre décision."
    )
    assert all("0 demande" not in m.body for m in mailoutbox)
