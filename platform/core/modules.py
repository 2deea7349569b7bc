"""The module contract, the registry and the one guard for per-commune switches.

A module is a Django app under ``modules/`` whose AppConfig subclasses
:class:`PlatformModule`. The registry discovers modules from INSTALLED_APPS and
validates their metadata at start-up, so a malformed module fails before it
serves anything. Whether a module is on for a commune is a row of
``communes.CommuneModule``; without a row, the module's default applies.

The guard (:func:`guard_view`, :func:`module_urls`, :func:`guard_admin_viewset`)
is applied by the core when it mounts a module's site URLs, API routes and admin
views: no module checks its switch by itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.urls import URLPattern, URLResolver, include
from django.utils.module_loading import import_string

REQUIRED_ATTRIBUTES = ("module_label", "verbose_name", "description", "url_prefix")


@dataclass(frozen=True)
class PeriodicTask:
    """A django-q2 schedule a module contributes (``func`` is a dotted path)."""

    func: str
    minutes: int
    name: str


class PlatformModule(AppConfig):
    """Base AppConfig of every installable module.

    Subclasses set ``default = True`` (apps.py imports this base class too) and
    declare:

    * ``module_label``: stable identifier stored in switch rows (``"classifieds"``);
    * ``verbose_name`` and ``description``: French-first, translatable;
    * ``default_enabled``: whether a commune without a row has it on;
    * ``url_prefix``: the site path on a commune's host (``"annonces"``);
    * ``site_urls`` / ``api_urls``: dotted paths of URL modules, or ``None``;
    * ``webhook_urls``: dotted path of URL patterns served on every host under
      ``/webhooks/<module_label>/`` *without* the guard, for providers that call one
      address for every commune (an inbound SMS): the module finds the commune
      from the request and answers for a switched-off commune itself;
    * ``admin_viewsets``: dotted paths of Wagtail admin ViewSet classes;
    * ``notification_kinds``: ``notifications.kinds.NotificationKind`` entries it emits;
    * ``periodic_tasks``: :class:`PeriodicTask` entries;
    * ``demo_data``: dotted path of ``load(commune, people)`` for ``load_demo``.
    """

    module_label: str = ""
    description = ""
    default_enabled: bool = True
    url_prefix: str = ""
    site_urls: str | None = None
    api_urls: str | None = None
    webhook_urls: str | None = None
    admin_viewsets: tuple[str, ...] = ()
    notification_kinds: tuple = ()  # of notifications.kinds.NotificationKind
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    demo_data: str | None = None

    def validate(self) -> None:
        for attribute in REQUIRED_ATTRIBUTES:
            if not getattr(self, attribute, None):
                raise ImproperlyConfigured(f"Module app {self.name!r} must declare {attribute!r}.")
        if not self.module_label.isidentifier():
            raise ImproperlyConfigured(
                f"Module label {self.module_label!r} of {self.name!r} is not an identifier."
            )
        for task in self.periodic_tasks:
            if not isinstance(task, PeriodicTask):
                raise ImproperlyConfigured(f"{self.name}: periodic_tasks takes PeriodicTask.")


class ModuleRegistry:
    def __init__(self) -> None:
        self._modules: dict[str, PlatformModule] = {}

    def populate(self) -> None:
        modules: dict[str, PlatformModule] = {}
        prefixes: set[str] = set()
        for config in apps.get_app_configs():
            if not isinstance(config, PlatformModule):
                if config.name.startswith("modules."):
                    raise ImproperlyConfigured(
                        f"{config.name} must use a PlatformModule AppConfig "
                        "(set `default = True` on it in apps.py)."
                    )
                continue
            config.validate()
            if config.module_label in modules:
                raise ImproperlyConfigured(f"Two modules use label {config.module_label!r}.")
            if config.url_prefix in prefixes:
                raise ImproperlyConfigured(f"Two modules use URL prefix {config.url_prefix!r}.")
            modules[config.module_label] = config
            prefixes.add(config.url_prefix)
        self._modules = modules

    def __iter__(self):
        return iter(self._modules.values())

    def labels(self) -> list[str]:
        return list(self._modules)

    def get(self, label: str) -> PlatformModule:
        try:
            return self._modules[label]
        except KeyError:
            raise LookupError(f"No module {label!r} is installed.") from None

    def choices(self) -> list[tuple[str, str]]:
        return [(m.module_label, m.verbose_name) for m in self._modules.values()]

    def for_app(self, app_label: str) -> PlatformModule | None:
        for module in self._modules.values():
            if module.label == app_label:
                return module
        return None

    # --- switches ---------------------------------------------------------

    def enabled_labels(self, commune) -> frozenset[str]:
        """Labels of the modules on for ``commune``, cached on the instance."""
        if commune is None:
            return frozenset()
        cached = getattr(commune, "_enabled_modules_cache", None)
        if cached is not None:
            return cached
        prefetched = getattr(commune, "_prefetched_objects_cache", {}).get("module_switches")
        if prefetched is not None:  # lists prefetch the switches: O(1) queries
            rows = {row.module: row.enabled for row in prefetched}
        else:
            CommuneModule = apps.get_model("communes", "CommuneModule")
            rows = dict(
                CommuneModule.objects.filter(commune=commune).values_list("module", "enabled")
            )
        enabled = frozenset(
            label
            for label, module in self._modules.items()
            if rows.get(label, module.default_enabled)
        )
        commune._enabled_modules_cache = enabled
        return enabled

    def is_enabled(self, commune, label: str) -> bool:
        return label in self.enabled_labels(commune)

    def enabled_communes(self, label: str):
        """Queryset of the communes that have ``label`` on (for tasks and lists)."""
        Commune = apps.get_model("communes", "Commune")
        module = self.get(label)
        switched = Commune.objects.filter(module_switches__module=label)
        on = switched.filter(module_switches__enabled=True)
        if module.default_enabled:
            return Commune.objects.exclude(
                pk__in=switched.filter(module_switches__enabled=False).values("pk")
            )
        return Commune.objects.filter(pk__in=on.values("pk"))


registry = ModuleRegistry()


def forget_enabled_cache(commune) -> None:
    commune.__dict__.pop("_enabled_modules_cache", None)


# --- the guard ----------------------------------------------------------------


def guard_view(view: Callable, label: str) -> Callable:
    """Wrap a view so it answers 404 when ``label`` is off for the request's commune.

    The commune comes from ``request.commune`` (host name, set by the tenancy
    middleware, or the API's ``commune_slug`` path argument resolved by
    :func:`core.tenancy.bind_commune_from_path`). A request without a commune
    passes: platform-level screens (the admin on the platform host) scope their
    querysets with :meth:`ModuleRegistry.enabled_communes` instead.
    """

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        from core.tenancy import bind_commune_from_path

        bind_commune_from_path(request, kwargs)
        commune = getattr(request, "commune", None)
        if commune is not None and not registry.is_enabled(commune, label):
            raise Http404("Module disabled for this commune.")
        return view(request, *args, **kwargs)

    guarded.module_label = label
    return guarded


def _guard_patterns(patterns: Iterable, label: str) -> list:
    guarded = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            pattern = URLResolver(
                pattern.pattern,
                _guard_patterns(pattern.url_patterns, label),
                pattern.default_kwargs,
                pattern.app_name,
                pattern.namespace,
            )
        elif isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern,
                guard_view(pattern.callback, label),
                pattern.default_args,
                pattern.name,
            )
        guarded.append(pattern)
    return guarded


def module_urls(module: PlatformModule, kind: str):
    """``include()`` of a module's site (``kind="site"``) or API URLs, guarded."""
    dotted = module.site_urls if kind == "site" else module.api_urls
    patterns = import_string(f"{dotted}.urlpatterns")
    namespace = module.module_label if kind == "site" else f"{module.module_label}-api"
    guarded = _guard_patterns(patterns, module.module_label)
    return include((guarded, namespace), namespace=namespace)


def guard_admin_viewset(viewset, label: str):
    """Guard a module's Wagtail admin viewset: views 404 and menu item hidden when off."""
    original = viewset.get_urlpatterns

    def get_urlpatterns():
        return _guard_patterns(original(), label)

    viewset.get_urlpatterns = get_urlpatterns
    base_item_class = viewset.menu_item_class

    def is_shown(item, request):
        commune = getattr(request, "commune", None)
        if commune is not None and not registry.is_enabled(commune, label):
            return False
        return base_item_class.is_shown(item, request)

    viewset.menu_item_class = type(
        base_item_class.__name__, (base_item_class,), {"is_shown": is_shown}
    )
    viewset.module_label = label
    return viewset


def module_choices() -> list[tuple[str, str]]:
    """Choices of installed modules (a module-level callable, for model fields)."""
    return registry.choices()
