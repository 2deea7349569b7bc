"""Moderation's services (CNT-5): report, auto-hide, decide, exclude, suspend, appeal."""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from wagtail.models import ModelLogEntry

from communes.models import StaffRole
from communities.models import Exclusion, Membership
from conversations.models import Comment
from conversations.services import comment_create
from gazette import services as gazette_services
from gazette.models import Post
from moderation import services
from moderation.models import PERSON_KIND, Case, Decision, Reason, Report, Suspension
from notifications.models import Event, Notification
from tests.factories import UserFactory
from tests.follows import grant
from tests.platform.moderation.world import world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=False)

COMMENT = "conversations.comment"
POST = "gazette.post"


def report_comment(world, reporter, reason=Reason.HARASSMENT, **kwargs):
    return services.report(
        reporter=reporter, kind=COMMENT, object_id=world.comment.pk, reason=reason, **kwargs
    )


def report_post(world, reporter, reason=Reason.SPAM, **kwargs):
    return services.report(
        reporter=reporter, kind=POST, object_id=world.post.pk, reason=reason, **kwargs
    )


def another_comment(world, body: str) -> Comment:
    return comment_create(
        target=world.news, commune=world.commune, author=world.residents[3], body=body
    )


def report_person(world, reporter=None):
    """A member of Intra-muros reports the gazette's poster (they share the community)."""
    return services.report(
        reporter=reporter or world.members[1],
        kind=PERSON_KIND,
        object_id=world.poster.pk,
        reason=Reason.BEHAVIOUR,
    )


def hidden(model, pk) -> bool:
    return model.objects.get(pk=pk).hidden_at is not None


def notified(user, kind) -> list[Event]:
    """The events of ``kind`` that reached ``user``."""
    received = Notification.objects.filter(recipient=user).values("event_id")
    return list(Event.objects.filter(kind=kind, pk__in=received))


# --- reporting --------------------------------------------------------------------------


def test_a_report_opens_one_case_that_later_reports_join(world):
    first = report_comment(world, world.residents[0], text="Insulte")
    second = report_comment(world, world.residents[1], reason=Reason.SPAM)
    assert first.case_id == second.case_id
    case = Case.objects.get()
    assert (case.kind, case.object_id, case.report_count, case.status) == (
        COMMENT,
        world.comment.pk,
        2,
        Case.Status.NEW,
    )
    assert (case.commune, case.town_hall, case.author) == (world.commune, True, world.author)
    assert "incapables" in case.excerpt
    assert case.link.endswith(f"#comment-{world.comment.pk}") or case.link


def test_a_person_reports_an_item_once(world):
    report_comment(world, world.residents[0])
    with pytest.raises(ValidationError) as error:
        report_comment(world, world.residents[0], reason=Reason.SPAM)
    assert list(error.value.message_dict) == ["object_id"]
    assert Report.objects.count() == 1


def test_nobody_reports_their_own_content(world):
    with pytest.raises(ValidationError):
        report_comment(world, world.author)
    assert not Case.objects.exists()


def test_an_item_one_cannot_see_is_404(world):
    # Gazette posts are for the community's members; a resident who is not one gets 404.
    with pytest.raises(Http404):
        report_post(world, world.residents[0])
    with pytest.raises(Http404):
        services.report(reporter=world.residents[0], kind=POST, object_id=10**12, reason="spam")
    with pytest.raises(Http404):
        services.report(reporter=world.residents[0], kind="nope.kind", object_id=1, reason="spam")


def test_reasons_fit_what_is_reported(world):
    with pytest.raises(ValidationError) as error:
        report_comment(world, world.residents[0], reason=Reason.IMPERSONATION)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        report_comment(world, world.residents[0], reason=Reason.OTHER, text="  ")
    assert "text" in error.value.message_dict
    person = services.report(
        reporter=world.members[0],
        kind=PERSON_KIND,
        object_id=world.poster.pk,
        reason=Reason.IMPERSONATION,
        impersonated_name="Le maire",
    )
    assert person.impersonated_name == "Le maire"
    assert person.case.town_hall is False and person.case.commune is None


@override_settings(MODERATION_REPORTS_PER_HOUR=2)
def test_reports_are_rate_limited_per_hour(world):
    reporter = world.residents[0]
    report_comment(world, reporter)
    second, third = (another_comment(world, text) for text in ("Deux", "Trois"))
    services.report(reporter=reporter, kind=COMMENT, object_id=second.pk, reason="spam")
    with pytest.raises(services.RateLimited) as error:
        services.report(reporter=reporter, kind=COMMENT, object_id=third.pk, reason="spam")
    assert error.value.retry_after > 0
    assert "2" in str(error.value)


# --- auto-hide ---------------------------------------------------------------------------


def test_three_validated_reporters_hide_the_item_pending_review(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_comment(world, world.residents[0])
        report_comment(world, world.residents[1])
        assert not hidden(Comment, world.comment.pk)
        report_comment(world, world.residents[2])
    assert hidden(Comment, world.comment.pk)
    case = Case.objects.get()
    assert case.auto_hidden_at is not None and case.status == Case.Status.NEW
    assert ModelLogEntry.objects.filter(
        action="moderation.auto_hide", object_id=str(case.pk)
    ).exists()
    [notice] = notified(world.author, "moderation.hidden")
    assert notice.data["pending"] is True


def test_three_unvalidated_reporters_do_not_hide_it(world):
    # The town hall's staff see the comments without being validated residents.
    for i in range(3):
        staff = UserFactory(first_name=f"Agent{i}")
        grant(world.commune, staff, StaffRole.Role.COMMUNICATION)
        report_comment(world, staff)
    case = Case.objects.get()
    assert case.report_count == 3
    assert services.validated_reporters(case) == 0
    assert case.auto_hidden_at is None
    assert not hidden(Comment, world.comment.pk)


@override_settings(MODERATION_AUTO_HIDE_REPORTERS=2)
def test_the_threshold_is_a_setting(world):
    report_comment(world, world.residents[0])
    report_comment(world, world.residents[1])
    assert hidden(Comment, world.comment.pk)


# --- decisions ---------------------------------------------------------------------------


def opened(world, reporter=None):
    return report_comment(world, reporter or world.residents[0]).case


def test_keep_dismisses_and_shows_an_auto_hidden_item_again(
    world, django_capture_on_commit_callbacks
):
    for reporter in world.residents[:3]:
        report_comment(world, reporter)
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.council, case=case, action="keep")
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by) == ("decided", "keep", world.council)
    assert not hidden(Comment, world.comment.pk)
    for reporter in world.residents[:3]:
        [outcome] = notified(reporter, "moderation.outcome")
        assert outcome.data["outcome"] == "kept"
    assert not notified(world.author, "moderation.warning")
    assert Report.objects.filter(told_at__isnull=True).count() == 0


def test_hide_needs_a_note_and_is_logged(world, django_capture_on_commit_callbacks):
    case = opened(world)
    with pytest.raises(ValidationError) as error:
        services.decide(by=world.council, case=case, action="hide", note=" ")
    assert list(error.value.message_dict) == ["note"]
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.council, case=case, action="hide", note="Propos insultants.")
    assert hidden(Comment, world.comment.pk)
    entry = ModelLogEntry.objects.get(action="moderation.hide", object_id=str(case.pk))
    assert entry.user == world.council and entry.data["note"] == "Propos insultants."
    [notice] = notified(world.author, "moderation.hidden")
    assert notice.data["note"] == "Propos insultants."
    [outcome] = notified(world.residents[0], "moderation.outcome")
    assert outcome.data["outcome"] == "hidden"
    with pytest.raises(ValidationError):
        services.decide(by=world.moderator, case=case, action="keep")


def test_warn_hides_and_tells_the_author(world, django_capture_on_commit_callbacks):
    case = opened(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.council, case=case, action="warn", note="Restez courtois.")
    assert hidden(Comment, world.comment.pk)
    [warning] = notified(world.author, "moderation.warning")
    assert warning.data["note"] == "Restez courtois."
    assert Decision.objects.get().action == "warn"


def test_exclude_goes_through_the_cty8_path(world):
    case = report_post(world, world.members[0]).case
    assert (case.community, case.town_hall) == (world.community, False)
    services.decide(by=world.moderator, case=case, action="exclude", note="Spam répété.")
    exclusion = Exclusion.objects.get(community=world.community, member=world.poster)
    assert exclusion.status == Exclusion.Status.EXECUTED
    assert exclusion.reason == "Spam répété."
    membership = Membership.objects.get(community=world.community, user=world.poster)
    assert membership.status == Membership.Status.EXCLUDED
    assert hidden(Post, world.post.pk)


def test_suspend_hides_everything_and_lift_restores_only_that(world):
    poster = world.poster
    # Something a moderator hid before, on its own: lifting must not show it again.
    earlier = report_post(world, world.members[0]).case
    services.decide(by=world.moderator, case=earlier, action="hide", note="Publicité.")
    hidden_before = Post.objects.get(pk=world.post.pk).hidden_at
    second = gazette_services.post_create(
        community=world.community,
        author=poster,
        category="information",
        title="Réunion",
        body="Jeudi à 20 h.",
    )
    case = report_person(world).case
    services.decide(by=world.moderator, case=case, action="suspend", note="Harcèlement.")
    poster.refresh_from_db()
    assert poster.suspended_at is not None
    suspension = Suspension.objects.get(user=poster, lifted_at__isnull=True)
    assert suspension.case == case
    assert hidden(Post, second.pk)
    assert ModelLogEntry.objects.filter(action="moderation.suspend").exists()

    services.lift_suspension(by=world.moderator, suspension=suspension)
    poster.refresh_from_db()
    assert poster.suspended_at is None
    assert not hidden(Post, second.pk)
    assert Post.objects.get(pk=world.post.pk).hidden_at == hidden_before
    assert ModelLogEntry.objects.filter(action="moderation.lift").exists()
    with pytest.raises(ValidationError):
        services.lift_suspension(by=world.moderator, suspension=Suspension.objects.get())


def test_suspending_for_a_post_keeps_that_post_hidden_once_lifted(world):
    other = gazette_services.post_create(
        community=world.community,
        author=world.poster,
        category="information",
        title="Réunion",
        body="Jeudi à 20 h.",
    )
    case = report_post(world, world.members[0]).case
    services.decide(by=world.moderator, case=case, action="suspend", note="Arnaques répétées.")
    assert hidden(Post, world.post.pk) and hidden(Post, other.pk)
    services.lift_suspension(by=world.moderator, suspension=Suspension.objects.get())
    assert hidden(Post, world.post.pk)  # the decision on the reported post stands
    assert not hidden(Post, other.pk)


def test_only_platform_staff_lift_a_suspension(world):
    case = report_person(world).case
    services.decide(by=world.moderator, case=case, action="suspend", note="Harcèlement.")
    with pytest.raises(PermissionDenied):
        services.lift_suspension(by=world.council, suspension=Suspension.objects.get())


def test_a_person_cannot_be_hidden(world):
    case = report_person(world).case
    with pytest.raises(ValidationError) as error:
        services.decide(by=world.moderator, case=case, action="hide", note="Non.")
    assert "action" in error.value.message_dict


# --- who may decide ----------------------------------------------------------------------


def test_the_town_hall_may_not_decide_a_gazette_case(world):
    case = report_post(world, world.members[0]).case
    with pytest.raises(Http404):
        services.decide(by=world.council, case=case, action="hide", note="Non.")
    case.refresh_from_db()
    assert case.status == Case.Status.NEW and not hidden(Post, world.post.pk)


def test_the_town_hall_may_not_suspend_nor_exclude(world):
    case = opened(world)
    for action in ("suspend", "exclude"):
        with pytest.raises(PermissionDenied):
            services.decide(by=world.council, case=case, action=action, note="Non.")
    with pytest.raises(PermissionDenied):
        services.suspend(by=world.council, user_id=world.author.pk, reason="Non.")
    assert not Suspension.objects.exists()


def test_another_commune_s_staff_get_404(world):
    case = opened(world)
    with pytest.raises(Http404):
        services.decide(by=world.cocody_council, case=case, action="keep")
    with pytest.raises(Http404):
        services.decide(by=world.residents[1], case=case, action="keep")
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_bulk_keeps_or_hides_and_skips_what_was_decided_meanwhile(world):
    first = opened(world)
    second = report_post(world, world.members[0]).case
    services.decide(by=world.moderator, case=second, action="keep")
    with pytest.raises(ValidationError):
        services.decide_many(by=world.moderator, cases=[first], action="suspend")
    assert services.decide_many(
        by=world.moderator, cases=[first, second], action="hide", note="Hors charte."
    ) == (1, 1)
    assert hidden(Comment, world.comment.pk)


# --- appeals -----------------------------------------------------------------------------


def test_the_author_appeals_once_and_another_moderator_decides(
    world, django_capture_on_commit_callbacks
):
    case = opened(world)
    services.decide(by=world.moderator, case=case, action="hide", note="Insulte.")
    with pytest.raises(Http404):
        services.appeal(author=world.residents[0], case=case, text="Pas moi")
    with pytest.raises(ValidationError):
        services.appeal(author=world.author, case=case, text=" ")
    services.appeal(author=world.author, case=case, text="C'était de l'humour.")
    case.refresh_from_db()
    assert case.status == Case.Status.APPEALED
    assert ModelLogEntry.objects.filter(action="moderation.appeal").exists()
    with pytest.raises(ValidationError):
        services.appeal(author=world.author, case=case, text="Encore")
    # The moderator who decided first may not decide the appeal.
    with pytest.raises(PermissionDenied):
        services.decide(by=world.moderator, case=case, action="keep")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.second_moderator, case=case, action="keep")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.CLOSED, "keep")
    assert not hidden(Comment, world.comment.pk)
    assert [d.on_appeal for d in Decision.objects.all()] == [False, True]
    [answer] = notified(world.author, "moderation.appeal")
    assert answer.data["action"] == "keep"
    # Kept on appeal: nothing left to contest (the same 404 as for someone else's case).
    with pytest.raises(Http404):
        services.appeal(author=world.author, case=case, text="Et encore")


def test_a_kept_case_cannot_be_appealed(world):
    case = opened(world)
    services.decide(by=world.moderator, case=case, action="keep")
    with pytest.raises(Http404):
        services.appeal(author=world.author, case=case, text="?")


def test_a_suspension_lifted_on_appeal(world):
    case = report_person(world).case
    services.decide(by=world.moderator, case=case, action="suspend", note="Harcèlement.")
    services.appeal(author=world.poster, case=case, text="Erreur de personne.")
    services.decide(by=world.second_moderator, case=case, action="keep")
    world.poster.refresh_from_db()
    assert world.poster.suspended_at is None
    assert Suspension.objects.get().lifted_by == world.second_moderator


def test_a_new_report_after_a_decision_opens_a_new_case(world):
    case = opened(world)
    services.decide(by=world.moderator, case=case, action="keep")
    again = report_comment(world, world.residents[1]).case
    assert again.pk != case.pk and again.status == Case.Status.NEW
