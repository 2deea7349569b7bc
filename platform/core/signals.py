"""Extension points that only reach modules switched on for the commune.

``CommuneModuleSignal.send(commune, …)`` calls receivers defined in the core
always, and receivers defined in a module only when that module is on for the
commune: menus, home-page panels and feeds of a disabled module vanish without
the module checking anything.
"""

from __future__ import annotations

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
