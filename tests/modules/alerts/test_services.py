"""Sending alerts: who is reached, how, and what is refused (ALR-1…ALR-6, TWN-3, COM-2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from modules.alerts import services
from modules.alerts.models import Alert
from modules.alerts.selectors import alerts_visible_to, can_see, unread_town_hall_alerts
from notifications import delivery, sms
from notifications.models import Channel, Delivery, Event, Notification
from notifications.services import mark_read, set_preference
from tests.alerts import switch
from tests.factories import UserFactory
from tests.notifications import residents

pytestmark = pytest.mark.django_db


def recipients(event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def emailed(event) -> set[int]:
    return set(
        Delivery.objects.filter(event=event, channel=Channel.EMAIL).values_list(
            "recipient_id", flat=True
        )
    )


def send(world, **kwargs):
    kwargs.setdefault("author", world.member)
    kwargs.setdefault("text", "Démarcheur suspect rue des Lilas, il sonne à toutes les portes.")
    with_commit = kwargs.pop("capture", None)
    if with_commit is not None:
        with with_commit(execute=True):
            return services.send_community_alert(**kwargs)
    return services.send_community_alert(**kwargs)


# --- ALR-2: who is reached ---------------------------------------------------------------


def test_community_alert_reaches_members_in_app_email_and_twinned_by_email_only(alert_world):
    w = alert_world
    alert = send(w)
    members = {w.referent.pk, w.sms_member.pk, w.no_sms_member.pk}
    assert alert.community == w.here and alert.source == "site"
    assert recipients(alert.event) == members  # the author is not notified of their own alert
    assert alert.recipients == 3
    assert emailed(alert.event) == members
    twinned = Event.objects.get(kind="alerts.twinned", data__alert=alert.pk)
    # TWN-3: the twinned community by e-mail only: no in-app row, no push, never an SMS.
    assert recipients(twinned) == set()
    assert emailed(twinned) == {w.near_member.pk, w.near_referent.pk}
    assert not Delivery.objects.filter(event=twinned).exclude(channel=Channel.EMAIL).exists()
    # Paramé is not twinned, the resident is in no community: neither hears of it.
    everyone = recipients(alert.event) | emailed(alert.event) | emailed(twinned)
    assert w.far_referent.pk not in everyone and w.resident.pk not in everyone


def test_author_is_named_with_real_name_even_with_a_pseudonym(alert_world):
    w = alert_world
    w.member.pseudonym = "Chat Noir"
    w.member.save()
    alert = send(w)
    assert w.member.get_full_name() in alert.event.title
    assert "Chat Noir" not in alert.event.title
    assert alert.event.data["author_name"] == w.member.get_full_name()


def test_partner_town_hall_staff_and_police_receive_community_alerts(
    alert_world, partner_commune, django_capture_on_commit_callbacks
):
    w = alert_world
    w.commune.police_email = "police@saint-malo.example"
    w.commune.police_name = "Police municipale"
    w.commune.save()
    mail.outbox.clear()
    alert = send(w, capture=django_capture_on_commit_callbacks)
    assert w.communication.pk in recipients(alert.event)
    police = [m for m in mail.outbox if m.to == ["police@saint-malo.example"]]
    assert len(police) == 1
    assert w.member.get_full_name() in police[0].body
    assert "Démarcheur suspect" in police[0].body
    assert f"/alertes/{alert.pk}/" in police[0].body
    # Police is an address: nothing personal about the author but their name.
    assert w.member.email not in police[0].body


def test_a_town_hall_that_is_not_a_partner_gets_neither_staff_nor_police(
    alert_world, django_capture_on_commit_callbacks
):
    w = alert_world
    w.commune.police_email = "police@saint-malo.example"
    w.commune.save()
    mail.outbox.clear()
    alert = send(w, capture=django_capture_on_commit_callbacks)
    assert w.communication.pk not in recipients(alert.event)
    assert not [m for m in mail.outbox if m.to == ["police@saint-malo.example"]]


def test_twinned_communities_get_nothing_when_twinning_is_off(alert_world):
    w = alert_world
    switch(w.commune, "twinning", False)
    alert = send(w)
    assert not Event.objects.filter(kind="alerts.twinned", data__alert=alert.pk).exists()


# --- ALR-6: cannot be turned off -------------------------------------------------------------


def test_alert_emails_cannot_be_turned_off(alert_world):
    w = alert_world
    with pytest.raises(ValidationError):
        set_preference(w.referent, "alerts", frequency="off", email=False, push=False)
    # Even a preference row written behind the service's back does not stop them.
    from notifications.models import Preference

    Preference.objects.create(user=w.referent, rubric="alerts", frequency="off", email=False)
    alert = send(w)
    assert w.referent.pk in recipients(alert.event)
    assert w.referent.pk in emailed(alert.event)


# --- ALR-3: SMS 4 minutes later to those who have not read it ----------------------------------


def test_sms_four_minutes_later_only_to_unread_consenting_members(alert_world):
    w = alert_world
    w.referent.mobile, w.referent.accepts_sms = "+33699999999", True
    w.referent.save()
    sent_at = timezone.now()
    alert = send(w)
    sms.outbox.clear()
    scheduled = Delivery.objects.filter(event=alert.event, channel=Channel.SMS)
    # Consenting members with a mobile: not the one who refuses SMS, not the author.
    assert set(scheduled.values_list("recipient_id", flat=True)) == {
        w.sms_member.pk,
        w.referent.pk,
    }
    assert all(d.not_before >= sent_at + timedelta(minutes=4) for d in scheduled)
    # The référent reads it at 3 minutes; nothing leaves before the 4 minutes.
    mark_read(w.referent, alert.event_id, now=sent_at + timedelta(minutes=3))
    assert delivery.drain(alert.event_id, Channel.SMS, now=sent_at + timedelta(minutes=3)) == 0
    later = sent_at + timedelta(minutes=4, seconds=5)
    assert delivery.drain(alert.event_id, Channel.SMS, now=later) == 1
    assert delivery.drain(alert.event_id, Channel.SMS, now=later) == 0  # the task runs twice
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    assert sms.outbox[0].purpose == "alert"
    assert sms.outbox[0].body == (
        f"Saint-Malo : Alerte de {alert.event.data['author_name']} ({w.here.name})\n"
        "Démarcheur suspect rue des Lilas, il sonne à toutes les portes."
    )


def test_twinned_members_never_get_an_sms(alert_world):
    w = alert_world
    w.near_member.accepts_sms = True
    w.near_member.save()
    alert = send(w)
    twinned = Event.objects.get(kind="alerts.twinned", data__alert=alert.pk)
    assert not Delivery.objects.filter(event=twinned, channel=Channel.SMS).exists()
    assert not Delivery.objects.filter(
        event=alert.event, channel=Channel.SMS, recipient=w.near_member
    ).exists()


# --- ALR-1: who may send ---------------------------------------------------------------------


def test_only_members_send_community_alerts(alert_world):
    w = alert_world
    for outsider in (w.resident, w.communication, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.send_community_alert(author=outsider, text="Alerte")
    with pytest.raises(PermissionDenied):  # a member naming another community
        services.send_community_alert(author=w.member, text="Alerte", community=w.near)
    assert not Alert.objects.exists()


def test_text_is_required_and_bounded(alert_world, settings):
    w = alert_world
    with pytest.raises(ValidationError) as empty:
        services.send_community_alert(author=w.member, text="   ")
    assert "text" in empty.value.message_dict
    with pytest.raises(ValidationError) as long:
        services.send_community_alert(author=w.member, text="x" * (settings.ALERTS_MAX_LENGTH + 1))
    assert "1000" in " ".join(long.value.message_dict["text"])
    with pytest.raises(ValidationError) as category:
        services.send_community_alert(author=w.member, text="Alerte", category="fire")
    assert "category" in category.value.message_dict
    assert not Alert.objects.exists()


def test_module_off_refuses_and_keeps_data(alert_world):
    w = alert_world
    kept = send(w)
    switch(w.commune, "alerts", False)
    with pytest.raises(PermissionDenied):
        send(w)
    switch(w.commune, "alerts", True)
    assert list(Alert.objects.all()) == [kept]


# --- rate limits ---------------------------------------------------------------------------------


def test_per_member_rate_limit_with_a_french_message(alert_world, settings):
    w = alert_world
    settings.ALERTS_PER_MEMBER_PER_HOUR = 2
    send(w)
    send(w)
    with pytest.raises(ValidationError) as limited:
        send(w)
    assert "Vous avez déjà envoyé 2 alertes" in " ".join(limited.value.message_dict["text"])
    send(w, author=w.sms_member)  # another member is not limited by it
    # An hour later the member may send again.
    Alert.objects.filter(author=w.member).update(created_at=timezone.now() - timedelta(minutes=61))
    send(w)


def test_per_community_rate_limit(alert_world, settings):
    w = alert_world
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0  # off
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 3
    for author in (w.member, w.sms_member, w.no_sms_member):
        send(w, author=author)
    with pytest.raises(ValidationError) as limited:
        send(w, author=w.referent)
    assert "Votre communauté a déjà reçu 3 alertes" in " ".join(limited.value.message_dict["text"])
    # The twinned community has its own budget.
    services.send_community_alert(author=w.near_member, text="Alerte à Saint-Servan")


# --- ALR-4: never edited nor deleted; corrections ------------------------------------------------


def test_alerts_can_be_neither_changed_nor_deleted(alert_world):
    w = alert_world
    alert = send(w)
    alert.text = "Autre chose"
    with pytest.raises(ValidationError):
        alert.save()
    with pytest.raises(ValidationError):
        alert.delete()
    assert Alert.objects.get().text.startswith("Démarcheur suspect")


def test_a_correction_is_a_new_alert_linked_to_the_original(alert_world):
    w = alert_world
    original = send(w)
    correction = send(w, text="Fausse alerte : c'était le facteur.", corrects=original)
    assert correction.pk != original.pk and correction.corrects == original
    assert "Correction" in correction.event.title
    # A correction of the correction joins the same thread.
    again = send(w, author=w.referent, text="Confirmé par la mairie.", corrects=correction)
    assert again.corrects == original
    assert list(original.corrections.order_by("pk")) == [correction, again]


def test_only_the_author_or_a_referent_corrects(alert_world):
    w = alert_world
    original = send(w)
    with pytest.raises(PermissionDenied):  # a neighbour who did not write it
        send(w, author=w.sms_member, text="Ce n'est pas vrai", corrects=original)
    assert not original.corrections.exists()
    send(w, author=w.referent, text="Précision du référent", corrects=original)


def test_cannot_correct_another_communitys_alert(alert_world):
    w = alert_world
    theirs = services.send_community_alert(author=w.near_member, text="Alerte à Saint-Servan")
    with pytest.raises(ValidationError) as error:
        send(w, corrects=theirs)
    assert "corrects" in error.value.message_dict


# --- who sees it ---------------------------------------------------------------------------------


def test_visibility_follows_the_faq(alert_world, partner_commune):
    w = alert_world
    alert = send(w)
    assert can_see(w.referent, alert)
    assert can_see(w.near_member, alert)  # twinned
    assert can_see(w.communication, alert)  # partner town hall
    assert not can_see(w.far_referent, alert)
    assert not can_see(w.resident, alert)
    assert not can_see(UserFactory(), alert)
    switch(w.commune, "twinning", False)
    assert not can_see(w.near_member, Alert.objects.get(pk=alert.pk))


# --- ALR-5: town-hall alerts ---------------------------------------------------------------------


def test_town_hall_alert_reaches_every_resident_with_immediate_sms(alert_world):
    w = alert_world
    w.resident.mobile, w.resident.accepts_sms = "+33655555555", True
    w.resident.save()
    sms.outbox.clear()
    alert = services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="weather", text="Vigilance orange orages."
    )
    assert alert.community is None and alert.is_town_hall
    residents_ids = set(
        w.commune.follows.filter(status="validated").values_list("user_id", flat=True)
    )
    assert recipients(alert.event) == residents_ids
    assert "Météo" in alert.event.title or "Weather" in alert.event.title
    # SMS at once (no 4-minute wait), whether read or not.
    mark_read(w.resident, alert.event_id)
    assert delivery.drain(alert.event_id, Channel.SMS, now=timezone.now()) == 2
    assert sorted(m.to for m in sms.outbox) == ["+33612345678", "+33655555555"]
    # The heading, then the whole text once: the title's excerpt is not sent again.
    assert (
        sms.outbox[0].body == "Saint-Malo : Alerte de la mairie (Météo)\nVigilance orange orages."
    )


def test_red_banner_until_read(alert_world):
    w = alert_world
    alert = services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="roads", text="Pont fermé."
    )
    assert unread_town_hall_alerts(w.resident, w.commune) == [alert]
    mark_read(w.resident, alert.event_id)
    assert unread_town_hall_alerts(w.resident, w.commune) == []
    assert unread_town_hall_alerts(UserFactory(), w.commune) == []


def test_only_senders_of_the_commune_send_town_hall_alerts(alert_world):
    w = alert_world
    for person in (w.member, w.referent, w.resident, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.send_town_hall_alert(
                by=person, commune=w.commune, category="security", text="Alerte"
            )
    assert not Alert.objects.exists()


def test_town_hall_alert_costs_constant_queries(alert_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = alert_world

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.send_town_hall_alert(
                by=w.communication, commune=w.commune, category="security", text="Alerte"
            )
        return len(queries)

    count()  # the first call warms caches (content types, permissions)
    few = count()
    residents(w.commune, 40, mobile="+33600000000", accepts_sms=True)
    many = count()
    assert few == many


def test_visible_list_is_constant_in_queries(alert_world, django_assert_max_num_queries):
    w = alert_world
    for _ in range(2):
        original = send(w)
        send(w, author=w.referent, text="Correction", corrects=original)
    with django_assert_max_num_queries(12):
        alerts = list(alerts_visible_to(w.sms_member, w.commune).filter(corrects__isnull=True))
        for alert in alerts:
            list(alert.corrections.all())
            str(alert.author)
    assert len(alerts) == 2


# --- a merge keeps every alert (CTY-12 × ALR-4) -------------------------------------------------


def test_a_merge_moves_the_absorbed_communitys_alerts_to_the_survivor(commune):
    from communities import services as communities
    from tests.communities import SAINT_MALO, join, make_community, offset, person_at
    from tests.communities import referent_of as referent
    from tests.follows import root

    absorbed = make_community(commune, offset(SAINT_MALO, 400), name="Saint-Servan")
    kept = make_community(commune, SAINT_MALO, name="Intra-muros")
    author = join(absorbed, person_at(commune, offset(SAINT_MALO, 400, 20)))
    original = services.send_community_alert(author=author, text="Vol de vélo ce matin.")
    correction = services.send_community_alert(author=author, text="Retrouvé !", corrects=original)
    proposal = communities.merge_propose(by=referent(absorbed), community=absorbed, other=kept)
    proposal = communities.merge_agree(by=referent(kept), proposal=proposal)
    communities.merge_execute(by=root(), proposal=proposal)

    assert set(Alert.objects.values_list("pk", "community_id")) == {
        (original.pk, kept.pk),
        (correction.pk, kept.pk),
    }
    assert can_see(author, Alert.objects.get(pk=original.pk))


# --- two transactions: in-app first, the rest after; the sweeper finishes ------------------------


def test_a_process_stopped_after_the_in_app_rows_is_finished_by_the_sweeper(
    alert_world, monkeypatch
):
    w = alert_world
    monkeypatch.setattr(services, "dispatch", lambda alert_id: False)  # the process stops
    alert = send(w)
    monkeypatch.undo()
    # Members see it already; nothing else was written.
    assert recipients(alert.event) == {w.referent.pk, w.sms_member.pk, w.no_sms_member.pk}
    assert not Delivery.objects.filter(event=alert.event).exists()
    assert not Event.objects.filter(kind="alerts.twinned").exists()
    # A recent alert is left to its own process.
    assert services.dispatch_pending() == 0
    assert services.dispatch_pending(older_than=timedelta(0)) == 1
    assert emailed(alert.event) == {w.referent.pk, w.sms_member.pk, w.no_sms_member.pk}
    assert Delivery.objects.filter(event=alert.event, channel=Channel.SMS).count() == 1
    assert Event.objects.filter(kind="alerts.twinned").count() == 1
    # Run again (the sweeper and a slow process): nothing is written twice.
    assert services.dispatch_pending(older_than=timedelta(0)) == 0
    assert services.dispatch(alert.pk) is False
    assert Event.objects.filter(kind="alerts.twinned").count() == 1
    assert Alert.objects.get(pk=alert.pk).dispatched_at is not None
