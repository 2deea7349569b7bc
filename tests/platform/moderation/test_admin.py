"""The moderators' queue in the Wagtail admin (CNT-5): every screen from the right and the
wrong side, the decision form, bulk decisions, suspensions, the menu count and the
queue's constant number of queries."""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Comment
from gazette.models import Post
from moderation import services
from moderation.models import PERSON_KIND, Case, Reason, Report, Suspension
from tests.factories import UserFactory
from tests.platform.moderation.world import admin_client, world  # noqa: F401

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/"
SUSPENSIONS = "/admin/moderation/suspensions/"
COMMENT = "conversations.comment"
POST = "gazette.post"


def case_url(case) -> str:
    return f"{QUEUE}case/{case.pk}/"


def comment_case(world, reporter=None, reason=Reason.HARASSMENT, text="Insulte gratuite"):
    return services.report(
        reporter=reporter or world.residents[0],
        kind=COMMENT,
        object_id=world.comment.pk,
        reason=reason,
        text=text,
    ).case


def post_case(world, reporter=None):
    return services.report(
        reporter=reporter or world.members[0], kind=POST, object_id=world.post.pk, reason="spam"
    ).case


def person_case(world):
    return services.report(
        reporter=world.members[1],
        kind=PERSON_KIND,
        object_id=world.poster.pk,
        reason=Reason.IMPERSONATION,
        impersonated_name="Le maire",
    ).case


# --- the queue ----------------------------------------------------------------------------


def test_platform_staff_see_every_case_with_its_details(world):
    comment_case(world)
    comment_case(world, world.residents[1], reason=Reason.SPAM)
    post_case(world)
    response = admin_client(world.moderator).get(QUEUE)
    assert response.status_code == 200
    text = response.content.decode()
    assert "incapables" in text and "Vends montres" in text
    assert "Intra-muros" in text and "Saint-Malo" in text
    assert "Insulte ou harcèlement" in text and "Spam ou publicité" in text
    assert 'name="cases"' in text
    assert "<script>" not in text and 'style="' not in text.split("<main")[-1]


def test_the_town_hall_sees_its_own_spaces_only(world):
    comment_case(world)
    post_case(world)
    text = admin_client(world.council).get(QUEUE).content.decode()
    assert "incapables" in text
    assert "Vends montres" not in text  # the gazette is community content: platform only
    other = admin_client(world.cocody_council).get(QUEUE)
    assert other.status_code == 200
    assert "incapables" not in other.content.decode()


def test_residents_have_no_queue(world):
    comment_case(world)
    client = Client()
    client.force_login(world.residents[1])
    response = client.get(QUEUE)
    assert response.status_code == 302  # the admin's login: no admin access
    assert "/login/" in response["Location"] or "connexion" in response["Location"]


def test_staff_without_admin_access_are_sent_to_log_in(world):
    # The technical service handles problem reports, not moderation: no admin at all.
    from communes.models import StaffRole
    from tests.follows import grant

    clerk = UserFactory(first_name="Tech", last_name="Nicien")
    grant(world.commune, clerk, StaffRole.Role.TECHNICAL)
    response = admin_client(clerk).get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/moderation/"


def test_filters(world):
    comment = comment_case(world)
    post = post_case(world)
    person = person_case(world)
    Case.objects.filter(pk=post.pk).update(opened_at=timezone.now() - timedelta(days=3))
    client = admin_client(world.moderator)

    def shown(query: str) -> set[int]:
        response = client.get(QUEUE + query)
        assert response.status_code == 200
        return {int(pk) for pk in _case_rows(response.content.decode())}

    assert shown("") == {comment.pk, post.pk, person.pk}
    assert shown(f"?kind={POST}") == {post.pk}
    assert shown("?kind=person") == {person.pk}
    assert shown("?reason=impersonation") == {person.pk}
    assert shown("?reason=harassment") == {comment.pk}
    assert shown("?age=48h") == {post.pk}
    assert shown("?age=7d") == set()
    assert shown(f"?commune={world.commune.pk}") == {comment.pk, post.pk}
    assert shown(f"?commune={world.other_commune.pk}") == set()
    # Unknown values are ignored, never a 500.
    assert shown("?kind=nope&reason=x&age=1y&status=zz&commune=99999999999999999999") == {
        comment.pk,
        post.pk,
        person.pk,
    }
    services.decide(by=world.moderator, case=comment, action="keep")
    assert shown("") == {post.pk, person.pk}
    assert shown("?status=decided") == {comment.pk}
    assert shown("?status=all") == {comment.pk, post.pk, person.pk}
    assert shown("?status=appealed") == set()


def _case_rows(text: str) -> list[str]:
    return re.findall(r'<tr data-case="(\d+)"', text)


def test_badges_hidden_pending_and_appeal(world):
    for reporter in world.residents[:3]:
        comment_case(world, reporter)
    text = admin_client(world.moderator).get(QUEUE).content.decode()
    assert "masqué en attente" in text.lower() or "hidden pending review" in text
    case = post_case(world)
    services.decide(by=world.moderator, case=case, action="hide", note="Publicité.")
    services.appeal(author=world.poster, case=case, text="Ce n'est pas de la pub.")
    response = admin_client(world.moderator).get(QUEUE + "?status=appealed")
    assert _case_rows(response.content.decode()) == [str(case.pk)]


def test_the_queue_reads_in_constant_queries(world):
    comment_case(world)
    client = admin_client(world.moderator)
    client.get(QUEUE)  # warm the caches (content types, the menu's permissions)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE)
        assert response.status_code == 200
        return len(queries)

    _open_cases(world, 2)
    three = count()
    _open_cases(world, 10_000 - 3)
    assert Case.objects.waiting().count() == 10_000
    assert count() == three == QUEUE_QUERIES


# Measured: the session, the user, the 2FA device, the admin menu's entries (moderation's:
# one query for whether to show it and its count), the page's count and rows, then the
# page's communes and reports' reasons, the communes of the filter, and the admin's own
# (36 since polls and suggestions brought three menu entries; 39 since reports of problems
# brought their menu group, one query per scope and request; 40 since the partner
# communities' entry also opens to holders of contact_referents, the police (issue 20):
# none grows with the queue).
QUEUE_QUERIES = 40


def _open_cases(world, number: int) -> None:
    start = (Case.objects.order_by("-object_id").values_list("object_id", flat=True).first()) or 0
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            kind=COMMENT,
            object_id=10_000_000 + start + i,
            commune=world.commune,
            town_hall=True,
            excerpt=f"Commentaire {i}",
            report_count=1,
            opened_at=now,
            last_reported_at=now,
        )
        for i in range(number)
    )


# --- bulk ---------------------------------------------------------------------------------


def test_bulk_hide_with_a_note(world):
    comment = comment_case(world)
    post = post_case(world)
    client = admin_client(world.moderator)
    response = client.post(
        QUEUE, {"cases": [comment.pk, post.pk], "action": "hide", "note": "Hors charte."}
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is not None
    assert Post.objects.get(pk=world.post.pk).hidden_at is not None
    assert set(Case.objects.values_list("decision", flat=True)) == {"hide"}


def test_bulk_hide_needs_a_note_and_a_selection(world):
    comment = comment_case(world)
    client = admin_client(world.moderator)
    response = client.post(QUEUE, {"cases": [comment.pk], "action": "hide", "note": ""})
    assert response.status_code == 200
    assert "Écrivez une note" in response.content.decode() or "note" in response.content.decode()
    response = client.post(QUEUE, {"action": "keep"})
    assert response.status_code == 200
    assert Case.objects.get().status == Case.Status.NEW
    response = client.post(QUEUE, {"cases": [comment.pk], "action": "suspend"})
    assert response.status_code == 200
    assert Case.objects.get().status == Case.Status.NEW


def test_bulk_cannot_reach_out_of_scope_cases(world):
    post = post_case(world)
    response = admin_client(world.council).post(QUEUE, {"cases": [post.pk], "action": "keep"})
    assert response.status_code == 200
    assert Case.objects.get().status == Case.Status.NEW


def test_bulk_keep_skips_an_appeal_one_decided_first(world):
    case = post_case(world)
    services.decide(by=world.moderator, case=case, action="hide", note="Publicité.")
    services.appeal(author=world.poster, case=case, text="Non.")
    other = comment_case(world)
    response = admin_client(world.moderator).post(
        QUEUE, {"cases": [case.pk, other.pk], "action": "keep"}, follow=True
    )
    assert response.status_code == 200
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.status == Case.Status.APPEALED
    assert other.status == Case.Status.DECIDED


# --- one case -----------------------------------------------------------------------------


def test_the_case_page_shows_reports_and_reporters_to_platform_staff(world):
    case = comment_case(world)
    text = admin_client(world.moderator).get(case_url(case)).content.decode()
    assert "Insulte gratuite" in text
    assert world.residents[0].get_full_name() in text
    assert "http://saint-malo.localhost" in text  # the item on its commune's site
    assert 'value="suspend"' in text and 'value="exclude"' in text


def test_the_town_hall_reads_reports_without_reporters_and_decides_less(world):
    case = comment_case(world)
    response = admin_client(world.council).get(case_url(case))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Insulte gratuite" in text
    assert world.residents[0].get_full_name() not in text
    assert 'value="keep"' in text and 'value="hide"' in text and 'value="warn"' in text
    assert 'value="suspend"' not in text and 'value="exclude"' not in text


def test_a_person_case_shows_the_impersonated_name(world):
    case = person_case(world)
    text = admin_client(world.moderator).get(case_url(case)).content.decode()
    assert "Le maire" in text
    assert 'value="hide"' not in text


def test_deciding_from_the_case_page(world):
    case = comment_case(world)
    client = admin_client(world.council)
    response = client.post(case_url(case), {"action": "hide", "note": ""})
    assert response.status_code == 200
    assert Case.objects.get().status == Case.Status.NEW
    response = client.post(case_url(case), {"action": "suspend", "note": "Non."})
    assert response.status_code == 200
    assert not Suspension.objects.exists()
    response = client.post(case_url(case), {"action": "warn", "note": "Restez courtois."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.decision, case.decided_by, case.decision_note) == (
        "warn",
        world.council,
        "Restez courtois.",
    )
    # Decided: no form any more; a second post changes nothing.
    again = client.post(case_url(case), {"action": "keep"})
    assert again.status_code == 200
    case.refresh_from_db()
    assert case.decision == "warn"


def test_case_pages_out_of_scope_are_404(world):
    comment = comment_case(world)
    post = post_case(world)
    town_hall = admin_client(world.council)
    assert town_hall.get(case_url(post)).status_code == 404
    assert town_hall.post(case_url(post), {"action": "keep"}).status_code == 404
    cocody = admin_client(world.cocody_council)
    assert cocody.get(case_url(comment)).status_code == 404
    assert cocody.post(case_url(comment), {"action": "keep"}).status_code == 404
    moderator = admin_client(world.moderator)
    assert moderator.get(f"{QUEUE}case/999999999/").status_code == 404
    assert moderator.get(f"{QUEUE}case/99999999999999999999999/").status_code == 404
    # On Cocody's host, Saint-Malo's case is out of scope even for platform staff.
    assert moderator.get(case_url(comment), HTTP_HOST="cocody.localhost").status_code == 404
    assert Case.objects.filter(status=Case.Status.NEW).count() == 2


def test_an_appeal_goes_to_another_moderator(world):
    case = post_case(world)
    services.decide(by=world.moderator, case=case, action="hide", note="Publicité.")
    services.appeal(author=world.poster, case=case, text="Ce n'est pas de la pub.")
    first = admin_client(world.moderator)
    page = first.get(case_url(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ce n&#x27;est pas de la pub." in text or "Ce n'est pas de la pub." in text
    assert 'name="action"' not in text
    assert first.post(case_url(case), {"action": "keep"}).status_code == 200
    case.refresh_from_db()
    assert case.status == Case.Status.APPEALED
    second = admin_client(world.second_moderator)
    assert second.post(case_url(case), {"action": "keep"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.CLOSED, "keep")


# --- suspensions --------------------------------------------------------------------------


def test_platform_staff_lift_a_suspension(world):
    case = person_case(world)
    services.decide(by=world.moderator, case=case, action="suspend", note="Usurpation.")
    suspension = Suspension.objects.get()
    client = admin_client(world.moderator)
    page = client.get(SUSPENSIONS)
    assert page.status_code == 200
    assert world.poster.get_full_name() in page.content.decode()
    assert client.get(f"{SUSPENSIONS}{suspension.pk}/lift/").status_code == 302
    assert Suspension.objects.get().lifted_at is None  # a GET changes nothing
    response = client.post(f"{SUSPENSIONS}{suspension.pk}/lift/")
    assert response.status_code == 302
    suspension.refresh_from_db()
    world.poster.refresh_from_db()
    assert suspension.lifted_by == world.moderator and world.poster.suspended_at is None
    assert client.post(f"{SUSPENSIONS}{suspension.pk}/lift/").status_code == 404


def test_only_platform_staff_see_suspensions(world):
    case = person_case(world)
    services.decide(by=world.moderator, case=case, action="suspend", note="Usurpation.")
    suspension = Suspension.objects.get()
    council = admin_client(world.council)
    # Wagtail answers a refusal inside the admin with a redirect to its home and a message.
    for response in (
        council.get(SUSPENSIONS),
        council.post(f"{SUSPENSIONS}{suspension.pk}/lift/"),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert Suspension.objects.get().lifted_at is None


# --- the menu -----------------------------------------------------------------------------


def to_do(html: str) -> int | None:
    """The dashboard's to-do count of the queue (the menu's counted entry), or None."""
    match = re.search(
        rf'data-to-do="{QUEUE}">.*?<strong data-to-do-count>(\d+)</strong>', html, re.S
    )
    return int(match.group(1)) if match else None


def test_the_menu_counts_the_waiting_cases_in_scope(world):
    comment_case(world)
    post_case(world)

    def home(user):
        response = admin_client(user).get("/admin/")
        assert response.status_code == 200
        return response.content.decode()

    assert to_do(home(world.moderator)) == 2
    assert to_do(home(world.council)) == 1
    assert to_do(home(world.cocody_council)) == 0
    # Shown to moderators only: a member of staff who only validates residents has none.
    from communes.models import StaffRole
    from tests.follows import grant

    validator = UserFactory(first_name="Val", last_name="Idatrice")
    grant(world.commune, validator, StaffRole.Role.MAYOR)
    assert to_do(home(validator)) == 1


def test_the_menu_counts_once_per_page(world):
    comment_case(world)
    client = admin_client(world.council)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/")
    # One query says both whether to show the entry and its count (menu and to-do panel).
    counts = [q["sql"] for q in queries if '"moderation_case"' in q["sql"]]
    assert len(counts) == 1


def test_reports_rows_are_kept_for_the_record(world):
    case = comment_case(world)
    services.decide(by=world.moderator, case=case, action="keep")
    assert Report.objects.filter(case=case).count() == 1
