"""Extension points that only reach modules switched on for the commune.

``CommuneModuleSignal.send(commune, …)`` calls receivers defined in the core
always, and receivers defined in a module only when that module is on for the
commune: menus, home-page panels and feeds of a disabled module vanish without
the module checking anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.apps import apps
from django.dispatch import Signal

from core.modules import registry


class CommuneModuleSignal(Signal):
    def _module_label_of(self, receiver) -> str | None:
        module_path = getattr(receiver, "__module__", "") or ""
        config = apps.get_containing_app_config(module_path)
        if config is None:
            return None
        module = registry.for_app(config.label)
        return module.module_label if module else None

    def send(self, sender, **named):  # sender is the commune
        if not self.receivers or self.sender_receivers_cache.get(sender) is list():
            return []
        responses = []
        for receiver in self._live_receivers(sender)[0]:
            label = self._module_label_of(receiver)
            if label is not None and not registry.is_enabled(sender, label):
                continue
            responses.append((receiver, receiver(signal=self, sender=sender, **named)))
        return responses


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
        replace(banner, module=commune_site_banners._module_label_of(receiver) or "")
        for receiver, banner in commune_site_banners.send(commune, request=request)
        if banner is not None
    ]
    return sorted(banners, key=lambda banner: banner.order)
