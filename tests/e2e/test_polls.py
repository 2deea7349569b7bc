"""POL-1 in a real browser: the town hall publishes a poll in the Wagtail admin (two
factors); a resident finds it pinned on the commune's home page, answers, is thanked and
sees the results' state; a poll with enough counted votes shows its bars; once both are
answered nothing is pinned any more. Pages must not overflow at 390 px nor at 1280 px."""

import datetime
import re

import pytest
from django.utils import timezone

from communes.models import StaffRole
from modules.polls.ballots import tally, vote
from modules.polls.models import Poll
from modules.polls.services import poll_create
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
QUESTION = "Faut-il piétonniser la rue Jeanne-Jugan ?"
COUNTED = "Quel nom pour la nouvelle médiathèque ?"


def fits(page) -> bool:
    """No horizontal scrolling: the page is not wider than the window."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def local(moment: datetime.datetime, commune) -> str:
    return timezone.localtime(moment, commune.tzinfo).strftime("%Y-%m-%d %H:%M")


def test_staff_publish_a_poll_and_a_resident_answers_it(browser, page, site_url, commune):
    resident = validated(
        UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand"), commune
    )
    clerk = UserFactory(email="claire@example.org", first_name="Claire", last_name="Lemoine")
    grant(commune, clerk, StaffRole.Role.COUNCIL)
    now = timezone.now()
    # A poll ten neighbours already answered, counted: its results show bars.
    counted = poll_create(
        commune=commune,
        by=clerk,
        question=COUNTED,
        choices=["Jules Verne", "Robert Surcouf"],
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=6),
    )
    verne, surcouf = counted.choices.order_by("position")
    for index in range(10):
        neighbour = validated(UserFactory(), commune)
        vote(poll=counted, user=neighbour, choice_id=(verne if index < 7 else surcouf).pk)
    tally(counted.pk)
    assert sum(counted.choices.values_list("votes", flat=True)) == 10

    # The town hall publishes in the admin, at 1280 px.
    admin = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    admin.set_default_timeout(10_000)
    browser_log_in(
        admin, site_url, HOST, clerk.email, PASSWORD, user=clerk, then="/admin/polls/new/"
    )
    admin.locator("#id_opens_at").fill(local(now - datetime.timedelta(minutes=5), commune))
    admin.locator("#id_closes_at").fill(local(now + datetime.timedelta(days=7), commune))
    admin.locator("#id_question").fill(QUESTION)
    admin.locator("#id_choices-0-label").fill("Oui")
    admin.locator("#id_choices-1-label").fill("Non")
    assert fits(admin)
    # The date picker may still cover the footer: the button is pressed, not clicked at
    # a position.
    admin.get_by_role("button", name=re.compile(r"^(Créer|Enregistrer)$")).dispatch_event("click")
    admin.wait_for_url(re.compile(r"/admin/polls/$"))
    poll = Poll.objects.get(question=QUESTION)
    assert list(poll.choices.values_list("label", flat=True)) == ["Oui", "Non"]
    assert "Ouvert" in admin.content()
    assert fits(admin)
    admin.set_viewport_size({"width": 390, "height": 844})
    assert fits(admin)
    admin.goto(site_url(HOST, f"/admin/polls/{counted.pk}/results/"))
    assert "10 habitants ont répondu" in admin.content()
    assert fits(admin)
    admin.context.close()

    # The resident, at 390 px: both polls pinned on the home page.
    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.goto(site_url(HOST, "/"))
    pin = page.locator(".poll-pin")
    assert QUESTION in pin.inner_text() and COUNTED in pin.inner_text()
    assert fits(page)
    page.get_by_role(
        "link", name=re.compile(rf"Répondre au sondage.*{re.escape(QUESTION)}")
    ).click()
    page.wait_for_url(re.compile(rf"/sondages/{poll.pk}/$"))
    page.get_by_label("Oui").check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.wait_for_url(re.compile(rf"/sondages/{poll.pk}/$"))
    text = page.locator("main").inner_text()
    assert "Merci, votre réponse est enregistrée, de façon anonyme." in page.content()
    assert "Résultats après 10 votes ou à la clôture" in text
    assert fits(page)

    # Its pin is gone; the counted poll is still there.
    page.goto(site_url(HOST, "/"))
    assert QUESTION not in page.locator(".poll-pin").inner_text()
    page.get_by_role("link", name=re.compile(rf"Répondre au sondage.*{re.escape(COUNTED)}")).click()
    page.get_by_label("Jules Verne").check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.wait_for_url(re.compile(rf"/sondages/{counted.pk}/$"))
    results = page.locator(".poll-results").inner_text()
    assert "11 habitants ont répondu" in results
    assert re.search(r"Jules Verne\s*—\s*7 votes \(70\s%\)", results), results
    assert re.search(r"Robert Surcouf\s*—\s*3 votes \(30\s%\)", results), results
    assert page.locator(".poll-bar").count() == 2
    assert fits(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert fits(page)

    # Nothing left to answer: no pin.
    page.goto(site_url(HOST, "/"))
    assert page.locator(".poll-pin").count() == 0
