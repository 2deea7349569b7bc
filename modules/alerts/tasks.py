"""Tasks of the alerts module (django-q2)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from modules.alerts.models import Alert
from notifications.emails import sender_for
from privacy.matrix import alert_author_name


def dispatch_pending() -> int:
    """Periodic: e-mails, pushes and SMS of alerts whose sending process stopped after
    their in-app notifications committed (``services.dispatch_pending``)."""
    from modules.alerts.services import dispatch_pending as run

    return run()


def email_police(alert_id: int) -> int:
    """The police contact of a partner town hall receives a community alert (ALR-2).

    Police is an address attached to the commune (COM-2), not an account: a plain
    message with the alert, its author's real name (ACC-5), the community and a link.
    Nothing else about the author: the privacy matrix gives police no more than that.
    """
    alert = (
        Alert.objects.select_related("commune", "community", "author", "corrects")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or alert.community_id is None:
        return 0
    commune = alert.commune
    if not (commune.is_partner and commune.police_email):
        return 0
    from modules.alerts.services import alert_url

    context = {
        "alert": alert,
        "commune": commune,
        "author_name": alert_author_name(alert.author),
        "community": alert.community,
        "url": alert_url(alert),
        "police_name": commune.police_name,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("alerts/email/police_subject.txt", context)
        text = render_to_string("alerts/email/police.txt", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()),
        text,
        sender_for(commune),
        [commune.police_email],
        headers={"Auto-Submitted": "auto-generated", "X-Priority": "1"},
    )
    return message.send()
