"""The polls' pages on the commune's host, under /sondages/ (POL-1, POL-2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from modules.polls import ballots
from modules.polls.models import Participation, PendingBallot, Poll
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.polls.conftest import cast, choice_named, open_poll, voters
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None and user.staff_roles.exists():
        verified_login(client, user)
    elif user is not None:
        client.force_login(user)
    return client


def text_of(html: str) -> str:
    """The page's text as a person reads it (tags out, spaces folded)."""
    return " ".join(strip_tags(html).split())


def later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


@pytest.fixture
def poll(commune, staff):
    return open_poll(commune, staff, description="Pour la sécurité des piétons.")


# --- the list ------------------------------------------------------------------------


def test_the_list_shows_open_polls_before_closed_ones_upcoming_for_staff(commune, staff, resident):
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        open_poll(commune, staff, question="Ancien sondage", days=2)
    open_poll(commune, staff, question="Sondage ouvert")
    open_poll(commune, staff, question="Sondage futur", opens_at=timezone.now() + timedelta(days=1))
    html = client_for(resident).get("/sondages/").content.decode()
    assert html.index("Sondage ouvert") < html.index("Ancien sondage")
    assert "Sondage futur" not in html
    assert "Ouvert" in html and "Clos" in html
    staff_html = client_for(staff).get("/sondages/").content.decode()
    assert "Sondage futur" in staff_html
    assert "Pas encore ouvert" in staff_html


def test_visitors_see_the_questions_and_how_to_take_part(poll):
    response = Client(HTTP_HOST=HOST).get("/sondages/")
    html = response.content.decode()
    assert response.status_code == 200
    assert poll.question in html
    assert "Se connecter" in html
    assert "habitants ont répondu" not in html and "habitant a répondu" not in html


# --- a poll's page -------------------------------------------------------------------


def test_a_resident_sees_the_question_the_closing_time_in_the_commune_s_zone_and_the_form(
    commune, staff, resident
):
    opens = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(opens, tick=False):
        poll = open_poll(commune, staff, description="Pour la sécurité des piétons.", days=9)
        # closes 2026-12-10 08:00 UTC = 09:00 in Saint-Malo (Europe/Paris)
        html = client_for(resident).get(f"/sondages/{poll.pk}/").content.decode()
    assert poll.question in html
    assert "Pour la sécurité des piétons." in html
    assert "Répondre avant le jeudi 10 décembre 2026, 09:00" in html
    assert 'method="post"' in html and f'action="/sondages/{poll.pk}/voter/"' in html
    for choice in poll.choices.all():
        assert f'type="radio" name="choice" value="{choice.pk}"' in html
        assert choice.label in html
    assert "anonyme" in html


def test_a_vote_redirects_to_the_poll_with_a_message_then_says_already_answered(poll, resident):
    site = client_for(resident)
    choice = choice_named(poll, "Non")
    response = site.post(f"/sondages/{poll.pk}/voter/", {"choice": choice.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/sondages/{poll.pk}/"  # the choice is in no URL
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Merci, votre réponse est enregistrée, de façon anonyme."
    ]
    assert Participation.objects.filter(poll=poll, user=resident).count() == 1
    assert PendingBallot.objects.filter(poll=poll).count() == 1
    html = site.get(f"/sondages/{poll.pk}/").content.decode()
    assert "Vous avez déjà répondu à ce sondage" in html
    assert 'name="choice"' not in html
    # LIVE, one vote: nothing but the sentence, and how many answered
    assert "Résultats après 10 votes ou à la clôture" in html
    assert "1 habitant a répondu" in html


def test_a_second_vote_is_refused_with_the_ballot_box_s_message(poll, resident):
    site = client_for(resident)
    site.post(f"/sondages/{poll.pk}/voter/", {"choice": choice_named(poll, "Oui").pk})
    site.get(f"/sondages/{poll.pk}/")  # shows (and uses up) the thanks
    response = site.post(f"/sondages/{poll.pk}/voter/", {"choice": choice_named(poll, "Non").pk})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        str(ballots.REFUSALS["already_voted"])
    ]
    assert Participation.objects.filter(poll=poll).count() == 1
    assert PendingBallot.objects.filter(poll=poll).count() == 1


def test_no_answer_chosen_shows_the_form_again_with_a_french_error(poll, resident):
    response = client_for(resident).post(f"/sondages/{poll.pk}/voter/", {})
    assert response.status_code == 400
    assert "Choisissez une des réponses." in response.content.decode()
    assert not Participation.objects.exists()


def test_another_poll_s_choice_is_refused(commune, staff, poll, resident):
    other = open_poll(commune, staff, question="Autre", choices=("A", "B"))
    response = client_for(resident).post(
        f"/sondages/{poll.pk}/voter/", {"choice": choice_named(other, "A").pk}
    )
    assert response.status_code == 400
    assert not Participation.objects.exists()


def test_a_closed_poll_takes_no_vote(poll, resident):
    with later(8):
        site = client_for(resident)
        html = site.get(f"/sondages/{poll.pk}/").content.decode()
        assert 'name="choice"' not in html
        assert "Clos le" in html
        response = site.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        str(ballots.REFUSALS["closed"])
    ]
    assert not Participation.objects.exists()


def test_the_choice_is_never_taken_from_a_url(poll, resident):
    site = client_for(resident)
    choice = poll.choices.first()
    assert site.get(f"/sondages/{poll.pk}/voter/?choice={choice.pk}").status_code == 405
    response = site.post(f"/sondages/{poll.pk}/voter/?choice={choice.pk}")
    assert response.status_code == 400  # the body has no choice
    assert not Participation.objects.exists()


def test_results_with_bars_after_the_first_tally(commune, poll, resident):
    cast(poll, [resident, *voters(commune, 5)], "Oui")
    cast(poll, voters(commune, 4, start=10), "Non")
    ballots.tally(poll.pk)
    html = client_for(resident).get(f"/sondages/{poll.pk}/").content.decode()
    assert "Oui — 6 votes (60 %)" in text_of(html)
    assert "Non — 4 votes (40 %)" in text_of(html)
    assert "Sans avis — 0 vote (0 %)" in text_of(html)
    assert "poll-bar__fill--60" in html and "poll-bar__fill--40" in html
    assert 'class="poll-bar" aria-hidden="true"' in html
    assert "10 habitants ont répondu" in html
    assert "style=" not in html.split("<main", 1)[1]


def test_at_closing_with_pending_ballots_the_page_says_counting(poll, resident, neighbour):
    cast(poll, [resident], "Oui")
    with later(8):
        html = client_for(neighbour).get(f"/sondages/{poll.pk}/").content.decode()
        assert "Dépouillement en cours" in html
        ballots.tally(poll.pk, closing=True)
        html = client_for(neighbour).get(f"/sondages/{poll.pk}/").content.decode()
    assert "Oui — 1 vote (100 %)" in text_of(html)


# --- from the wrong side -------------------------------------------------------------


def test_a_visitor_sees_the_question_and_how_to_take_part_but_cannot_vote(poll):
    site = Client(HTTP_HOST=HOST)
    response = site.get(f"/sondages/{poll.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert poll.question in html
    assert "Comment participer" in html
    assert f"{reverse('accounts:login')}?next=/sondages/{poll.pk}/" in html
    assert 'name="choice"' not in html
    assert "poll-results" not in html
    vote = site.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert vote.status_code == 302
    # to the login page, then back to the poll (not to the POST-only address)
    assert vote["Location"] == f"{reverse('accounts:login')}?next=/sondages/{poll.pk}/"
    assert not Participation.objects.exists()


def test_a_pending_resident_sees_how_to_take_part_and_gets_403_on_vote(commune, poll):
    waiting = UserFactory()
    pending(waiting, commune)
    site = client_for(waiting)
    html = site.get(f"/sondages/{poll.pk}/").content.decode()
    assert "Comment participer" in html
    assert "Votre demande est en attente de validation par la mairie." in html
    assert 'name="choice"' not in html
    response = site.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_staff_see_the_poll_but_do_not_vote_unless_residents(poll, staff):
    site = client_for(staff)
    html = site.get(f"/sondages/{poll.pk}/").content.decode()
    assert 'name="choice"' not in html
    response = site.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        str(ballots.REFUSALS["not_allowed"])
    ]
    assert not Participation.objects.exists()


def test_another_commune_s_poll_is_404(other_commune, poll, resident):
    elsewhere = validated(UserFactory(), other_commune)
    cocody = client_for(elsewhere, host="cocody.localhost")
    assert cocody.get(f"/sondages/{poll.pk}/").status_code == 404
    response = cocody.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert response.status_code == 404
    assert client_for(resident).get("/sondages/999999/").status_code == 404
    assert not Participation.objects.exists()


def test_an_upcoming_poll_is_404_for_residents(commune, staff, resident):
    upcoming = open_poll(commune, staff, opens_at=timezone.now() + timedelta(days=1))
    assert client_for(resident).get(f"/sondages/{upcoming.pk}/").status_code == 404
    assert Client(HTTP_HOST=HOST).get(f"/sondages/{upcoming.pk}/").status_code == 404
    assert client_for(staff).get(f"/sondages/{upcoming.pk}/").status_code == 200


def test_a_poll_hidden_by_moderation_is_gone_for_residents(poll, resident, staff):
    Poll.objects.filter(pk=poll.pk).update(hidden_at=timezone.now())
    site = client_for(resident)
    assert site.get(f"/sondages/{poll.pk}/").status_code == 404
    assert poll.question not in site.get("/sondages/").content.decode()
    vote = site.post(f"/sondages/{poll.pk}/voter/", {"choice": poll.choices.first().pk})
    assert vote.status_code == 404
    assert Client(HTTP_HOST=HOST).get(f"/sondages/{poll.pk}/").status_code == 404
    html = client_for(staff).get(f"/sondages/{poll.pk}/").content.decode()
    assert "Masqué par la modération" in html


def test_the_report_link_is_under_the_poll(poll, resident):
    html = client_for(resident).get(f"/sondages/{poll.pk}/").content.decode()
    assert reverse("moderation:report", args=["polls.poll", poll.pk]) in html


def test_a_vote_writes_no_log_line_naming_the_choice(commune, staff, resident):
    """The choice travels in the POST body only: no log record of the whole request
    (Django's, the app's, the ballot box's) carries it."""
    import logging

    poll = open_poll(commune, staff, choices=("Tramway nommé Désir", "Bus"))
    choice = choice_named(poll, "Tramway nommé Désir")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    root = logging.getLogger()
    handler, level = Keep(level=logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        site = client_for(resident)
        site.post(f"/sondages/{poll.pk}/voter/", {"choice": choice.pk})
        site.post(f"/sondages/{poll.pk}/voter/", {"choice": choice.pk})  # refused: logged?
        site.post(f"/sondages/{poll.pk}/voter/", {})  # a 400
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert Participation.objects.filter(poll=poll, user=resident).exists()
    for record in records:
        text = record.getMessage()
        assert "Tramway" not in text
        assert f"choice={choice.pk}" not in text and f"'choice': '{choice.pk}'" not in text
