"""OVHcloud SMS API (France): signed requests, one job per batch."""

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from django.core.cache import cache

from notifications.sms import SmsMessage, SmsResult
from notifications.sms_http.base import (
    HttpSmsBackend,
    InvalidCallback,
    ProviderError,
    SmsStatus,
    _json,
    _plus,
    scrub,
    verify_callback_token,
)

logger = logging.getLogger("voisinage.sms")


# GSM 03.38: what "7bit" can carry (the extension table costs two septets a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_coding(body: str) -> str:
    """``"7bit"`` when GSM 03.38 can carry ``body``, else ``"8bit"`` (OVH then sends UCS-2).

    French often needs 8bit: "ê", "â", "ô", "ç" and the typographic apostrophe are not
    in the GSM alphabet, and such a message holds 70 characters a part instead of 160.
    """
    allowed = GSM7_BASIC | GSM7_EXTENSION
    return "7bit" if all(c in allowed for c in body) else "8bit"


@dataclass(frozen=True)
class SmsResultFields:
    """An ``SmsResult`` before it is tied to its message (one per OVH receiver)."""

    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False


class OvhSmsBackend(HttpSmsBackend):
    """OVHcloud SMS (France), through the signed OVH API.

    Settings ``SMS_OVH``: ``APPLICATION_KEY``, ``APPLICATION_SECRET``, ``CONSUMER_KEY``
    (an application and a consumer key allowed ``POST /sms/*/jobs``),
    ``SERVICE_NAME`` (the SMS account, ``sms-xx12345-1``), ``SENDER`` (a sender
    OVH has validated; empty: a short number that can receive replies,
    ``senderForResponse``), ``NO_STOP_CLAUSE`` (default ``True``), ``BASE_URL``
    (default ``https://eu.api.ovh.com``).

    Quirks:

    * Each call is signed: ``X-Ovh-Signature`` is ``"$1$"`` and the SHA-1 hex of
      ``secret+consumer key+METHOD+full URL+body+timestamp`` (joined by "+"), the body
      being the exact bytes sent. The timestamp must be OVH's clock: the offset from
      ``GET /1.0/auth/time`` is cached an hour, and fetched again when OVH answers
      ``QUERY_TIME_OUT``. Every attempt is signed anew.
    * One job carries one text to many receivers, so a batch is grouped by body, then
      cut in jobs of ``max_batch_size`` receivers. OVH answers 200 with ``ids``
      (in the order of ``validReceivers``) and ``invalidReceivers``: the latter are
      permanent failures.
    * Without ``noStopClause`` OVH appends "STOP 36xxx" to the text and holds the
      message at night and on Sundays, as for marketing. Alerts, invitations and
      replies are not marketing, hence ``NO_STOP_CLAUSE`` defaults to ``True``.
    * ``coding`` is "7bit" when the GSM alphabet can carry the text, else "8bit".
    * OVH's delivery callback is set once for the account (``PUT /sms/{service}``
      ``callBack``), not per job, and reports only the SMS id, never the number.
    """

    provider = "ovh"
    settings_name = "SMS_OVH"
    default_base_url = "https://eu.api.ovh.com"
    required_keys = ("APPLICATION_KEY", "APPLICATION_SECRET", "CONSUMER_KEY", "SERVICE_NAME")
    max_batch_size = 100
    time_delta_ttl = 3600
    clock: Callable[[], float] = staticmethod(time.time)

    @property
    def jobs_url(self) -> str:
        service = quote(str(self.config["SERVICE_NAME"]), safe="")
        return f"{self.base_url}/1.0/sms/{service}/jobs"

    def _time_delta_key(self) -> str:
        return "sms:ovh:time-delta:" + hashlib.sha256(self.base_url.encode()).hexdigest()[:32]

    def time_delta(self, *, refresh: bool = False) -> int:
        """OVH's clock minus ours, in seconds (cached)."""
        key = self._time_delta_key()
        delta = None if refresh else cache.get(key)
        if delta is None:
            response = self._request(
                lambda: {"method": "GET", "url": f"{self.base_url}/1.0/auth/time"}, "auth/time"
            )
            server_time = _json(response)
            if response.status_code != 200 or not isinstance(server_time, int | float):
                raise ProviderError(f"ovh auth/time failed: HTTP {response.status_code}")
            delta = int(server_time) - int(self.clock())
            cache.set(key, delta, self.time_delta_ttl)
        return delta

    def signature(self, method: str, url: str, body: str, timestamp: str) -> str:
        parts = (
            str(self.config["APPLICATION_SECRET"]),
            str(self.config["CONSUMER_KEY"]),
            method.upper(),
            url,
            body,
            timestamp,
        )
        digest = hashlib.sha1("+".join(parts).encode(), usedforsecurity=False).hexdigest()
        return f"$1${digest}"

    def _signed_headers(self, method: str, url: str, body: str) -> dict[str, str]:
        timestamp = str(int(self.clock()) + self.time_delta())
        return {
            "X-Ovh-Application": str(self.config["APPLICATION_KEY"]),
            "X-Ovh-Consumer": str(self.config["CONSUMER_KEY"]),
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": self.signature(method, url, body, timestamp),
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }

    def job_payload(self, body: str, receivers: Sequence[str]) -> dict:
        payload: dict[str, Any] = {
            "receivers": list(receivers),
            "message": body,
            "noStopClause": bool(self.config.get("NO_STOP_CLAUSE", True)),
            "priority": "high",
            "charset": "UTF-8",
            "coding": sms_coding(body),
        }
        if self.config.get("SENDER"):
            payload["sender"] = str(self.config["SENDER"])
        else:
            payload["senderForResponse"] = True
        return payload

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        results: list[SmsResult | None] = [None] * len(messages)
        by_body: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            by_body.setdefault(message.body, []).append(index)
        abort = ""
        for body, indexes in by_body.items():
            receivers = list(dict.fromkeys(messages[i].to for i in indexes))
            for chunk in _chunks(receivers, self.max_batch_size):
                if abort:
                    outcome = {to: SmsResultFields(ok=False, error=abort) for to in chunk}
                else:
                    try:
                        outcome = self._send_job(body, chunk)
                    except ProviderError as exc:
                        abort = scrub(exc)
                        outcome = {to: SmsResultFields(ok=False, error=abort) for to in chunk}
                for index in indexes:
                    fields = outcome.get(messages[index].to)
                    if fields is not None:
                        results[index] = SmsResult(messages[index], **asdict(fields))
        done = [r for r in results if r is not None]
        self._log_results(done)
        return done

    def _send_job(self, body: str, receivers: list[str]) -> dict[str, SmsResultFields]:
        url = self.jobs_url
        data = json.dumps(self.job_payload(body, receivers), separators=(",", ":"))
        what = f"job for {len(receivers)} receiver(s)"

        def build() -> dict:
            headers = self._signed_headers("POST", url, data)
            return {"method": "POST", "url": url, "data": data.encode(), "headers": headers}

        response = self._request(build, what)
        answer = _json(response)
        if _ovh_error_code(answer) == "QUERY_TIME_OUT":
            logger.info("ovh: timestamp refused, synchronising with OVH's clock again")
            self.time_delta(refresh=True)
            response = self._request(build, what)
            answer = _json(response)
        error = f"HTTP {response.status_code} {_ovh_error(answer)}".strip()
        if response.status_code in (401, 403) or _ovh_error_code(answer) in _OVH_CREDENTIAL_ERRORS:
            raise ProviderError(f"ovh refused the credentials: {error}")
        if response.status_code != 200 or not isinstance(answer, dict):
            return {to: SmsResultFields(ok=False, error=error) for to in receivers}
        return _ovh_job_outcome(answer, receivers)

    @classmethod
    def parse_status_callback(cls, request) -> list[SmsStatus]:
        """OVH's delivery report, authenticated by ``?token=``.

        OVH calls the account's ``callBack`` URL with ``id`` (its SMS id, our
        ``provider_id``), ``ptt`` (the operator's status code), ``date``,
        ``description`` (the report's state: 0 pending, 1 delivered, 2 failed,
        4 waiting, 8 buffered, 16 error/not billed) and ``descriptionDlr``, in the
        query string (or a form body). Older integrations send ``dlr`` or ``status``
        for the state and ``receiver`` or ``number`` for the number; both are read.
        Failed: state 2 or 16, or a ptt that is a final failure (5, 8, 20 and above).
        Permanent: ptt 23 (invalid or barred number) or 27 (handset cannot receive).
        """
        verify_callback_token(request)
        params = request.POST if request.method == "POST" and request.POST else request.GET

        def first(*names: str) -> str:
            return next((str(params[n]).strip() for n in names if params.get(n)), "")

        provider_id = first("id", "smsId")
        state = first("description", "dlr", "status")
        ptt = first("ptt")
        if not provider_id and not first("receiver", "number"):
            raise InvalidCallback("neither an SMS id nor a number")
        if not state and not ptt:
            raise InvalidCallback("no delivery state")
        ptt_code = int(ptt) if ptt.isdigit() else None
        failed = state in {"2", "16"} or (
            ptt_code is not None and ptt_code not in _OVH_PTT_NOT_FAILED
        )
        reason = " ".join(
            part
            for part in (
                f"state {state}" if state else "",
                f"ptt {ptt}" if ptt else "",
                scrub(first("descriptionDlr")),
            )
            if part
        )
        number = first("receiver", "number")
        return [
            SmsStatus(
                to=_plus(number) if number else "",
                provider_id=provider_id,
                failed=failed,
                reason=reason,
                permanent=failed and ptt_code in {23, 27},
            )
        ]


_OVH_CREDENTIAL_ERRORS = {
    "INVALID_SIGNATURE",
    "INVALID_CREDENTIAL",
    "INVALID_KEY",
    "NOT_GRANTED_CALL",
}
_OVH_PTT_NOT_FAILED = {0, 1, 2, 3, 4, 6}  # pending, retrying, accepted, delivered, unknown


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), max(1, size)):
        yield list(items[start : start + size])


def _ovh_error_code(payload: Any) -> str:
    return str(payload.get("errorCode") or "") if isinstance(payload, dict) else ""


def _ovh_error(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    return scrub(" ".join(str(payload[k]) for k in ("errorCode", "message") if payload.get(k)))


def _ovh_job_outcome(answer: dict, receivers: list[str]) -> dict[str, SmsResultFields]:
    """Each receiver's fate from OVH's job answer (numbers compared as "+digits")."""

    def key(number: Any) -> str:
        return re.sub(r"[^\d+]", "", _plus(str(number)))

    invalid = {key(n) for n in answer.get("invalidReceivers") or []}
    valid_list = answer.get("validReceivers")
    ids = answer.get("ids") or []
    valid: dict[str, str] = {}
    if isinstance(valid_list, list):
        paired = len(ids) == len(valid_list)
        for position, number in enumerate(valid_list):
            valid[key(number)] = str(ids[position]) if paired else ""
    outcome = {}
    for to in receivers:
        number = key(to)
        if number in invalid:
            outcome[to] = SmsResultFields(ok=False, error="ovh: invalid receiver", permanent=True)
        elif valid_list is None or number in valid:
            provider_id = valid.get(number, "")
            if not provider_id and len(receivers) == 1 and len(ids) == 1:
                provider_id = str(ids[0])
            outcome[to] = SmsResultFields(ok=True, provider_id=provider_id)
        else:
            outcome[to] = SmsResultFields(ok=False, error="ovh: receiver not acknowledged")
    return outcome


# --- Twilio ---------------------------------------------------------------------------
