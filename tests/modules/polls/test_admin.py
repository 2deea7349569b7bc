"""The town hall's admin of polls (POL-1): publish with the answers inline, edit (locked once
votes exist), close now, results and their CSV; another commune's polls answer 404."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group as AuthGroup
from django.test import Client

from accounts.staff import PLATFORM_STAFF_GROUP
from modules.polls.ballots import tally, vote
from modules.polls.models import Poll
from modules.polls.services import poll_create
from tests.factories import UserFactory
from tests.follows import root, validated
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 10:00 in Saint-Malo (Europe/Paris, UTC+1).
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def make_poll(commune, by, **kwargs):
    kwargs.setdefault("question", "Faut-il piétonniser la rue Jeanne-Jugan ?")
    kwargs.setdefault("choices", ["Oui", "Non"])
    kwargs.setdefault("opens_at", NOW - DAY)
    kwargs.setdefault("closes_at", NOW + 7 * DAY)
    return poll_create(commune=commune, by=by, **kwargs)


def form_data(commune=None, *, question="Quel nom pour la médiathèque ?", answers=(), **extra):
    data = {
        "question": question,
        "description": "Trois noms proposés par le conseil des jeunes.",
        "opens_at": "2026-03-02 10:00",
        "closes_at": "2026-03-16 18:00",
        "results": "live",
        "choices-TOTAL_FORMS": str(len(answers)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "2",
        "choices-MAX_NUM_FORMS": "10",
    }
    if commune is not None:
        data["commune"] = commune.pk
    for index, label in enumerate(answers):
        data[f"choices-{index}-label"] = label
        data[f"choices-{index}-id"] = ""
        data[f"choices-{index}-ORDER"] = str(index + 1)
        data[f"choices-{index}-DELETE"] = ""
    data.update(extra)
    return data


def voters(commune, count):
    return [validated(UserFactory(), commune) for _ in range(count)]


def test_staff_publish_a_poll_in_the_commune_s_time_zone(commune, other_commune, staff):
    site = admin_client(staff)
    form = site.get("/admin/polls/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "Cocody" not in page
    assert "Ajouter un sondage" in page or "Nouveau : sondage" in page
    response = site.post(
        "/admin/polls/new/",
        form_data(commune, answers=["Jules Verne", "Surcouf", "Chateaubriand"]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    poll = Poll.objects.get()
    assert (poll.commune, poll.created_by, poll.question) == (
        commune,
        staff,
        "Quel nom pour la médiathèque ?",
    )
    # 18:00 in Saint-Malo in March is 17:00 UTC, whatever the admin user's zone.
    assert poll.closes_at == datetime.datetime(2026, 3, 16, 17, 0, tzinfo=datetime.UTC)
    assert poll.opens_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    assert list(poll.choices.values_list("label", flat=True)) == [
        "Jules Verne",
        "Surcouf",
        "Chateaubriand",
    ]


def test_a_poll_for_another_commune_is_refused(commune, other_commune, staff):
    response = admin_client(staff).post(
        "/admin/polls/new/", form_data(other_commune, answers=["Oui", "Non"])
    )
    assert response.status_code == 200
    assert not Poll.objects.exists()


def test_duplicate_answers_are_refused_with_a_french_message(commune, staff):
    response = admin_client(staff).post(
        "/admin/polls/new/", form_data(commune, answers=["Surcouf", " surcouf "])
    )
    assert response.status_code == 200
    assert "La réponse « surcouf » est donnée deux fois." in response.content.decode()
    assert not Poll.objects.exists()


def test_a_closing_in_the_past_is_refused_on_its_field(commune, staff):
    response = admin_client(staff).post(
        "/admin/polls/new/",
        form_data(
            commune,
            answers=["Oui", "Non"],
            opens_at="2026-02-01 10:00",
            closes_at="2026-02-10 10:00",
        ),
    )
    assert response.status_code == 200
    assert "La clôture doit être dans le futur." in response.content.decode()
    assert not Poll.objects.exists()


def test_the_list_shows_state_and_participation(commune, staff):
    make_poll(commune, staff, question="Ouvert ?")
    make_poll(commune, staff, question="À venir ?", opens_at=NOW + DAY, closes_at=NOW + 3 * DAY)
    response = admin_client(staff).get("/admin/polls/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ouvert ?" in page and "À venir ?" in page
    assert "à venir" in page.lower() and "Clore maintenant" in page
    site = admin_client(staff)
    for ordering in ("participants", "-participants", "closes_at", "-closes_at"):
        assert site.get(f"/admin/polls/?ordering={ordering}").status_code == 200, ordering


def test_editing_before_any_vote_changes_question_and_answers(commune, staff):
    poll = make_poll(commune, staff)
    site = admin_client(staff)
    assert site.get(f"/admin/polls/edit/{poll.pk}/").status_code == 200
    choices = list(poll.choices.all())
    data = form_data(
        question="Piétonniser la rue le dimanche ?",
        answers=[],
        opens_at="2026-03-01 10:00",
        closes_at="2026-03-20 12:00",
    )
    data.update(
        {
            "choices-TOTAL_FORMS": "3",
            "choices-INITIAL_FORMS": "2",
            "choices-0-id": choices[0].pk,
            "choices-0-label": "Oui, le dimanche",
            "choices-0-ORDER": "1",
            "choices-1-id": choices[1].pk,
            "choices-1-label": "Non",
            "choices-1-ORDER": "2",
            "choices-2-id": "",
            "choices-2-label": "Seulement l'été",
            "choices-2-ORDER": "3",
        }
    )
    response = site.post(f"/admin/polls/edit/{poll.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    poll.refresh_from_db()
    assert poll.question == "Piétonniser la rue le dimanche ?"
    assert list(poll.choices.values_list("label", flat=True)) == [
        "Oui, le dimanche",
        "Non",
        "Seulement l'été",
    ]
    assert poll.closes_at == datetime.datetime(2026, 3, 20, 11, 0, tzinfo=datetime.UTC)


def test_once_voted_only_the_closing_is_offered(commune, staff, resident):
    poll = make_poll(commune, staff)
    vote(poll=poll, user=resident, choice_id=poll.choices.first().pk)
    site = admin_client(staff)
    page = site.get(f"/admin/polls/edit/{poll.pk}/").content.decode()
    assert "seule la date de clôture peut encore changer" in page
    assert 'name="question"' not in page and 'name="closes_at"' in page
    response = site.post(
        f"/admin/polls/edit/{poll.pk}/",
        {"closes_at": "2026-03-12 18:00", "question": "Autre question ?"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    poll.refresh_from_db()
    assert poll.question == "Faut-il piétonniser la rue Jeanne-Jugan ?"
    assert poll.closes_at == datetime.datetime(2026, 3, 12, 17, 0, tzinfo=datetime.UTC)


def test_close_now_asks_for_confirmation_then_closes(commune, staff):
    poll = make_poll(commune, staff)
    site = admin_client(staff)
    confirm = site.get(f"/admin/polls/{poll.pk}/close/")
    assert confirm.status_code == 200
    assert "Oui, clore le sondage maintenant" in confirm.content.decode()
    poll.refresh_from_db()
    assert poll.closed_early_at is None
    response = site.post(f"/admin/polls/{poll.pk}/close/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/polls/{poll.pk}/results/"
    poll.refresh_from_db()
    assert poll.closed_early_at is not None and poll.is_closed()


def test_results_and_csv_once_visible(commune, staff, frozen):
    poll = make_poll(commune, staff, question="=Quel nom ?", choices=["Surcouf", "Jules Verne"])
    people = voters(commune, 12)
    surcouf, verne = poll.choices.order_by("position")
    for index, person in enumerate(people):
        vote(poll=poll, user=person, choice_id=(surcouf if index < 9 else verne).pk)
    frozen.shift(8 * DAY)  # closed
    tally(poll.pk, closing=True)
    site = admin_client(staff)
    page = site.get(f"/admin/polls/{poll.pk}/results/").content.decode()
    assert "12 habitants ont répondu" in page
    # In the commune's time (Europe/Paris, UTC+1), not UTC.
    assert "du 1 mars 2026 10:00 au 9 mars 2026 10:00 (heure de la commune)" in page
    assert "Surcouf" in page and "75 %" in page and "25 %" in page
    assert "Télécharger les résultats (CSV)" in page
    response = site.get(f"/admin/polls/{poll.pk}/results.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sondage-{poll.pk}-resultats.csv"'
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert body[1:].split("\r\n") == [
        "Question;Réponse;Votes;Pourcentage;Participation;Bulletins dépouillés",
        "'=Quel nom ?;Surcouf;9;75;12;12",
        "'=Quel nom ?;Jules Verne;3;25;12;12",
        "",
    ]


def test_results_are_not_shown_before_the_first_tally(commune, staff, resident):
    poll = make_poll(commune, staff)
    vote(poll=poll, user=resident, choice_id=poll.choices.first().pk)
    site = admin_client(staff)
    page = site.get(f"/admin/polls/{poll.pk}/results/").content.decode()
    assert "1 habitant a répondu" in page
    assert "Oui" not in page.split("habitant a répondu", 1)[1].split("Clore maintenant")[0]
    assert site.get(f"/admin/polls/{poll.pk}/results.csv").status_code == 404


def test_another_commune_s_poll_is_404_in_the_admin(commune, other_commune, staff):
    poll = make_poll(other_commune, root())
    site = admin_client(staff)
    for url in (
        f"/admin/polls/edit/{poll.pk}/",
        f"/admin/polls/{poll.pk}/close/",
        f"/admin/polls/{poll.pk}/results/",
        f"/admin/polls/{poll.pk}/results.csv",
    ):
        assert site.get(url).status_code == 404, url
    assert site.post(f"/admin/polls/{poll.pk}/close/").status_code == 404
    poll.refresh_from_db()
    assert poll.closed_early_at is None


def test_platform_staff_read_but_do_not_change(commune, staff):
    poll = make_poll(commune, staff)
    support = UserFactory()
    support.groups.add(AuthGroup.objects.get_or_create(name=PLATFORM_STAFF_GROUP)[0])
    site = admin_client(support)
    assert poll.question in site.get("/admin/polls/").content.decode()
    assert site.get(f"/admin/polls/{poll.pk}/results/").status_code == 200
    assert site.get("/admin/polls/new/").status_code == 302  # Wagtail: no permission
    assert site.get(f"/admin/polls/edit/{poll.pk}/").status_code == 302
    refused = site.post(f"/admin/polls/{poll.pk}/close/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's 403
    poll.refresh_from_db()
    assert poll.closed_early_at is None


def test_a_resident_has_no_polls_admin(commune, resident, staff):
    poll = make_poll(commune, staff)
    client = Client()
    client.force_login(resident)
    assert client.get("/admin/polls/").status_code == 302
    assert client.get(f"/admin/polls/{poll.pk}/results/").status_code == 302


def test_the_admin_is_404_where_the_module_is_off(commune, staff):
    from communes.services import module_set_enabled

    poll = make_poll(commune, staff)
    site = admin_client(staff, host="saint-malo.localhost")
    assert site.get("/admin/polls/").status_code == 200
    module_set_enabled(by=root(), commune=commune, module="polls", enabled=False)
    assert site.get("/admin/polls/").status_code == 404
    assert site.get(f"/admin/polls/{poll.pk}/results/").status_code == 404


def test_the_commune_is_chosen_among_those_managed_or_fixed_by_the_host(
    commune, other_commune, staff
):
    from communes.models import StaffRole
    from tests.follows import grant

    grant(other_commune, staff, StaffRole.Role.COMMUNICATION)
    platform = admin_client(staff).get("/admin/polls/new/")
    options = platform.context["form"].fields["commune"].queryset
    assert list(options) == [other_commune, commune]  # by name: Cocody, Saint-Malo
    on_host = admin_client(staff, host="saint-malo.localhost").get("/admin/polls/new/")
    field = on_host.context["form"].fields["commune"]
    assert (list(field.queryset), field.initial) == ([commune], commune)
