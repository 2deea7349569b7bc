"""Inbound SMS (ALR-1): a member texts their alert to the platform's number.

The provider calls ``/webhooks/alerts/sms/<provider>/`` (``inbound_views``), on any
host and without the per-commune guard: the commune is the sender's. The view hands
the request to :func:`parse_inbound`, then the message to :func:`receive_sms`.

:func:`parse_inbound` reads one provider's request into an :class:`InboundSms`, or
raises ``InvalidSignature`` (answer 403: it cannot be shown to come from the provider)
or ``InvalidCallback`` (answer 400: not an inbound SMS we can read), the exceptions of
the status callbacks (``notifications.sms_http``):

* **twilio**: a form POST with ``From``, ``Body`` and ``MessageSid`` (or ``SmsSid``),
  signed with ``X-Twilio-Signature`` and checked with ``SMS_TWILIO["AUTH_TOKEN"]``
  exactly as Twilio's status callbacks are (the full URL Twilio called, with or
  without its default port, and the form fields);
* **orange**: a JSON POST, ``{"inboundSMSMessageNotification": {"inboundSMSMessage":
  {"senderAddress": "tel:+225…", "destinationAddress": "…", "message": "…",
  "messageId": "…", "dateTime": "…"}}}``, authenticated by the secret of its URL
  (``?token=<SMS_CALLBACK_TOKEN>``, ``verify_callback_token``);
* **ovh**: OVH's callback for incoming SMS, a GET (query string) or a POST (form
  body, else the query string) with ``senderid`` (or ``sender``, or ``from``: the
  sender's number), ``message`` (or ``text``) and ``id`` (OVH's id of the message,
  optional), authenticated by ``?token=<SMS_CALLBACK_TOKEN>`` in the URL. Other
  parameters (``date``, ``tag``…) are ignored.

Numbers become E.164 with ``phonenumbers`` ("tel:" prefix, "00" for "+", spaces
and separators; a national number is read as French for OVH and Ivorian for
Orange); a number that is not a valid phone number is ``InvalidCallback``.

:func:`receive_sms` applies the rules and returns an :class:`Outcome` (for logs and
tests). In this order:

1. **Idempotency.** A provider sending the same message again (same provider, same
   id; a retry after a timeout) changes nothing: the first delivery claims the id in
   Django's cache for a day (``cache.add``, atomic), later ones are ``duplicate``.
   The claim is released if handling the message fails with an unexpected error, so
   the provider's retry is handled. The alert model has no column for a provider's
   id, hence the cache rather than the database; this protects across processes only
   when ``CACHES`` is shared (Redis, Memcached), not with the per-process default.
2. **Flood throttle.** A number may send ``ALERTS_INBOUND_SMS_PER_NUMBER`` messages
   every ``ALERTS_INBOUND_SMS_WINDOW_SECONDS`` (0 turns the limit off), counted in the
   cache under the number's blind index, never the number itself. Beyond, messages
   are dropped without a reply (replying to a flood costs money) and logged with
   the number masked. Other numbers are unaffected.
   **STOP** (the whole text is STOP, ARRET or ARRÊT, any case) comes next: every
   open account with the number stops receiving alert SMS (``accepts_sms`` off,
   ALR-3), a reply confirms and says how to turn them on again; an unknown number
   gets no reply.
3. **The account.** Open accounts whose mobile is the sender's number
   (``accounts.selectors.accounts_with_mobile``, an indexed blind-index lookup).
   None: a reply explains how to register. Several (a household, a second home
   sharing one mobile): a reply asks to alert from the website or the app, since
   we cannot tell who writes.
4. **The community.** Not a member of one (``community_of``): a reply says so.
   The alerts module off for its commune: a polite reply, nothing sent.
5. **The alert.** ``send_community_alert(source=SMS)``, every rule of the website
   applies; its refusals (``ValidationError``: empty, too long, rate limits;
   ``PermissionDenied``) are replied with their message; success is confirmed with
   the number of people reached.

Replies are SMS for the purpose ``REPLY``, in the platform's language, short (one
SMS where possible). They leave after the transaction commits, through a django-q2
task (:func:`send_reply`); the number travels to the task encrypted
(``FIELD_ENCRYPTION_KEYS``), since django-q2 keeps tasks' arguments in its tables.
Nothing here logs a number in full, nor the text of a message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.crypto import blind_index, field_fernet
from accounts.selectors import accounts_with_mobile, normalise_phone
from accounts.services import sms_consent_set
from communities.selectors import community_of
from core.countries import emergency_sentence
from core.modules import registry
from modules.alerts.models import Alert
from modules.alerts.services import send_community_alert
from notifications.sms import SmsPurpose, mask_number, send_sms
from notifications.sms_http import (
    InvalidCallback,
    InvalidSignature,
    json_body,
    twilio_signature,
    url_variants,
    verify_callback_token,
)

logger = logging.getLogger(__name__)

PROVIDERS = ("orange", "ovh", "twilio")
# Where a provider may send a number without its country code.
NATIONAL_REGION = {"orange": "CI", "ovh": "FR"}
SEEN_TIMEOUT = 24 * 60 * 60  # a provider's retries stop long before a day
_SEPARATORS = re.compile(r"[\s.()/-]")


@dataclass(frozen=True)
class InboundSms:
    """One SMS received: the sender's E.164 number, its text, the provider's id for it."""

    sender: str
    text: str
    provider_id: str
    provider: str = ""


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    THROTTLED = "throttled"
    UNKNOWN_NUMBER = "unknown_number"
    SHARED_NUMBER = "shared_number"
    NO_COMMUNITY = "no_community"
    MODULE_OFF = "module_off"
    REFUSED = "refused"
    SMS_STOPPED = "sms_stopped"


# ALR-3: answering STOP to an alert SMS withdraws the consent to alert SMS.
STOP_WORDS = frozenset({"STOP", "ARRET", "ARRÊT", "STOP SMS", "STOP ALERTES"})


# --- Reading the providers' requests ------------------------------------------------------


def parse_inbound(provider: str, request) -> InboundSms:
    """The SMS ``request`` carries; ``InvalidSignature`` or ``InvalidCallback`` otherwise."""
    parser = _PARSERS.get(provider)
    if parser is None:
        raise InvalidCallback(f"unknown provider {provider!r}")
    return parser(request)


def e164(number: str, *, region: str | None = None) -> str:
    """``number`` as a provider writes it, in E.164; ``InvalidCallback`` if it is none."""
    text = _SEPARATORS.sub("", str(number or ""))
    if text.lower().startswith("tel:"):
        text = text[4:]
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text:
        raise InvalidCallback("no sender number")
    candidates = [text]
    if not text.startswith("+") and text.isdigit():
        candidates.append("+" + text)  # a country code without its "+"
    for candidate in candidates:
        normalised = normalise_phone(candidate, region)
        if normalised:
            return normalised
    raise InvalidCallback("the sender is not a valid phone number")


def _parse_twilio(request) -> InboundSms:
    if request.method != "POST":
        raise InvalidCallback("Twilio posts inbound messages")
    _check_twilio_signature(request)
    data = request.POST
    sid = data.get("MessageSid") or data.get("SmsSid") or ""
    if not sid or "From" not in data or "Body" not in data:
        raise InvalidCallback("no MessageSid, From or Body")
    return InboundSms(
        sender=e164(data["From"]), text=data["Body"], provider_id=sid, provider="twilio"
    )


def _check_twilio_signature(request) -> None:
    """As ``TwilioSmsBackend.parse_status_callback`` checks status callbacks."""
    config = getattr(settings, "SMS_TWILIO", None) or {}
    auth_token = str(config.get("AUTH_TOKEN") or "")
    given = request.headers.get("X-Twilio-Signature", "")
    if not auth_token or not given:
        raise InvalidSignature("missing Twilio signature or AUTH_TOKEN")
    expected = [
        twilio_signature(auth_token, candidate, request.POST)
        for candidate in url_variants(request.build_absolute_uri())
    ]
    given_bytes = given.encode("utf-8", "replace")
    # Every candidate compared, whatever the first outcome: no timing difference.
    matches = [hmac.compare_digest(sig.encode(), given_bytes) for sig in expected]
    if not any(matches):
        raise InvalidSignature("wrong Twilio signature")


def _parse_orange(request) -> InboundSms:
    if request.method != "POST":
        raise InvalidCallback("Orange posts inbound messages")
    verify_callback_token(request)
    notification = json_body(request).get("inboundSMSMessageNotification")
    message = notification.get("inboundSMSMessage") if isinstance(notification, dict) else None
    if not isinstance(message, dict):
        raise InvalidCallback("no inboundSMSMessageNotification.inboundSMSMessage")
    sender, text = message.get("senderAddress"), message.get("message")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise InvalidCallback("no senderAddress or message")
    return InboundSms(
        sender=e164(sender, region=NATIONAL_REGION["orange"]),
        text=text,
        provider_id=str(message.get("messageId") or ""),
        provider="orange",
    )


def _parse_ovh(request) -> InboundSms:
    verify_callback_token(request)
    params = request.POST if request.method == "POST" and request.POST else request.GET

    def first(*names: str) -> str | None:
        return next((str(params[n]) for n in names if n in params), None)

    sender, text = first("senderid", "sender", "from"), first("message", "text")
    if not sender or text is None:
        raise InvalidCallback("no senderid or message")
    return InboundSms(
        sender=e164(sender, region=NATIONAL_REGION["ovh"]),
        text=text,
        provider_id=(first("id") or "").strip(),
        provider="ovh",
    )


_PARSERS = {"orange": _parse_orange, "ovh": _parse_ovh, "twilio": _parse_twilio}


# --- The rules ---------------------------------------------------------------------------


def receive_sms(inbound: InboundSms) -> Outcome:
    """Send the alert ``inbound`` carries, or tell its sender why not; see the docstring."""
    masked = mask_number(inbound.sender)
    seen_key = _seen_key(inbound)
    if seen_key and not cache.add(seen_key, True, timeout=SEEN_TIMEOUT):
        logger.info("alerts: inbound SMS %s from %s already received", inbound.provider, masked)
        return Outcome.DUPLICATE
    try:
        if _throttled(inbound.sender):
            logger.warning("alerts: inbound SMS from %s dropped: too many messages", masked)
            return Outcome.THROTTLED
        with translation.override(settings.LANGUAGE_CODE):
            outcome, reply = _handle(inbound)
    except Exception:
        if seen_key:  # let the provider's retry be handled
            cache.delete(seen_key)
        raise
    if reply:
        queue_reply(inbound.sender, reply)
    logger.info("alerts: inbound SMS %s from %s: %s", inbound.provider, masked, outcome)
    return outcome


def is_stop(text: str) -> bool:
    return " ".join(text.replace(".", " ").replace("!", " ").split()).upper() in STOP_WORDS


def _handle(inbound: InboundSms) -> tuple[Outcome, str]:
    if is_stop(inbound.text):
        return _stop(inbound)
    accounts = list(accounts_with_mobile(inbound.sender)[:2])
    if not accounts:
        # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
        # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
        text = _(
            "Unknown number. To alert by SMS, create an account with this mobile number "
            "on %(url)s, then join a community."
        )
        return Outcome.UNKNOWN_NUMBER, text % {"url": _site_url("accounts:register")}
    if len(accounts) > 1:
        # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
        # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
        text = _(
            "This number belongs to several accounts: send your alert from the website or the app."
        )
        return Outcome.SHARED_NUMBER, text
    user = accounts[0]
    community = community_of(user)
    if community is None:
        # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
        # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
        text = _("You are not a member of any community: join one on %(url)s to send alerts.")
        return Outcome.NO_COMMUNITY, text % {"url": _site_url()}
    if not registry.is_enabled(community.commune, "alerts"):
        # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
        # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
        text = _("We are sorry: alerts by SMS are not available in your commune.")
        return Outcome.MODULE_OFF, text
    try:
        alert = send_community_alert(author=user, text=inbound.text, source=Alert.Source.SMS)
    except ValidationError as exc:
        return Outcome.REFUSED, " ".join(str(m) for m in exc.messages)
    except PermissionDenied as exc:  # the module or the membership changed meanwhile
        return Outcome.REFUSED, str(exc) or _("Your alert could not be sent.")
    # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
    # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
    text = ngettext(
        "Your alert was sent to %(count)d neighbour.",
        "Your alert was sent to %(count)d neighbours.",
        alert.recipients,
    ) % {"count": alert.recipients}
    # ALR-7: the emergency numbers of the commune's country.
    return Outcome.SENT, f"{text} {emergency_sentence(community.commune.country)}"


def _stop(inbound: InboundSms) -> tuple[Outcome, str]:
    """Alert SMS off for every open account with the sender's number (ALR-3)."""
    accounts = list(accounts_with_mobile(inbound.sender))
    for account in accounts:
        sms_consent_set(user=account, accepts=False)
    if not accounts:
        return Outcome.SMS_STOPPED, ""  # nobody to stop: replying would only cost
    # Translators: an SMS reply. Keep it short (160 characters) and in the GSM
    # alphabet: straight apostrophe, no ê, â, ô, î, û, ç.
    text = _(
        "You will no longer receive alerts by SMS. To receive them again: your profile on %(url)s"
    )
    return Outcome.SMS_STOPPED, text % {"url": _site_url("accounts:profile")}


def _site_url(name: str | None = None) -> str:
    """The platform's address (``WAGTAILADMIN_BASE_URL``), or one of its pages."""
    from notifications.links import absolute_url

    return absolute_url(None, reverse(name)) if name else absolute_url(None, "/")


def _seen_key(inbound: InboundSms) -> str:
    if not inbound.provider_id:
        return ""
    digest = hashlib.sha256(f"{inbound.provider}:{inbound.provider_id}".encode()).hexdigest()
    return f"alerts:inbound:seen:{digest}"


def _throttled(number: str) -> bool:
    """One more message from ``number``; ``True`` when it is over the limit."""
    limit = settings.ALERTS_INBOUND_SMS_PER_NUMBER
    if not limit:
        return False
    window = settings.ALERTS_INBOUND_SMS_WINDOW_SECONDS
    key = f"alerts:inbound:count:{blind_index(number)}"
    cache.add(key, 0, timeout=window)  # the window starts with the first message
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=window)
        count = 1
    return count > limit


# --- Replies -----------------------------------------------------------------------------


def queue_reply(number: str, text: str) -> None:
    """Reply ``text`` to ``number`` by SMS once the current transaction commits."""
    sealed = field_fernet().encrypt(number.encode()).decode()
    transaction.on_commit(lambda: _queue(sealed, text), robust=True)


def _queue(sealed: str, text: str) -> None:
    from django_q.tasks import async_task

    async_task("modules.alerts.inbound.send_reply", sealed, text, group="alerts-sms-replies")


def send_reply(sealed: str, text: str) -> int:
    """The task: one SMS (purpose ``REPLY``) to the encrypted number ``sealed``."""
    number = field_fernet().decrypt(sealed.encode()).decode()
    return send_sms(number, text, purpose=SmsPurpose.REPLY)
