"""The town hall's decisions on suggestions and its categories (SUG-1, SUG-2): staff.py."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from modules.suggestions import staff as town_hall
from modules.suggestions.models import Category, StatusChange, Suggestion
from notifications.models import Event
from tests.factories import UserFactory
from tests.follows import pending, root
from tests.modules.suggestions.conftest import staff_category, waiting_suggestion

pytestmark = pytest.mark.django_db

Status = Suggestion.Status


def published(commune, author, by):
    return town_hall.suggestion_accept(suggestion=waiting_suggestion(commune, author), by=by)


# --- SUG-1: accept or refuse ---------------------------------------------------------------


@time_machine.travel("2026-05-04 09:30 +02:00", tick=False)
def test_accepting_publishes_with_a_first_public_step(commune, resident, staff):
    suggestion = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident), by=staff
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PUBLISHED
    assert suggestion.published_at.isoformat() == "2026-05-04T07:30:00+00:00"
    assert suggestion.decided_at == suggestion.published_at
    assert suggestion.decided_by == staff
    assert suggestion.voting_open
    step = StatusChange.objects.get(suggestion=suggestion)
    assert (step.status, step.note, step.by) == (Status.PUBLISHED, "", staff)
    assert sorted(Event.objects.values_list("kind", flat=True)) == [
        "suggestions.decided",
        "suggestions.published",
    ]


def test_refusing_keeps_the_reason_on_the_row(commune, resident, staff):
    suggestion = town_hall.suggestion_refuse(
        suggestion=waiting_suggestion(commune, resident),
        by=staff,
        reason="  Ce trottoir est départemental.  ",
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REFUSED
    assert suggestion.refusal_reason == "Ce trottoir est départemental."
    assert suggestion.published_at is None
    assert not StatusChange.objects.exists()  # not public: no public step
    assert list(Event.objects.values_list("kind", flat=True)) == ["suggestions.decided"]


def test_refusing_without_a_reason(commune, resident, staff):
    suggestion = town_hall.suggestion_refuse(
        suggestion=waiting_suggestion(commune, resident), by=staff
    )
    assert (suggestion.status, suggestion.refusal_reason) == (Status.REFUSED, "")


def test_a_decision_is_final(commune, resident, staff):
    suggestion = published(commune, resident, staff)
    with pytest.raises(ValidationError) as error:
        town_hall.suggestion_refuse(suggestion=suggestion, by=staff, reason="Non")
    assert error.value.message_dict == {"status": ["La mairie s’est déjà prononcée."]}
    with pytest.raises(ValidationError):
        town_hall.suggestion_accept(suggestion=suggestion, by=staff)
    refused = town_hall.suggestion_refuse(
        suggestion=waiting_suggestion(commune, resident), by=staff
    )
    with pytest.raises(ValidationError):
        town_hall.suggestion_accept(suggestion=refused, by=staff)


def test_a_proposal_held_by_moderation_is_not_published(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident, hidden_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        town_hall.suggestion_accept(suggestion=suggestion, by=staff)
    assert error.value.message_dict == {
        "status": ["La modération retient cette suggestion : elle ne peut pas être publiée."]
    }
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED
    assert not Event.objects.exists()
    # Refusing it stays possible.
    town_hall.suggestion_refuse(suggestion=suggestion, by=staff)


def test_a_too_long_reason_is_refused(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    with pytest.raises(ValidationError) as error:
        town_hall.suggestion_refuse(suggestion=suggestion, by=staff, reason="x" * 2001)
    assert list(error.value.message_dict) == ["reason"]
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED


@pytest.mark.parametrize("who", ["resident", "other_staff", "pending_resident", "suspended_staff"])
def test_only_the_commune_s_staff_decide(who, commune, resident, neighbour, staff, other_staff):
    suggestion = waiting_suggestion(commune, neighbour)
    if who == "resident":
        person = resident
    elif who == "other_staff":
        person = other_staff
    elif who == "pending_resident":
        person = UserFactory()
        pending(person, commune)
    else:
        staff.suspended_at = timezone.now()
        staff.save(update_fields=["suspended_at"])
        person = staff
    for action in (
        lambda: town_hall.suggestion_accept(suggestion=suggestion, by=person),
        lambda: town_hall.suggestion_refuse(suggestion=suggestion, by=person),
        lambda: town_hall.voting_close(suggestion=suggestion, by=person),
        lambda: town_hall.status_set(
            suggestion=suggestion, by=person, status=Status.UNDER_STUDY, note=""
        ),
    ):
        with pytest.raises(PermissionDenied) as error:
            action()
        assert str(error.value) == "Seule l’équipe de la mairie se prononce sur les suggestions."
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED
    assert not Event.objects.exists()


def test_a_superuser_and_the_hosting_partner_decide(commune, resident):
    suggestion = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident), by=root()
    )
    assert suggestion.status == Status.PUBLISHED


# --- SUG-2: follow-up ----------------------------------------------------------------------


def test_status_with_a_public_note(commune, resident, staff):
    suggestion = published(commune, resident, staff)
    change = town_hall.status_set(
        suggestion=suggestion, by=staff, status=Status.UNDER_STUDY, note="Devis demandé."
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Status.UNDER_STUDY
    assert suggestion.voting_open
    assert (change.status, change.note, change.by) == (Status.UNDER_STUDY, "Devis demandé.", staff)
    assert list(suggestion.history.values_list("status", flat=True)) == [
        Status.PUBLISHED,
        Status.UNDER_STUDY,
    ]
    # The note may be left out for "under study" and "retained".
    town_hall.status_set(suggestion=suggestion, by=staff, status=Status.RETAINED, note="")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.RETAINED


@pytest.mark.parametrize("final", [Status.DONE, Status.NOT_RETAINED])
def test_a_final_status_needs_a_note_and_closes_voting(final, commune, resident, staff):
    suggestion = published(commune, resident, staff)
    with pytest.raises(ValidationError) as error:
        town_hall.status_set(suggestion=suggestion, by=staff, status=final, note="  ")
    assert error.value.message_dict == {
        "note": ["Expliquez la décision aux habitants dans une note."]
    }
    town_hall.status_set(suggestion=suggestion, by=staff, status=final, note="Voté au conseil.")
    suggestion.refresh_from_db()
    assert suggestion.status == final
    assert suggestion.voting_closed_at is not None
    assert not suggestion.voting_open


def test_the_same_status_again_needs_something_new(commune, resident, staff):
    suggestion = published(commune, resident, staff)
    town_hall.status_set(suggestion=suggestion, by=staff, status=Status.UNDER_STUDY, note="")
    with pytest.raises(ValidationError) as error:
        town_hall.status_set(suggestion=suggestion, by=staff, status=Status.UNDER_STUDY, note="")
    assert list(error.value.message_dict) == ["note"]
    town_hall.status_set(
        suggestion=suggestion, by=staff, status=Status.UNDER_STUDY, note="Les devis sont arrivés."
    )
    assert suggestion.history.count() == 3


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.REFUSED, Status.PROPOSED, "bogus"])
def test_only_follow_up_statuses(status, commune, resident, staff):
    suggestion = published(commune, resident, staff)
    with pytest.raises(ValidationError) as error:
        town_hall.status_set(suggestion=suggestion, by=staff, status=status, note="Note")
    assert error.value.message_dict == {"status": ["Choisissez un statut du suivi."]}


@pytest.mark.parametrize("state", ["proposed", "refused"])
def test_a_suggestion_that_is_not_public_is_not_followed_up(state, commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    if state == "refused":
        town_hall.suggestion_refuse(suggestion=suggestion, by=staff)
    with pytest.raises(ValidationError) as error:
        town_hall.status_set(suggestion=suggestion, by=staff, status=Status.RETAINED, note="Oui")
    assert error.value.message_dict == {
        "status": ["Seule une suggestion publiée fait l’objet d’un suivi."]
    }
    with pytest.raises(ValidationError):
        town_hall.voting_close(suggestion=suggestion, by=staff)
    assert not StatusChange.objects.filter(status=Status.RETAINED).exists()


def test_closing_voting(commune, resident, staff):
    suggestion = published(commune, resident, staff)
    closed = town_hall.voting_close(suggestion=suggestion, by=staff)
    assert closed.voting_closed_at is not None
    assert not closed.voting_open
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.PUBLISHED
    with pytest.raises(ValidationError) as error:
        town_hall.voting_close(suggestion=suggestion, by=staff)
    assert error.value.message_dict == {"status": ["Les votes sont déjà clos."]}
    # A final status later keeps the first closing time.
    town_hall.status_set(suggestion=suggestion, by=staff, status=Status.DONE, note="Fait.")
    assert Suggestion.objects.get(pk=suggestion.pk).voting_closed_at == closed.voting_closed_at


# --- categories ----------------------------------------------------------------------------


def test_categories_are_added_last_renamed_and_retired(commune, staff):
    first = town_hall.category_create(commune=commune, by=staff, name="Propreté")
    second = town_hall.category_create(commune=commune, by=staff, name=" Espaces verts ")
    assert (first.position, second.position, second.name) == (0, 1, "Espaces verts")
    town_hall.category_update(category=second, by=staff, name="Parcs", position=0, active=False)
    second.refresh_from_db()
    assert (second.name, second.position, second.active) == ("Parcs", 0, False)


def test_a_category_name_is_unique_in_the_commune(commune, other_commune, staff, other_staff):
    town_hall.category_create(commune=commune, by=staff, name="Propreté")
    with pytest.raises(ValidationError) as error:
        town_hall.category_create(commune=commune, by=staff, name="propreté")
    assert error.value.message_dict == {"name": ["La commune a déjà une catégorie de ce nom."]}
    # Another commune may have it.
    town_hall.category_create(commune=other_commune, by=other_staff, name="Propreté")
    assert Category.objects.filter(name="Propreté").count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, 12])
def test_a_category_needs_a_name(name, commune, staff):
    with pytest.raises(ValidationError) as error:
        town_hall.category_create(commune=commune, by=staff, name=name)
    assert list(error.value.message_dict) == ["name"]


def test_a_used_category_is_retired_not_deleted(commune, resident, staff):
    used = staff_category(commune, "Voirie")
    waiting_suggestion(commune, resident, category=used)
    with pytest.raises(ValidationError) as error:
        town_hall.category_delete(category=used, by=staff)
    assert error.value.message_dict == {
        "category": ["Des suggestions utilisent cette catégorie : retirez-la plutôt."]
    }
    unused = town_hall.category_create(commune=commune, by=staff, name="Autre")
    town_hall.category_delete(category=unused, by=staff)
    assert list(Category.objects.values_list("name", flat=True)) == ["Voirie"]


def test_only_the_commune_s_staff_keep_its_categories(commune, resident, other_staff):
    category = staff_category(commune, "Voirie")
    for person in (resident, other_staff):
        with pytest.raises(PermissionDenied):
            town_hall.category_create(commune=commune, by=person, name="Autre")
        with pytest.raises(PermissionDenied):
            town_hall.category_update(category=category, by=person, name="X")
        with pytest.raises(PermissionDenied):
            town_hall.category_delete(category=category, by=person)
    assert list(Category.objects.values_list("name", flat=True)) == ["Voirie"]


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_loads_every_state_once(commune, resident, neighbour, staff):
    from modules.suggestions.demo import load

    load(commune, [resident, neighbour])
    load(commune, [resident, neighbour])  # idempotent
    states = dict(Suggestion.objects.values_list("status", "title"))
    assert set(states) == {
        Status.PROPOSED,
        Status.PUBLISHED,
        Status.UNDER_STUDY,
        Status.REFUSED,
    }
    published = Suggestion.objects.get(status=Status.PUBLISHED)
    assert (published.votes_for, published.votes_against) == (1, 1)
    assert published.votes.exclude(comment=None).count() == 2
    studied = Suggestion.objects.get(status=Status.UNDER_STUDY)
    assert studied.history.last().note.startswith("Les services techniques")
    assert Suggestion.objects.get(status=Status.REFUSED).refusal_reason
    assert Category.objects.filter(commune=commune).count() == 7
