"""The town hall's writes on polls (POL-1): publish, change, close; the rules of each."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communes.models import StaffRole
from modules.polls.ballots import vote
from modules.polls.models import Choice, Poll
from modules.polls.services import poll_close, poll_create, poll_update
from tests.factories import UserFactory
from tests.follows import grant

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def publish(commune, by, **kwargs):
    kwargs.setdefault("question", "Faut-il piétonniser la rue Jeanne-Jugan ?")
    kwargs.setdefault("choices", ["Oui", "Non", "Sans avis"])
    kwargs.setdefault("opens_at", NOW)
    kwargs.setdefault("closes_at", NOW + 7 * DAY)
    return poll_create(commune=commune, by=by, **kwargs)


def errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_staff_publish_a_poll_with_its_answers_in_order(commune, staff):
    poll = publish(commune, staff, description="Le conseil décidera en avril.")
    assert (poll.commune, poll.created_by, poll.results) == (commune, staff, Poll.Results.LIVE)
    assert poll.description == "Le conseil décidera en avril."
    assert list(poll.choices.order_by("position").values_list("label", "position", "votes")) == [
        ("Oui", 0, 0),
        ("Non", 1, 0),
        ("Sans avis", 2, 0),
    ]


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        (["Oui"], "Donnez au moins 2 réponses."),
        ([f"Réponse {i}" for i in range(11)], "Donnez au plus 10 réponses."),
        (["Oui", "  "], "Une réponse est vide : écrivez-la ou retirez-la."),
        (["Oui", " oUI "], "La réponse « oUI » est donnée deux fois."),
        (["Rue  du Port", "rue du port"], "La réponse « rue du port » est donnée deux fois."),
    ],
)
def test_answers_are_2_to_10_not_empty_and_distinct(commune, staff, choices, message):
    with pytest.raises(ValidationError) as excinfo:
        publish(commune, staff, choices=choices)
    assert errors(excinfo) == {"choices": [message]}
    assert not Poll.objects.exists()


def test_ten_answers_are_allowed(commune, staff):
    poll = publish(commune, staff, choices=[f"Réponse {i}" for i in range(10)])
    assert poll.choices.count() == 10


def test_the_question_is_required_and_errors_come_by_field(commune, staff):
    with pytest.raises(ValidationError) as excinfo:
        publish(commune, staff, question="  ", choices=["Oui"], closes_at=NOW - HOUR)
    assert errors(excinfo) == {
        "question": ["Écrivez la question posée aux habitants."],
        "choices": ["Donnez au moins 2 réponses."],
        "closes_at": ["Le sondage doit se clore après son ouverture."],
    }


def test_the_closing_is_after_the_opening_and_in_the_future(commune, staff):
    with pytest.raises(ValidationError) as excinfo:
        publish(commune, staff, opens_at=NOW - 3 * DAY, closes_at=NOW - DAY)
    assert errors(excinfo) == {"closes_at": ["La clôture doit être dans le futur."]}
    with pytest.raises(ValidationError) as excinfo:
        publish(commune, staff, opens_at=NOW + 2 * DAY, closes_at=NOW + DAY)
    assert errors(excinfo) == {"closes_at": ["Le sondage doit se clore après son ouverture."]}


def test_dates_must_be_aware(commune, staff):
    with pytest.raises(ValidationError) as excinfo:
        publish(commune, staff, closes_at=datetime.datetime(2026, 3, 9, 18, 0))
    assert errors(excinfo) == {
        "closes_at": ["Indiquez une date et une heure avec son fuseau horaire."]
    }


def test_a_resident_another_commune_s_staff_or_the_technical_service_may_not_publish(
    commune, other_commune, resident, staff
):
    with pytest.raises(PermissionDenied):
        publish(commune, resident)
    with pytest.raises(PermissionDenied):
        publish(other_commune, staff)
    technician = UserFactory()
    grant(commune, technician, StaffRole.Role.TECHNICAL)
    with pytest.raises(PermissionDenied):
        publish(commune, technician)
    communication = UserFactory()
    grant(commune, communication, StaffRole.Role.COMMUNICATION)
    assert publish(commune, communication).created_by == communication


def test_a_poll_nobody_answered_changes_entirely(commune, staff):
    poll = publish(commune, staff, opens_at=NOW + DAY, closes_at=NOW + 8 * DAY)
    oui = poll.choices.get(label="Oui")
    poll = poll_update(
        poll=poll,
        by=staff,
        question="Piétonniser la rue Jeanne-Jugan le dimanche ?",
        choices=["Oui, le dimanche", "Non"],
        opens_at=NOW + 2 * DAY,
        closes_at=NOW + 9 * DAY,
        results=Poll.Results.AT_CLOSING,
        description="Essai de trois mois.",
    )
    poll.refresh_from_db()
    assert (poll.question, poll.results, poll.opens_at, poll.closes_at) == (
        "Piétonniser la rue Jeanne-Jugan le dimanche ?",
        Poll.Results.AT_CLOSING,
        NOW + 2 * DAY,
        NOW + 9 * DAY,
    )
    assert list(poll.choices.order_by("position").values_list("pk", "label")) == [
        (oui.pk, "Oui, le dimanche"),
        (poll.choices.get(position=1).pk, "Non"),
    ]
    assert Choice.objects.filter(poll=poll).count() == 2


def test_once_someone_voted_only_the_closing_changes(commune, staff, resident):
    poll = publish(commune, staff)
    vote(poll=poll, user=resident, choice_id=poll.choices.get(label="Oui").pk)
    with pytest.raises(ValidationError) as excinfo:
        poll_update(poll=poll, by=staff, question="Autre question ?", choices=["A", "B"])
    locked = ["Des habitants ont déjà voté : seule la date de clôture peut encore changer."]
    assert errors(excinfo) == {"question": locked, "choices": locked}
    with pytest.raises(ValidationError) as excinfo:
        poll_update(poll=poll, by=staff, results=Poll.Results.AT_CLOSING)
    assert errors(excinfo) == {"results": locked}
    # The admin form sends every field: unchanged values are no change.
    poll = poll_update(
        poll=poll,
        by=staff,
        question=poll.question,
        choices=["Oui", "Non", "Sans avis"],
        results=Poll.Results.LIVE,
        opens_at=NOW,
        closes_at=NOW + 10 * DAY,
    )
    poll.refresh_from_db()
    assert (poll.question, poll.closes_at) == (
        "Faut-il piétonniser la rue Jeanne-Jugan ?",
        NOW + 10 * DAY,
    )


def test_the_new_closing_is_still_in_the_future(commune, staff):
    poll = publish(commune, staff, opens_at=NOW - DAY)
    with pytest.raises(ValidationError) as excinfo:
        poll_update(poll=poll, by=staff, closes_at=NOW - HOUR)
    assert errors(excinfo) == {"closes_at": ["La clôture doit être dans le futur."]}


def test_a_closed_poll_no_longer_changes(commune, staff, frozen):
    poll = publish(commune, staff, closes_at=NOW + DAY)
    frozen.shift(2 * DAY)
    with pytest.raises(ValidationError) as excinfo:
        poll_update(poll=poll, by=staff, closes_at=NOW + 5 * DAY)
    assert excinfo.value.messages == ["Ce sondage est clos : il ne peut plus être modifié."]


def test_moving_the_opening_later_announces_it_again_when_it_opens(commune, staff):
    poll = publish(commune, staff)
    Poll.objects.filter(pk=poll.pk).update(opening_notified_at=NOW)
    poll = poll_update(poll=poll, by=staff, opens_at=NOW + DAY)
    poll.refresh_from_db()
    assert poll.opening_notified_at is None


def test_staff_close_an_open_poll_early(commune, staff, frozen):
    poll = publish(commune, staff)
    frozen.shift(DAY)
    poll = poll_close(poll=poll, by=staff)
    poll.refresh_from_db()
    assert poll.closes_at == poll.closed_early_at == NOW + DAY
    assert poll.is_closed()
    with pytest.raises(ValidationError) as excinfo:
        poll_close(poll=poll, by=staff)
    assert excinfo.value.messages == ["Ce sondage est déjà clos."]


def test_an_upcoming_poll_is_not_closed_but_rescheduled(commune, staff):
    poll = publish(commune, staff, opens_at=NOW + DAY, closes_at=NOW + 2 * DAY)
    with pytest.raises(ValidationError) as excinfo:
        poll_close(poll=poll, by=staff)
    assert excinfo.value.messages == [
        "Ce sondage n'est pas encore ouvert : modifiez ses dates plutôt que de le clore."
    ]


def test_only_the_town_hall_changes_or_closes(commune, staff, resident, frozen):
    poll = publish(commune, staff)
    frozen.shift(HOUR)
    with pytest.raises(PermissionDenied):
        poll_update(poll=poll, by=resident, closes_at=NOW + 3 * DAY)
    with pytest.raises(PermissionDenied):
        poll_close(poll=poll, by=resident)
    assert Poll.objects.get().closed_early_at is None


def test_unknown_fields_are_a_programming_error(commune, staff):
    poll = publish(commune, staff)
    with pytest.raises(TypeError):
        poll_update(poll=poll, by=staff, commune=commune)
    assert timezone.now() == NOW


def test_the_demo_loads_an_open_a_closed_and_an_upcoming_poll_once(commune, staff):
    from modules.polls import demo
    from modules.polls.models import Participation, PendingBallot
    from tests.follows import validated

    people = [validated(UserFactory(), commune) for _ in range(4)]
    demo.load(commune, people)
    demo.load(commune, people)  # idempotent
    polls = {poll.pk: poll for poll in Poll.objects.filter(commune=commune)}
    assert len(polls) == 3
    states = sorted(
        ("open" if p.is_open() else "closed" if p.is_closed() else "upcoming")
        for p in polls.values()
    )
    assert states == ["closed", "open", "upcoming"]
    closed = next(p for p in polls.values() if p.is_closed())
    assert sum(closed.choices.values_list("votes", flat=True)) == 4
    assert not PendingBallot.objects.filter(poll=closed).exists()
    open_poll = next(p for p in polls.values() if p.is_open())
    assert set(Participation.objects.filter(poll=open_poll).values_list("user", flat=True)) == {
        person.pk for person in people[1:]
    }
