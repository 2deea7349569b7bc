"""One backend per destination, by the longest matching E.164 prefix in ``SMS_ROUTES``."""

import logging
import re
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications.sms import SmsBackend, SmsMessage, SmsResult, mask_number
from notifications.sms_http.base import (
    _plus,
    scrub,
)

logger = logging.getLogger("voisinage.sms")


class RoutingSmsBackend(SmsBackend):
    """Chooses a backend per destination by the longest E.164 prefix in ``SMS_ROUTES``.

    ``SMS_ROUTES`` maps prefixes ("+225", "+33") to backend paths, and ``"default"``
    to the backend for every other number (no default: those messages fail, not
    permanently). A batch is split per backend (and in chunks of that backend's
    ``max_batch_size``); results come back in the order of the messages. Backends are
    built on first use, so an unconfigured provider only matters when a number needs
    it (then ``ImproperlyConfigured``, before anything is sent).
    """

    def __init__(self, routes: Mapping[str, str] | None = None) -> None:
        if routes is None:
            routes = getattr(settings, "SMS_ROUTES", None) or {}
        self.default = routes.get("default") or ""
        self.routes: dict[str, str] = {}
        for prefix, path in routes.items():
            if prefix == "default":
                continue
            if not re.fullmatch(r"\+\d{1,6}", prefix):
                raise ImproperlyConfigured(f"SMS_ROUTES: {prefix!r} is not an E.164 prefix.")
            self.routes[prefix] = path
        self._backends: dict[str, SmsBackend] = {}

    def route(self, number: str) -> str:
        """The backend path for ``number`` ("" when no route matches)."""
        number = re.sub(r"[^\d+]", "", _plus(number))
        matching = [prefix for prefix in self.routes if number.startswith(prefix)]
        return self.routes[max(matching, key=len)] if matching else self.default

    def backend(self, path: str) -> SmsBackend:
        if path not in self._backends:
            try:
                backend_class = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"SMS_ROUTES: {path!r} cannot be imported.") from exc
            self._backends[path] = backend_class()
        return self._backends[path]

    def backend_for(self, number: str) -> SmsBackend | None:
        path = self.route(number)
        return self.backend(path) if path else None

    # A property over the base class's attribute: computed from the routed backends.
    @property
    def max_batch_size(self) -> int:  # type: ignore[override]
        """Any batch is split per backend, so the largest of the routed backends' sizes.

        Read on the classes: asking must not require every provider's credentials.
        """
        sizes = []
        for path in {*self.routes.values(), self.default} - {""}:
            try:
                size = getattr(import_string(path), "max_batch_size", None)
            except ImportError:
                continue
            if isinstance(size, int):
                sizes.append(size)
        return max(sizes, default=SmsBackend.max_batch_size)

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        results: list[SmsResult | None] = [None] * len(messages)
        groups: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            path = self.route(message.to)
            if not path:
                results[index] = SmsResult(message, ok=False, error="no SMS route for this number")
                logger.warning("sms: no route for %s", mask_number(message.to))
                continue
            groups.setdefault(path, []).append(index)
        backends = {path: self.backend(path) for path in groups}  # configuration errors first
        for path, indexes in groups.items():
            backend = backends[path]
            size = max(1, backend.max_batch_size)
            for start in range(0, len(indexes), size):
                chunk = indexes[start : start + size]
                batch = [messages[i] for i in chunk]
                try:
                    sent = backend.send_batch(batch)
                except Exception as exc:
                    # One provider's bug must not lose the other providers' results.
                    logger.error("sms: %s failed: %s %s", path, type(exc).__name__, scrub(exc))
                    error = f"{type(exc).__name__} in {path}"
                    sent = [SmsResult(m, ok=False, error=error) for m in batch]
                for index, result in zip(chunk, sent, strict=True):
                    results[index] = result
        return [r for r in results if r is not None]
