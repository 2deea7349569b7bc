"""The support desk in the Wagtail admin: platform staff list, filter, read the context and
the thread, answer and change the status; town-hall staff and residents get a 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import SupportRequest
from moderation.support import services
from notifications.models import Event
from tests.platform.moderation.support_world import (
    admin_client,
    support_world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

Status = SupportRequest.Status


def ask(world, **fields):
    values = {
        "user": world.waiting,
        "topic": "membership_unanswered",
        "subject": "Pas de réponse",
        "body": "J’attends depuis trois semaines.",
    }
    values.update(fields)
    return services.request_create(**values)


def test_the_menu_counts_new_requests_for_the_platform_staff_only(support_world):
    ask(support_world)
    ask(support_world, user=None, name="Jean", email="jean@example.org", topic="other")
    html = admin_client(support_world.desk).get("/admin/").content.decode()
    assert "Support (2)" in html
    clerk = admin_client(support_world.clerk).get("/admin/").content.decode()
    assert "Support" not in clerk.replace("support@", "")


def test_the_list_filters_and_searches(support_world):
    first = ask(support_world)
    visitor = ask(
        support_world,
        user=None,
        name="Jean Visiteur",
        email="jean@example.org",
        topic="missing_commune",
        subject="Ma commune manque",
    )
    services.set_status(by=support_world.desk, request=first, status=Status.CLOSED)
    client = admin_client(support_world.desk)
    page = client.get("/admin/support/")
    assert page.status_code == 200
    html = page.content.decode()
    # By default: everything not closed.
    assert "Ma commune manque" in html and "Pas de réponse" not in html
    assert "sans compte" in html
    every = client.get("/admin/support/?status=all").content.decode()
    assert "Ma commune manque" in every and "Pas de réponse" in every
    closed = client.get("/admin/support/?status=closed").content.decode()
    assert "Pas de réponse" in closed and "Ma commune manque" not in closed
    by_topic = client.get("/admin/support/?status=all&topic=membership_unanswered").content
    assert "Pas de réponse" in by_topic.decode() and "Ma commune manque" not in by_topic.decode()
    search = client.get("/admin/support/?status=all&q=jean@example").content.decode()
    assert "Ma commune manque" in search and "Pas de réponse" not in search
    by_number = client.get(f"/admin/support/?status=all&q={visitor.pk}").content.decode()
    assert "Ma commune manque" in by_number
    odd = client.get("/admin/support/?status=zzz&topic=zzz&q=" + "x" * 500)
    assert odd.status_code == 200


def test_the_detail_shows_the_context_and_the_answer_reaches_the_person(support_world):
    created = ask(support_world)
    client = admin_client(support_world.desk)
    url = f"/admin/support/{created.pk}/"
    html = client.get(url).content.decode()
    assert "Ce que la plateforme savait à l’envoi" in html
    assert "Demande d’adhésion en attente" in html and "en attente depuis 20 jours" in html
    assert "J’attends depuis trois semaines." in html
    blank = client.post(url, {"answer-body": "  "})
    assert blank.status_code == 400
    assert "Écrivez votre message." in blank.content.decode()
    sent = client.post(url, {"answer-body": "Nous contactons le référent."})
    assert sent.status_code == 302 and sent["Location"] == url
    created.refresh_from_db()
    assert created.status == Status.ANSWERED and created.assigned_to == support_world.desk
    assert Event.objects.filter(kind="support.answer").count() == 1
    moved = client.post(url, {"status-status": "closed"})
    assert moved.status_code == 302
    created.refresh_from_db()
    assert created.status == Status.CLOSED
    bad = client.post(url, {"status-status": "lost"})
    assert bad.status_code == 400
    assert "Choisissez un statut dans la liste." in bad.content.decode()


def test_a_visitors_answer_leaves_by_e_mail(
    support_world, mailoutbox, django_capture_on_commit_callbacks
):
    created = ask(support_world, user=None, name="Jean", email="jean@example.org", topic="other")
    client = admin_client(support_world.desk)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/admin/support/{created.pk}/", {"answer-body": "Voici."})
    assert sent.status_code == 302
    assert [mail.to for mail in mailoutbox] == [["jean@example.org"]]
    assert "Voici." in mailoutbox[0].body


def test_anyone_but_the_platform_staff_gets_a_404(support_world):
    created = ask(support_world)
    # A resident has no admin at all: Wagtail sends them to its login page.
    resident = admin_client(support_world.waiting).get(f"/admin/support/{created.pk}/")
    assert resident.status_code == 302 and resident["Location"].startswith("/admin/login/")
    clerk = admin_client(support_world.clerk)
    assert clerk.get("/admin/support/").status_code == 404
    assert clerk.get(f"/admin/support/{created.pk}/").status_code == 404
    assert clerk.post(f"/admin/support/{created.pk}/", {"answer-body": "x"}).status_code == 404
    desk = admin_client(support_world.desk)
    assert desk.get(f"/admin/support/{created.pk + 1000}/").status_code == 404
    created.refresh_from_db()
    assert created.messages.count() == 1 and created.status == Status.NEW


def test_the_list_stays_o1_in_queries(support_world, settings):
    settings.SUPPORT_REQUESTS_PER_HOUR = 100
    client = admin_client(support_world.desk)

    def make(count):
        for i in range(count):
            made = ask(support_world, subject=f"Sujet {i}")
            services.set_status(by=support_world.desk, request=made, status=Status.IN_PROGRESS)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/support/").status_code == 200
        return len(captured)

    make(3)
    queries()
    three = queries()
    make(27)
    assert queries() == three
