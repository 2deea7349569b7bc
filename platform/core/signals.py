"""Extension points that only reach modules switched on for the commune.

``CommuneModuleSignal.send(commune, …)`` calls receivers defined in the core
always, and receivers defined in a module only when that module is on for the
commune: menus, home-page panels and feeds of a disabled module vanish without
the module checking anything.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.apps import apps
from django.dispatch import Signal
from django.utils.module_loading import import_string

from core.modules import registry

_SKIPPED = object()  # what a guarded receiver answers for a commune that has its module off


def module_label_of(receiver) -> str | None:
    """The label of the module that defines ``receiver``, or None for the core."""
    function = getattr(receiver, "__func__", receiver)
    module_path = getattr(function, "__module__", "") or ""
    config = apps.get_containing_app_config(module_path)
    if config is None:
        return None
    module = registry.for_app(config.label)
    return module.module_label if module else None


def _receiver_id(receiver):
    if hasattr(receiver, "__self__") and hasattr(receiver, "__func__"):
        return (id(receiver.__self__), id(receiver.__func__))
    return id(receiver)


class _Guarded:
    """A receiver wrapped when it is connected: it runs only where its module is on.

    Every send method of Django's ``Signal`` calls receivers the same way, so wrapping
    them guards ``send``, ``send_robust``, ``asend`` and ``asend_robust`` alike without
    touching the signal's private receiver list.
    """

    def __init__(self, receiver, weak: bool) -> None:
        if weak:
            is_method = hasattr(receiver, "__self__") and hasattr(receiver, "__func__")
            self._ref: Callable[[], Any] = (weakref.WeakMethod if is_method else weakref.ref)(
                receiver
            )
        else:
            self._ref = lambda: receiver
        self._label: str | object | None = _SKIPPED  # computed at the first call

    @property
    def receiver(self):
        return self._ref()

    def label(self, receiver) -> str | None:
        if self._label is _SKIPPED:
            self._label = module_label_of(receiver)
        # _SKIPPED is replaced above, on first use: what remains is str or None.
        return self._label  # type: ignore[return-value]


def _guard(receiver, weak: bool):
    state = _Guarded(receiver, weak)
    guarded: Callable[..., Any]
    if iscoroutinefunction(receiver):

        async def guarded_async(*, signal, sender, **named):
            original = state.receiver
            if original is None:
                return _SKIPPED
            label = state.label(original)
            if label is not None and not await sync_to_async(registry.is_enabled)(sender, label):
                return _SKIPPED
            return await original(signal=signal, sender=sender, **named)

        guarded = markcoroutinefunction(guarded_async)
    else:

        def guarded_sync(*, signal, sender, **named):
            original = state.receiver
            if original is None:
                return _SKIPPED
            label = state.label(original)
            if label is not None and not registry.is_enabled(sender, label):
                return _SKIPPED
            return original(signal=signal, sender=sender, **named)

        guarded = guarded_sync
    guarded.state = state  # type: ignore[union-attr]  # read back by CommuneModuleSignal
    return guarded


class CommuneModuleSignal(Signal):
    """A signal whose sender is a commune: receivers defined in a module run only for
    communes that have that module on (pretix's ``EventPluginSignal`` idea).

    Receivers are wrapped at connect time; the four send methods drop the answers of
    receivers that were skipped and give back the original receiver, so callers see
    ``[(receiver, response), …]`` exactly as with a plain signal.
    """

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
        uid = dispatch_uid or ("commune-module-signal", _receiver_id(receiver))
        super().connect(_guard(receiver, weak), sender=sender, weak=False, dispatch_uid=uid)
        if weak:  # forget the wrapper with the receiver, as Django does for weak ones
            owner = getattr(receiver, "__self__", receiver)
            weakref.finalize(owner, self.disconnect, None, sender, uid)

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None):
        uid = dispatch_uid or ("commune-module-signal", _receiver_id(receiver))
        return super().disconnect(sender=sender, dispatch_uid=uid)

    @staticmethod
    def _answers(responses):
        return [
            (guarded.state.receiver, response)
            for guarded, response in responses
            if response is not _SKIPPED
        ]

    def send(self, sender, **named):  # sender is the commune
        return self._answers(super().send(sender, **named))

    def send_robust(self, sender, **named):
        return self._answers(super().send_robust(sender, **named))

    async def asend(self, sender, **named):
        return self._answers(await super().asend(sender, **named))

    async def asend_robust(self, sender, **named):
        return self._answers(await super().asend_robust(sender, **named))


def connect_module_receivers() -> None:
    """Connect the receivers modules declare (``home_panels``, ``site_banners``)."""
    for attribute, signal in (
        ("home_panels", commune_home_panels),
        ("site_banners", commune_site_banners),
        ("feed_pins", commune_feed_pins),
    ):
        for module, dotted in registry.contributions(attribute):
            signal.connect(
                import_string(dotted),
                weak=False,
                dispatch_uid=f"{module.module_label}.{attribute}.{dotted}",
            )


# Panels on a commune's home page: receivers return a (order, template, context)
# tuple or None. Keyword arguments: request.
commune_home_panels = CommuneModuleSignal()


@dataclass(frozen=True)
class SiteBanner:
    """What a module shows above every page of the commune's site, and in the app's feed.

    ``template`` is included by ``base.html`` with ``panel=context``; ``entries`` are the
    same items for the API's feed (``api.v1.feed``): dicts with ``kind``, ``id``,
    ``title``, ``text``, ``url`` (absolute, on the commune's site) and ``created_at``.
    """

    order: int
    template: str
    context: dict
    entries: tuple[dict, ...] = field(default_factory=tuple)
    module: str = ""  # set by site_banners(): the label of the module that sent it


# Banners above every page of a commune's site and on top of the app's feed (the town
# hall's unread alerts): receivers return a SiteBanner or None. Keyword arguments:
# request (a Django or DRF request; its user may be anonymous). Receivers of a module
# switched off for the commune are not called.
commune_site_banners = CommuneModuleSignal()


def site_banners(commune, request) -> list[SiteBanner]:
    """The banners of ``commune`` for ``request``'s person, in order."""
    if commune is None:
        return []
    banners = [
        replace(banner, module=module_label_of(receiver) or "")
        for receiver, banner in commune_site_banners.send(commune, request=request)
        if banner is not None
    ]
    return sorted(banners, key=lambda banner: banner.order)


@dataclass(frozen=True)
class FeedPin:
    """What a module pins above the commune's feed for one person until they act on it
    (an open poll they have not answered): on top of the commune's home page and in the
    ``pinned`` list of the API's feed (``api.v1.communes.CommuneFeed``).

    ``template`` is included by the home page with ``panel=context``; ``entries`` are the
    same items for the API: dicts with ``kind``, ``id``, ``title``, ``text``, ``url``
    (absolute, on the commune's site) and ``until`` (when the pin goes by itself, or None).
    """

    order: int
    template: str
    context: dict
    entries: tuple[dict, ...] = field(default_factory=tuple)
    module: str = ""  # set by feed_pins(): the label of the module that sent it


# Pins above the commune's feed: receivers return a FeedPin or None. Keyword arguments:
# request (a Django or DRF request; its user may be anonymous). Receivers of a module
# switched off for the commune are not called.
commune_feed_pins = CommuneModuleSignal()


def feed_pins(commune, request) -> list[FeedPin]:
    """The pins of ``commune`` for ``request``'s person, in order."""
    if commune is None:
        return []
    pins = [
        replace(pin, module=module_label_of(receiver) or "")
        for receiver, pin in commune_feed_pins.send(commune, request=request)
        if pin is not None
    ]
    return sorted(pins, key=lambda pin: pin.order)


# Abuse control held an item for review (``core.abuse``: the same text posted many times
# within an hour): the writing app saved it hidden (``hidden_at``) and sends this so the
# moderators see it in their queue. Keyword arguments: ``kind`` (the ReportableKind key),
# ``instance``, ``reason`` (a short key: "repeated_text").
content_held = Signal()
