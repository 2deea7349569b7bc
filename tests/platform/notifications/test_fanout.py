"""Publishing an event: one INSERT … SELECT per table, preferences, channels (NOT-1, NOT-2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services
from notifications.fanout import publish
from notifications.kinds import Frequency
from notifications.models import Channel, Delivery, DeliveryStatus, Event, Notification
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db


def _publish(commune, kind="test.message", **kwargs):
    kwargs.setdefault("title", "Réunion de quartier jeudi")
    kwargs.setdefault("body", "Salle des fêtes, 19 h.")
    kwargs.setdefault("url", "/actualites/reunion/")
    return publish(kind, audience=followers_of(commune), commune=commune, **kwargs)


def test_one_event_reaches_the_whole_audience_with_one_insert(commune, engine_kinds):
    people = residents(commune, 5)
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        result = _publish(commune)
    inserts = [
        q["sql"]
        for q in queries
        if 'INSERT INTO "notifications_notification"' in q["sql"]
        or q["sql"].startswith("INSERT INTO notifications_notification")
    ]
    assert len(inserts) == 1 and "SELECT" in inserts[0]
    assert result.recipients == 5
    assert set(
        Notification.objects.filter(event=result.event).values_list("recipient_id", flat=True)
    ) == {p.pk for p in people}
    assert Event.objects.get(pk=result.event.pk).audience_size == 5


def test_publishing_costs_the_same_queries_for_3_or_30_recipients(commune, engine_kinds):
    residents(commune, 3)
    with CaptureQueriesContext(connection) as few:
        _publish(commune, title="Premier")
    residents(commune, 27)
    with CaptureQueriesContext(connection) as many:
        _publish(commune, title="Second")

    # The e-mail tasks run inline in tests (django-q2 sync): count the publish itself.
    def publishing(queries):
        return [q for q in queries if "django_q" not in q["sql"]][:12]

    assert len([q for q in few.captured_queries if "notifications_" in q["sql"]]) <= len(
        [q for q in many.captured_queries if "notifications_" in q["sql"]]
    )
    assert len(publishing(few.captured_queries)) == len(publishing(many.captured_queries))


def test_rubric_turned_off_gets_nothing_but_alerts_always_arrive(commune, engine_kinds):
    quiet, other = residents(commune, 2)
    services.set_preference(quiet, "messages", frequency=Frequency.OFF, email=False, push=False)
    message = _publish(commune)
    assert not Notification.objects.filter(event=message.event, recipient=quiet).exists()
    assert Notification.objects.filter(event=message.event, recipient=other).exists()
    alert = _publish(commune, kind="test.alert", title="Inondation rue du Port")
    assert Notification.objects.filter(event=alert.event, recipient=quiet).exists()
    assert Delivery.objects.filter(event=alert.event, recipient=quiet, channel="email").exists()


def test_actor_and_closed_accounts_are_not_notified(commune, engine_kinds):
    actor, closed, reader = residents(commune, 3)
    get_user_model().objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    result = _publish(commune, actor=actor)
    assert list(
        Notification.objects.filter(event=result.event).values_list("recipient_id", flat=True)
    ) == [reader.pk]


def test_same_dedupe_key_publishes_once(commune, engine_kinds):
    residents(commune, 2)
    first = _publish(commune, dedupe_key="once")
    again = _publish(commune, dedupe_key="once")
    assert first.created and not again.created
    assert again.event.pk == first.event.pk
    assert Event.objects.filter(dedupe_key="once").count() == 1
    assert Notification.objects.filter(event=first.event).count() == 2


def test_instant_email_is_sent_with_signed_link_and_one_click_unsubscribe(
    commune, engine_kinds, django_capture_on_commit_callbacks
):
    (person,) = residents(commune, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = _publish(commune)
    delivery = Delivery.objects.get(event=result.event, recipient=person, channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT
    (message,) = [m for m in mail.outbox if m.to == [person.email]]
    assert message.subject.startswith("Réunion de quartier jeudi – Saint-Malo")
    assert "Saint-Malo" in message.from_email
    html = message.alternatives[0][0]
    assert "http://saint-malo.localhost" in html and "/n/" in html
    assert "Bonjour" in message.body and "/actualites/reunion/" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://saint-malo.localhost/n/desabonnement/"
    )


def test_alert_email_has_no_unsubscribe_header(
    commune, engine_kinds, django_capture_on_commit_callbacks
):
    residents(commune, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(commune, kind="test.alert", title="Coupure d'eau")
    (message,) = [m for m in mail.outbox if "Coupure" in m.subject]
    assert "List-Unsubscribe" not in message.extra_headers
    assert "ne peuvent pas être désactivées" in message.body


def test_digest_rubrics_and_site_only_choices_get_no_instant_email(commune, engine_kinds):
    site_only, digest, instant = residents(commune, 3)
    services.set_preference(site_only, "messages", frequency="instant", email=False, push=True)
    services.set_preference(digest, "messages", frequency="daily", email=True, push=True)
    result = _publish(commune)
    emailed = set(
        Delivery.objects.filter(event=result.event, channel="email").values_list(
            "recipient_id", flat=True
        )
    )
    assert emailed == {instant.pk}
    assert Notification.objects.filter(event=result.event).count() == 3


def test_kind_of_a_disabled_module_is_hidden_and_comes_back(commune, engine_kinds):
    from communes.services import module_set_enabled
    from notifications.selectors import centre, unread_count
    from tests.follows import root

    (person,) = residents(commune, 1)
    result = _publish(commune, kind="test.poll", title="Nouveau sondage")
    assert next(n.event_id for n in centre(person)) == result.event.pk
    module_set_enabled(by=root(), commune=commune, module="classifieds", enabled=False)
    assert result.event.pk not in [n.event_id for n in centre(person)]
    hidden_unread = unread_count(person)
    module_set_enabled(by=root(), commune=commune, module="classifieds", enabled=True)
    assert unread_count(person) == hidden_unread + 1
    assert Notification.objects.filter(event=result.event, recipient=person).exists()


def test_publishing_a_news_page_notifies_followers_once(commune):
    from communes.models import NewsPage

    (person,) = residents(commune, 1)
    home = commune.site.root_page
    page = NewsPage(
        title="Fête de la musique", intro="Place Chateaubriand, dès 18 h.", body="<p>Venez !</p>"
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    page.save_revision().publish()  # an edit: no second notice
    events = Event.objects.filter(kind="commune.news")
    assert events.count() == 1
    assert Notification.objects.filter(event=events.get(), recipient=person).exists()
