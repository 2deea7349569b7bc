"""Moderation's REST API (CNT-5): reports, decisions about you, the moderators' queue.

Every endpoint from the right and the wrong side: a resident, the author, the commune's
town hall, another commune's town hall, the platform's moderators. Exact status codes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.staff import platform_staff_group
from communes.models import NewsPage, StaffRole
from conversations.models import Comment
from conversations.services import comment_create
from gazette.models import Post
from gazette.services import post_create as gazette_post
from messaging.services import thread_start
from moderation.models import PERSON_KIND, Case, Report, Suspension
from tests.api.conftest import token_client
from tests.communities import SAINT_MALO, join, make_community, offset, person_at
from tests.factories import UserFactory
from tests.follows import grant, validated

REPORTS = "/api/v1/reports/"
DECISIONS = "/api/v1/moderation/decisions/"
PENDING = "/api/v1/moderation/pending/"
CASES = "/api/v1/moderation/cases/"
BULK = "/api/v1/moderation/cases/bulk/"
SUSPENSIONS = "/api/v1/moderation/suspensions/"
COMMENT = "conversations.comment"
GAZETTE = "gazette.post"


class World:
    pass


@pytest.fixture
def world(commune, other_commune):
    w = World()
    w.commune = commune
    w.author = person_at(commune, offset(SAINT_MALO, 20, 10), first_name="Auteur")
    w.reporters = [
        validated(UserFactory(first_name="Rapporteuse", last_name=f"Discrète{i}"), commune)
        for i in range(3)
    ]
    w.news = NewsPage(title="Travaux", slug="travaux", body="<p>Rue fermée.</p>")
    commune.site.root_page.add_child(instance=w.news)
    w.comment = comment_create(
        target=w.news, commune=commune, author=w.author, body="Un commentaire douteux."
    )
    community = make_community(commune)
    join(community, w.author)
    w.member = join(community, person_at(commune, offset(SAINT_MALO, -20, 10)))
    w.post = gazette_post(
        community=community,
        author=w.author,
        category="information",
        title="Annonce",
        body="Texte douteux.",
    )
    w.mayor = UserFactory(first_name="Maire", last_name="Local")
    grant(commune, w.mayor, StaffRole.Role.MAYOR)
    w.other_mayor = UserFactory(first_name="Maire", last_name="Ailleurs")
    grant(other_commune, w.other_mayor, StaffRole.Role.MAYOR)
    w.moderator = UserFactory(first_name="Modé", last_name="Ratrice")
    w.moderator.groups.add(platform_staff_group())
    w.second_moderator = UserFactory(first_name="Second", last_name="Modérateur")
    w.second_moderator.groups.add(platform_staff_group())
    w.stranger = UserFactory()
    return w


def report(user, kind, pk, reason="spam", **extra):
    return token_client(user).post(
        REPORTS, {"kind": kind, "id": pk, "reason": reason, **extra}, format="json"
    )


def comment_case(world) -> Case:
    assert report(world.reporters[0], COMMENT, world.comment.pk).status_code == 201
    return Case.objects.get(kind=COMMENT, object_id=world.comment.pk)


def gazette_case(world) -> Case:
    assert report(world.member, GAZETTE, world.post.pk, "harassment").status_code == 201
    return Case.objects.get(kind=GAZETTE, object_id=world.post.pk)


# --- reporting -----------------------------------------------------------------------


def test_a_resident_reports_a_comment_and_reads_the_report(world):
    response = report(world.reporters[0], COMMENT, world.comment.pk, "other", text="Hors sujet.")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == COMMENT
    assert body["item_id"] == world.comment.pk
    assert body["reason"] == "other"
    assert body["text"] == "Hors sujet."
    assert body["status"] == "waiting"
    assert body["outcome"] is None
    assert "Un commentaire douteux." in body["excerpt"]
    client = token_client(world.reporters[0])
    listed = client.get(REPORTS)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    assert client.get(f"{REPORTS}{body['id']}/").json() == body
    # Someone else's report is not there, as a missing one.
    assert token_client(world.reporters[1]).get(f"{REPORTS}{body['id']}/").status_code == 404
    assert token_client(world.reporters[1]).get(REPORTS).json()["results"] == []
    assert token_client(world.reporters[0]).get(f"{REPORTS}999999/").status_code == 404


def test_reports_answer_field_errors(world):
    reporter = world.reporters[0]
    own = report(world.author, COMMENT, world.comment.pk)
    assert own.status_code == 400
    assert list(own.json()) == ["id"]
    assert report(reporter, COMMENT, world.comment.pk).status_code == 201
    again = report(reporter, COMMENT, world.comment.pk)
    assert again.status_code == 400
    assert list(again.json()) == ["id"]
    wrong_reason = report(world.reporters[1], COMMENT, world.comment.pk, "impersonation")
    assert wrong_reason.status_code == 400
    assert list(wrong_reason.json()) == ["reason"]
    no_text = report(world.reporters[1], COMMENT, world.comment.pk, "other")
    assert no_text.status_code == 400
    assert list(no_text.json()) == ["text"]
    unknown_kind = report(reporter, "nothing.here", 1)
    assert unknown_kind.status_code == 400
    assert list(unknown_kind.json()) == ["kind"]
    as_text = report(reporter, COMMENT, str(world.comment.pk))
    assert as_text.status_code == 400
    assert list(as_text.json()) == ["id"]
    surrogate = token_client(world.reporters[2]).post(
        REPORTS,
        f'{{"kind": "{COMMENT}", "id": {world.comment.pk}, "reason": "other", "text": "a\\ud800"}}',
        content_type="application/json",
    )
    assert surrogate.status_code == 400
    assert list(surrogate.json()) == ["text"]
    assert Report.objects.count() == 1


def test_what_the_reporter_cannot_see_is_missing(world):
    # A missing comment, and a community's gazette post for someone outside it: 404 alike.
    assert report(world.reporters[0], COMMENT, 999999).status_code == 404
    assert report(world.reporters[0], GAZETTE, world.post.pk).status_code == 404
    assert report(world.member, GAZETTE, world.post.pk).status_code == 201
    # A person you never meet on the platform; yourself is a field error.
    assert report(world.stranger, PERSON_KIND, world.author.pk, "behaviour").status_code == 404
    yourself = report(world.member, PERSON_KIND, world.member.pk, "behaviour")
    assert yourself.status_code == 400
    assert list(yourself.json()) == ["id"]


def test_a_private_message_is_reported_by_its_recipient_to_the_platform_only(world):
    thread = thread_start(author=world.author, recipients=[world.member], body="Message privé.")
    message = thread.messages.get()
    assert report(world.reporters[0], "messaging.message", message.pk).status_code == 404
    assert report(world.member, "messaging.message", message.pk).status_code == 201
    case = Case.objects.get(kind="messaging.message", object_id=message.pk)
    assert case.town_hall is False
    assert token_client(world.mayor).get(CASES).json()["results"] == []
    assert token_client(world.mayor).get(f"{CASES}{case.pk}/").status_code == 404
    assert decide(world.mayor, case, "hide").status_code == 404
    seen = token_client(world.moderator).get(f"{CASES}{case.pk}/")
    assert seen.status_code == 200
    assert seen.json()["excerpt"] == "Message privé."


def test_an_anonymous_caller_is_refused(world, api_client):
    assert api_client.get(REPORTS).status_code == 401
    assert api_client.post(REPORTS, {}, format="json").status_code == 401
    assert api_client.get(CASES).status_code == 401


def test_a_person_is_reported_for_impersonation_with_the_name(world):
    missing = report(world.member, PERSON_KIND, world.author.pk, "impersonation")
    assert missing.status_code == 400
    assert list(missing.json()) == ["impersonated_name"]
    spam = report(world.member, PERSON_KIND, world.author.pk, "spam")
    assert spam.status_code == 400
    assert list(spam.json()) == ["reason"]
    done = report(
        world.member, PERSON_KIND, world.author.pk, "impersonation", impersonated_name="Jean Vrai"
    )
    assert done.status_code == 201
    assert done.json()["impersonated_name"] == "Jean Vrai"
    assert done.json()["kind_label"] == "personne"


def test_too_many_reports_answer_429_with_retry_after(world, settings):
    settings.MODERATION_REPORTS_PER_HOUR = 1
    assert report(world.member, COMMENT, world.comment.pk).status_code == 201
    response = report(world.member, GAZETTE, world.post.pk)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3601
    assert response.json()["detail"]
    assert Report.objects.filter(reporter=world.member).count() == 1


def test_three_reports_hide_the_comment_pending_review(world):
    for reporter in world.reporters:
        assert report(reporter, COMMENT, world.comment.pk).status_code == 201
    world.comment.refresh_from_db()
    assert world.comment.hidden_at is not None
    case = Case.objects.get(kind=COMMENT, object_id=world.comment.pk)
    # The author reads it, without who reported; nobody else does.
    pending = token_client(world.author).get(PENDING)
    assert pending.status_code == 200
    rows = pending.json()["results"]
    assert [(r["id"], r["kind"], r["item_id"]) for r in rows] == [
        (case.pk, COMMENT, world.comment.pk)
    ]
    assert rows[0]["hidden_at"] is not None
    assert "Rapporteuse" not in pending.content.decode()
    for other in (world.reporters[0], world.mayor, world.moderator):
        assert token_client(other).get(PENDING).json()["results"] == []
    # Kept by the town hall: it shows again and is no longer pending.
    assert decide(world.mayor, case, "keep", note="").status_code == 200
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is None
    assert token_client(world.author).get(PENDING).json()["results"] == []


# --- the queue: who sees what ----------------------------------------------------------


def test_the_queue_from_every_side(world):
    town = comment_case(world)
    community = gazette_case(world)
    ids = lambda user: [row["id"] for row in token_client(user).get(CASES).json()["results"]]  # noqa: E731
    assert sorted(ids(world.moderator)) == sorted([town.pk, community.pk])
    # The town hall moderates its own spaces, never a community's content.
    assert ids(world.mayor) == [town.pk]
    assert ids(world.other_mayor) == []
    for nobody in (world.author, world.reporters[0], world.member):
        assert token_client(nobody).get(CASES).status_code == 404


def test_the_queue_filters(world):
    town = comment_case(world)
    community = gazette_case(world)
    client = token_client(world.moderator)

    def ids(**params):
        response = client.get(CASES, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(kind=COMMENT) == [town.pk]
    assert ids(kind=GAZETTE) == [community.pk]
    assert ids(reason="harassment") == [community.pk]
    assert sorted(ids(commune="saint-malo")) == sorted([town.pk, community.pk])
    assert ids(commune="cocody") == []
    assert ids(status="decided") == []
    Case.objects.filter(pk=town.pk).update(opened_at=timezone.now() - timedelta(hours=50))
    assert ids(older_than=48) == [town.pk]
    row = client.get(CASES, {"kind": COMMENT}).json()["results"][0]
    assert row["reasons"] == ["spam"]
    assert row["commune"] == "saint-malo"
    assert row["town_hall"] is True
    assert row["author"]["display_name"]
    for bad in ({"status": "x"}, {"kind": "x"}, {"reason": "x"}, {"older_than": "0"}):
        response = client.get(CASES, bad)
        assert response.status_code == 400
        assert list(response.json()) == list(bad)


def test_a_case_shows_reporters_to_the_platform_only(world):
    town = comment_case(world)
    community = gazette_case(world)
    url = f"{CASES}{town.pk}/"
    mine = token_client(world.moderator).get(url)
    assert mine.status_code == 200
    assert mine.json()["reports"][0]["reporter"]["display_name"]
    assert "Discrète0" in mine.content.decode()
    theirs = token_client(world.mayor).get(url)
    assert theirs.status_code == 200
    assert theirs.json()["reports"][0]["reporter"] is None
    assert theirs.json()["reports"][0]["reason"] == "spam"
    assert "Rapporteuse" not in theirs.content.decode()
    assert token_client(world.mayor).get(f"{CASES}{community.pk}/").status_code == 404
    assert token_client(world.other_mayor).get(url).status_code == 404
    assert token_client(world.author).get(url).status_code == 404
    assert token_client(world.moderator).get(f"{CASES}999999/").status_code == 404


# --- decisions -------------------------------------------------------------------------


def decide(user, case, action, note="Propos hors charte."):
    return token_client(user).post(
        f"{CASES}{case.pk}/decision/", {"action": action, "note": note}, format="json"
    )


def test_the_town_hall_hides_a_comment_and_the_reporter_sees_the_outcome(world):
    case = comment_case(world)
    response = decide(world.mayor, case, "hide")
    assert response.status_code == 200
    assert response.json()["status"] == "decided"
    assert response.json()["decision"] == "hide"
    assert response.json()["decided_by_me"] is True
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is not None
    mine = token_client(world.reporters[0]).get(REPORTS).json()["results"][0]
    assert (mine["status"], mine["outcome"]) == ("decided", "hidden")
    again = decide(world.moderator, case, "keep")
    assert again.status_code == 400
    assert list(again.json()) == ["non_field_errors"]


def test_what_a_town_hall_may_not_decide(world):
    town = comment_case(world)
    community = gazette_case(world)
    assert decide(world.mayor, town, "suspend").status_code == 403
    assert decide(world.mayor, town, "exclude").status_code == 403
    assert decide(world.mayor, community, "hide").status_code == 404
    assert decide(world.other_mayor, town, "hide").status_code == 404
    assert decide(world.author, town, "keep").status_code == 404
    assert decide(world.reporters[0], town, "keep").status_code == 404
    no_note = decide(world.mayor, town, "hide", note="")
    assert no_note.status_code == 400
    assert list(no_note.json()) == ["note"]
    bad = decide(world.mayor, town, "burn")
    assert bad.status_code == 400
    assert list(bad.json()) == ["action"]
    assert Case.objects.get(pk=town.pk).status == Case.Status.NEW


def test_the_author_reads_the_decision_and_appeals_once(world):
    case = comment_case(world)
    assert decide(world.mayor, case, "hide", note="Insultant.").status_code == 200
    client = token_client(world.author)
    rows = client.get(DECISIONS).json()["results"]
    assert [(r["id"], r["action"], r["note"], r["can_appeal"]) for r in rows] == [
        (case.pk, "hide", "Insultant.", True)
    ]
    assert "Rapporteuse" not in client.get(DECISIONS).content.decode()
    # Nobody else reads or appeals it.
    for other in (world.reporters[0], world.mayor, world.moderator):
        assert token_client(other).get(DECISIONS).json()["results"] == []
        assert token_client(other).get(f"{DECISIONS}{case.pk}/").status_code == 404
        appeal = token_client(other).post(
            f"{DECISIONS}{case.pk}/appeal/", {"text": "Non."}, format="json"
        )
        assert appeal.status_code == 404
    empty = client.post(f"{DECISIONS}{case.pk}/appeal/", {"text": ""}, format="json")
    assert empty.status_code == 400
    assert list(empty.json()) == ["text"]
    appeal = client.post(f"{DECISIONS}{case.pk}/appeal/", {"text": "C'était ironique."})
    assert appeal.status_code == 200
    assert appeal.json()["status"] == "appealed"
    assert appeal.json()["can_appeal"] is False
    twice = client.post(f"{DECISIONS}{case.pk}/appeal/", {"text": "Encore."}, format="json")
    assert twice.status_code == 400
    # The appeal goes to another moderator than the one who decided.
    assert decide(world.mayor, case, "keep").status_code == 403
    kept = decide(world.moderator, case, "keep", note="")
    assert kept.status_code == 200
    assert kept.json()["status"] == "closed"
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is None
    # The author still reads what came of the appeal.
    final = client.get(f"{DECISIONS}{case.pk}/").json()
    assert (final["action"], final["status"], final["can_appeal"]) == ("keep", "closed", False)
    assert client.post(f"{DECISIONS}{case.pk}/appeal/", {"text": "x"}).status_code == 400


def test_bulk_keeps_or_hides_what_is_in_scope(world):
    town = comment_case(world)
    community = gazette_case(world)
    payload = {"ids": [town.pk, community.pk, 999999], "action": "hide", "note": "Spam."}
    mayor = token_client(world.mayor).post(BULK, payload, format="json")
    assert mayor.status_code == 200
    assert mayor.json() == {"decided": 1, "skipped": 2}
    assert Case.objects.get(pk=community.pk).status == Case.Status.NEW
    platform = token_client(world.moderator).post(BULK, payload, format="json")
    assert platform.json() == {"decided": 1, "skipped": 2}
    assert Post.objects.get(pk=world.post.pk).hidden_at is not None
    assert token_client(world.author).post(BULK, payload, format="json").status_code == 404
    warn = token_client(world.moderator).post(BULK, {**payload, "action": "warn"}, format="json")
    assert warn.status_code == 400
    assert list(warn.json()) == ["action"]
    no_note = token_client(world.moderator).post(BULK, {**payload, "note": " "}, format="json")
    assert no_note.status_code == 400
    assert list(no_note.json()) == ["note"]
    too_many = {**payload, "ids": list(range(1, 102))}
    response = token_client(world.moderator).post(BULK, too_many, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["ids"]


def test_platform_staff_suspend_a_person_and_lift_it(world):
    assert (
        report(world.member, PERSON_KIND, world.author.pk, "behaviour", text="Menaces.").status_code
        == 201
    )
    case = Case.objects.get(kind=PERSON_KIND, object_id=world.author.pk)
    assert token_client(world.mayor).get(f"{CASES}{case.pk}/").status_code == 404
    hidden = decide(world.moderator, case, "hide")
    assert hidden.status_code == 400
    assert list(hidden.json()) == ["action"]
    assert decide(world.moderator, case, "suspend", note="Menaces répétées.").status_code == 200
    suspension = Suspension.objects.get(user=world.author)
    listed = token_client(world.moderator).get(SUSPENSIONS)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [suspension.pk]
    assert listed.json()["results"][0]["lifted_at"] is None
    assert (
        token_client(world.moderator).get(SUSPENSIONS, {"active": "false"}).json()["results"] == []
    )
    assert token_client(world.moderator).get(SUSPENSIONS, {"active": "x"}).status_code == 400
    lift = f"{SUSPENSIONS}{suspension.pk}/lift/"
    for nobody in (world.mayor, world.member, world.reporters[0]):
        assert token_client(nobody).get(SUSPENSIONS).status_code == 404
        assert token_client(nobody).post(lift).status_code == 404
    response = token_client(world.moderator).post(lift)
    assert response.status_code == 200
    assert response.json()["lifted_at"] is not None
    world.author.refresh_from_db()
    assert world.author.suspended_at is None
    assert token_client(world.moderator).post(lift).status_code == 400
    assert token_client(world.moderator).post(f"{SUSPENSIONS}999999/lift/").status_code == 404


# --- constant queries ------------------------------------------------------------------


def _cases(world, count: int, start: int = 0) -> None:
    """``count`` waiting cases of the commune, each by its own author and reported by the
    first reporter (rows written directly: the lists are what is measured)."""
    for i in range(start, start + count):
        author = UserFactory()
        case = Case.objects.create(
            kind=COMMENT,
            object_id=10_000 + i,
            commune=world.commune,
            town_hall=True,
            author=author,
            excerpt=f"Texte {i}",
        )
        Report.objects.create(case=case, reporter=world.reporters[0], reason="spam")
        Report.objects.create(case=case, reporter=world.reporters[1], reason="harassment")


def _count(client, url) -> int:
    client.get(url)  # the token's first use of the day is written once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["moderator", "mayor"])
def test_the_queue_runs_in_constant_queries(world, who):
    client = token_client(getattr(world, who))
    _cases(world, 3)
    few = _count(client, CASES)
    _cases(world, 27, start=3)
    many = _count(client, CASES)
    assert len(client.get(CASES).json()["results"]) == 30
    assert few == many


def test_my_reports_run_in_constant_queries(world):
    client = token_client(world.reporters[0])
    _cases(world, 3)
    few = _count(client, REPORTS)
    Case.objects.all().delete()
    _cases(world, 30)
    many = _count(client, REPORTS)
    assert len(client.get(REPORTS).json()["results"]) == 20  # a page
    assert few == many
