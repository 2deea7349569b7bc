"""Notification e-mails: HTML + text in French, the commune's name and logo (NOT-4).

Two ways to hand a batch to the provider, both through Django's e-mail API, so any
django-anymail ESP (or SMTP, or the console in the demo) works:

* one message per recipient over one connection (the default, and what the console,
  locmem and SMTP backends can do);
* one anymail *batch send* per batch when ``NOTIFICATIONS_EMAIL_MERGE_FIELD`` names the
  ESP's merge-field syntax (``"%recipient.{}%"`` for Mailgun, ``"{{{{{}}}}}"`` for
  Brevo…): the body is rendered once with merge fields and ``merge_data`` carries each
  recipient's name and signed links. Anymail sends it as a batch: each recipient gets
  their own message and never sees the others' addresses.

Non-alert mail carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058):
one click turns the rubric's e-mails off. Alerts carry none (ALR-6).

A kind may word its own e-mail: ``notifications/email/kinds/<kind>_subject.txt``,
``<kind>.txt`` and ``<kind>.html`` (all three), rendered with the event's ``data`` and the
same signed links; otherwise the generic ``event`` templates show the title and text.
``event.data["links"]`` (name → path on the site) adds links besides ``event.url``, each
signed for its recipient (``links.<name>`` in the templates).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from notifications import links
from notifications.kinds import kinds


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    name: str


def sender_for(commune) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if commune is None:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((f"{commune.name} – {name or settings.WAGTAIL_SITE_NAME}", address))


def logo_url(commune) -> str:
    if commune is None or not commune.logo_id:
        return ""
    try:
        rendition = commune.logo.get_rendition("max-240x96")
    except Exception:  # a missing file must not stop the mail
        return ""
    url = rendition.url
    return url if url.startswith("http") else links.absolute_url(commune, url)


def _common_context(event, commune) -> dict:
    rubric = kinds.rubric_of(event.kind)
    return {
        "event": event,
        "commune": commune,
        "commune_name": commune.name if commune else settings.WAGTAIL_SITE_NAME,
        "logo_url": logo_url(commune),
        "rubric": rubric,
        "locked": rubric.locked,
        "alert": rubric.sms,
        "preferences_url": links.absolute_url(commune, reverse("notifications:preferences")),
        "platform_name": settings.WAGTAIL_SITE_NAME,
    }


def _render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``template`` (a path without its ending)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split()), text, html


def event_template(kind: str) -> str:
    """The kind's own templates when it has them, else the generic event's."""
    own = f"notifications/email/kinds/{kind}"
    try:
        get_template(f"{own}.txt")
    except TemplateDoesNotExist:
        return "notifications/email/event"
    return own


def _extra_links(event) -> dict[str, str]:
    extra = (event.data or {}).get("links") or {}
    return {str(name): path for name, path in extra.items() if isinstance(path, str)}


def _unsubscribe_headers(url: str) -> dict:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def event_message(event, recipient: Recipient, *, context: dict | None = None):
    """The e-mail of ``event`` for one recipient, links signed for them."""
    commune = event.commune
    context = dict(context or _common_context(event, commune))
    context["recipient_name"] = recipient.name
    context["link"] = (
        links.signed_url(commune, recipient.user_id, event.url, event.pk) if event.url else ""
    )
    context["links"] = {
        name: links.signed_url(commune, recipient.user_id, path, event.pk)
        for name, path in _extra_links(event).items()
    }
    headers = {}
    if not context["locked"]:
        context["unsubscribe_url"] = links.unsubscribe_url(
            commune, recipient.user_id, context["rubric"].key
        )
        headers = _unsubscribe_headers(context["unsubscribe_url"])
    subject, text, html = _render(event_template(event.kind), context)
    message = EmailMultiAlternatives(
        subject, text, sender_for(commune), [recipient.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def merge_field(name: str) -> str:
    return settings.NOTIFICATIONS_EMAIL_MERGE_FIELD.format(name)


def event_batch_message(event, recipients: list[Recipient]):
    """One anymail batch send for ``recipients`` (``NOTIFICATIONS_EMAIL_MERGE_FIELD`` set)."""
    from anymail.message import AnymailMessage

    commune = event.commune
    context = _common_context(event, commune)
    context["recipient_name"] = merge_field("name")
    context["link"] = merge_field("link") if event.url else ""
    extra = _extra_links(event)
    context["links"] = {name: merge_field(f"link_{name}") for name in extra}
    headers = {}
    if not context["locked"]:
        context["unsubscribe_url"] = merge_field("unsubscribe")
        headers = _unsubscribe_headers(context["unsubscribe_url"])
    subject, text, html = _render(event_template(event.kind), context)
    merge_data = {}
    for recipient in recipients:
        row = {"name": recipient.name}
        if event.url:
            row["link"] = links.signed_url(commune, recipient.user_id, event.url, event.pk)
        for name, path in extra.items():
            row[f"link_{name}"] = links.signed_url(commune, recipient.user_id, path, event.pk)
        if not context["locked"]:
            row["unsubscribe"] = links.unsubscribe_url(
                commune, recipient.user_id, context["rubric"].key
            )
        merge_data[recipient.email] = row
    message = AnymailMessage(
        subject=subject,
        body=text,
        from_email=sender_for(commune),
        to=[r.email for r in recipients],
        headers=headers,
        merge_data=merge_data,
        merge_global_data={},
        tags=[event.kind.split(".")[0]],
        metadata={"event": str(event.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message


def common_context(event) -> dict:
    return _common_context(event, event.commune)


def digest_message(user, commune, frequency: str, items: list, *, context_extra=None):
    rubric_keys = sorted({kinds.rubric_of(event.kind).key for event, _ in items})
    context = {
        "commune": commune,
        "commune_name": commune.name if commune else settings.WAGTAIL_SITE_NAME,
        "logo_url": logo_url(commune),
        "recipient_name": user.first_name or user.get_full_name(),
        "frequency": frequency,
        "items": [
            {
                "event": event,
                "link": (
                    links.signed_url(event.commune or commune, user.pk, event.url, event.pk)
                    if event.url
                    else ""
                ),
            }
            for event, _ in items
        ],
        "preferences_url": links.absolute_url(commune, reverse("notifications:preferences")),
        "unsubscribe_url": links.unsubscribe_url(commune, user.pk, "digest:" + frequency),
        "platform_name": settings.WAGTAIL_SITE_NAME,
        "rubrics": rubric_keys,
        **(context_extra or {}),
    }
    subject, text, html = _render("notifications/email/digest", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        sender_for(commune),
        [user.email],
        headers=_unsubscribe_headers(context["unsubscribe_url"]),
    )
    message.attach_alternative(html, "text/html")
    return message
