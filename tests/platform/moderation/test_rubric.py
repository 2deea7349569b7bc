"""Moderation's rubric: always on, by e-mail too, yet not an alert (no SMS, no alert
wording), and the only mail a suspended account still gets."""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import pytest
from django.core import mail

from moderation import services
from moderation.models import Action, Reason
from notifications import delivery
from notifications.fanout import publish, schedule_sms
from notifications.forms import PreferencesForm
from notifications.kinds import RUBRICS
from notifications.models import Delivery, DeliveryStatus, Event
from notifications.selectors import preferences_of
from notifications.sms import SmsNotAllowed
from tests.platform.moderation.world import world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_rubric_is_always_on_but_never_goes_by_sms(world):
    rubric = RUBRICS["moderation"]
    assert (rubric.locked, rubric.sms, RUBRICS["alerts"].sms) == (True, False, True)
    form = PreferencesForm(preferences=preferences_of(world.author), user=world.author)
    assert "alerts-sms" in form.fields
    assert "moderation-sms" not in form.fields
    assert form.fields["moderation-email"].disabled is True
    event = Event.objects.create(kind="moderation.warning", title="Avertissement")
    with pytest.raises(SmsNotAllowed):
        schedule_sms(event, world.author.__class__.objects.filter(pk=world.author.pk))


def _decide_suspend(world, django_capture_on_commit_callbacks):
    for reporter in world.residents[:1]:
        services.report(
            reporter=reporter,
            kind="conversations.comment",
            object_id=world.comment.pk,
            reason=Reason.HARASSMENT,
        )
    case = world.comment_case = __import__("moderation.models").models.Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.moderator, case=case, action=Action.SUSPEND, note="Insultes.")


def test_a_suspended_account_is_told_by_e_mail_and_gets_nothing_else(
    world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    _decide_suspend(world, django_capture_on_commit_callbacks)
    world.author.refresh_from_db()
    assert world.author.suspended_at is not None
    # Another rubric's mail to the suspended person is skipped, not sent.
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            "comments.reply",
            audience=world.author.__class__.objects.filter(pk=world.author.pk),
            title="Nouvelle réponse",
            url="/",
            commune=world.commune,
        )
    delivery.sweep()  # whatever the queue left: nothing more goes out
    sent = {message.subject for message in mail.outbox if message.to == [world.author.email]}
    assert len(sent) == 1, sent
    assert "suspendu" in next(iter(sent))
    reply = Delivery.objects.get(
        recipient=world.author, event__kind="comments.reply", channel="email"
    )
    assert (reply.status, reply.error) == (DeliveryStatus.SKIPPED, "closed")
    (message,) = [m for m in mail.outbox if m.to == [world.author.email]]
    assert "ne peuvent pas être désactivés" in message.body
    assert "Les alertes" not in message.body


def test_the_export_holds_my_reports_and_the_decisions_about_me_never_my_reporters(
    world, django_capture_on_commit_callbacks
):
    from accounts.export import account_export

    services.report(
        reporter=world.residents[0],
        kind="conversations.comment",
        object_id=world.comment.pk,
        reason=Reason.OTHER,
        text="Propos blessants envers la mairie.",
    )
    case = __import__("moderation.models").models.Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(by=world.council, case=case, action=Action.HIDE, note="Restez courtois.")
    mine = account_export(world.residents[0])["sections"]["moderation"]
    assert mine["decisions_about_me"] == []
    [report] = mine["reports"]
    assert (report["reason"], report["text"], report["status"], report["decision"]) == (
        "other",
        "Propos blessants envers la mairie.",
        "decided",
        "hide",
    )
    about = account_export(world.author)["sections"]["moderation"]
    assert about["reports"] == []
    [decision] = about["decisions_about_me"]
    assert (decision["decision"], decision["note"]) == ("hide", "Restez courtois.")
    assert world.residents[0].first_name not in str(about)
    assert world.residents[0].email not in str(about)
    assert "moderation" not in account_export(world.residents[2])["sections"]
