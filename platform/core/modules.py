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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.urls import URLPattern, URLResolver, include
from django.utils.module_loading import import_string

from core.types import StrOrPromise

# First segments of the core's own paths (config/urls.py): no protocol may take them.
RESERVED_PATHS = frozenset(
    {
        "api",
        "admin",
        "compte",
        "communautes",
        "commentaires",
        "gazette",
        "messages",
        "notifications",
        "webhooks",
        "documents",
        "media",
        "static",
        "i18n",
        "jsi18n",
        "cookies",
        "anymail",
        "healthz",
        "sitemap.xml",
    }
)

REQUIRED_ATTRIBUTES = ("module_label", "verbose_name", "description", "url_prefix")

# Declarations that are tuples. The entries of ``rubrics``, ``notification_kinds`` and
# ``privacy_relations`` are data classes of the core app that consumes them
# (``notifications.kinds``, ``privacy.relations``), which checks them at start-up (its
# ``ready()``): the core module may not import the apps above it. The others are checked
# here, when the registry is populated.
TUPLE_ATTRIBUTES = (
    "admin_viewsets",
    "rubrics",
    "notification_kinds",
    "privacy_relations",
    "history_kinds",
    "community_links",
    "home_panels",
    "site_banners",
    "feed_pins",
    "periodic_tasks",
    "reportable_kinds",
    "protocol_urls",
)
# Declarations that are dotted paths of functions, imported at start-up.
CALLABLE_ATTRIBUTES = ("personal_data", "account_closure", "community_merge", "demo_data")
CALLABLE_TUPLE_ATTRIBUTES = ("home_panels", "site_banners", "feed_pins")


@dataclass(frozen=True)
class PeriodicTask:
    """A django-q2 schedule a module contributes (``func`` is a dotted path)."""

    func: str
    minutes: int
    name: str


@dataclass(frozen=True)
class ProtocolUrls:
    """A standard protocol a module serves at a fixed path on every host (Open311).

    ``prefix`` is the path (``"open311/v2/"``), the same for every commune because the
    protocol's clients know it by heart; ``urls`` the dotted path of its URL module. These
    routes are *not* behind the module's guard: on a commune's host the commune is the
    request's, on the platform's host the protocol names it (Open311's
    ``jurisdiction_id``), and the module answers in the protocol's own error format for a
    commune that has it off (``registry.is_enabled``).
    """

    prefix: str
    urls: str
    name: str = ""


@dataclass(frozen=True)
class HistoryKind:
    """A kind of entry a module writes in a community's history (``communities``)."""

    key: str  # at most 30 characters, unique among the core's and the modules' kinds
    label: StrOrPromise


@dataclass(frozen=True)
class CommunityLink:
    """The module links communities together for ``purpose`` (``communities.links``).

    ``communities`` is the dotted path of a function taking community ids (a list or
    a ``values("pk")`` subquery) and returning the ids of the communities linked to
    them, as a subquery. The core asks it only where the module is on.
    """

    purpose: str
    communities: str


@dataclass(frozen=True)
class ReportableKind:
    """Content people can report to the moderators (``moderation`` reads these, CNT-5).

    ``model`` is ``"app_label.ModelName"``; it has a ``hidden_at`` date field, which
    moderation sets to hide an item and the app's lists honour (the author and the
    moderators still see it, marked). ``commune`` is the lookup path from the model to
    its ``communes.Commune`` (``"commune"``, ``"community__commune"``); ``space`` the lookup
    path to where it was posted inside the commune (``"community"``), or ``""``; ``label``
    what a moderator reads ("An ad"). ``author`` is the lookup of the person who wrote
    it (a user foreign key); ``excerpt`` the text field moderators read.

    ``can_see`` is the dotted path of ``can_see(user, instance) -> bool``: only someone
    who can see an item may report it (a private message, by its recipients). ``town_hall``
    says whether the commune's staff moderate it (their own spaces: news comments,
    groups, classifieds) or only the platform's moderators do (a community's gazette, a
    private message): a bool, or the dotted path of ``(instance) -> bool`` when it
    depends on the item (a comment on the news or in a gazette). ``link`` is the dotted
    path of ``(instance) -> str``, the item's path on its commune's site ("" if none).
    """

    key: str
    model: str
    commune: str
    label: StrOrPromise
    space: str = ""
    author: str = "author"
    excerpt: str = ""
    can_see: str = ""
    town_hall: bool | str = False
    link: str = ""

    def call(self, attribute: str, *args):
        """Call the function named by the dotted path ``attribute`` (``can_see``…)."""
        return import_string(getattr(self, attribute))(*args)

    def moderated_by_town_hall(self, instance) -> bool:
        if isinstance(self.town_hall, str):
            return bool(self.call("town_hall", instance))
        return self.town_hall

    def link_of(self, instance) -> str:
        return self.call("link", instance) if self.link else ""


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
    * ``protocol_urls``: :class:`ProtocolUrls` entries, a standard protocol served at a
      fixed path on every host, not guarded (Open311 GeoReport v2 at ``/open311/v2/``);
    * ``admin_viewsets``: dotted paths of Wagtail admin ViewSet classes;
    * ``rubrics``: ``notifications.kinds.Rubric`` entries, new rubrics of preferences;
    * ``notification_kinds``: ``notifications.kinds.NotificationKind`` entries it emits;
    * ``privacy_relations``: ``privacy.relations.PrivacyRelation`` entries (a relation
      between a viewer and a person, its queryset expression and what it reveals);
    * ``history_kinds``: :class:`HistoryKind` entries it writes in a community's history;
    * ``community_links``: :class:`CommunityLink` entries: the module tells which
      communities are linked to one (``communities.links.linked_communities``);
    * ``home_panels`` / ``site_banners``: dotted paths of receivers of
      ``core.signals.commune_home_panels`` / ``commune_site_banners``, connected by
      the core (called only for communes that have the module on);
    * ``feed_pins``: dotted paths of receivers of ``core.signals.commune_feed_pins``
      (a ``FeedPin``: what stays on top of the commune's home page and of the API's
      feed for one person until they act on it, an open poll they have not answered);
    * ``personal_data``: dotted path of ``export(user)`` returning the JSON-serialisable
      section ``module_label`` of the person's GDPR export (every commune, on or off);
    * ``account_closure``: dotted path of ``close(user_id)``, run inside the closure's
      transaction; ``None``: the module's rows stay and show a former member;
    * ``community_merge``: dotted path of ``merge(*, absorbed, kept)``, run inside the
      merge's transaction before the absorbed community is deleted (its rows would
      cascade): required when a model of the module points to a community;
    * ``periodic_tasks``: :class:`PeriodicTask` entries;
    * ``reportable_kinds``: :class:`ReportableKind` entries (for moderation);
    * ``demo_data``: dotted path of ``load(commune, people)`` for ``load_demo``; it may
      return lines that the summary prints under the commune (an Open311 demo key).
    """

    module_label: str = ""
    description: StrOrPromise = ""
    default_enabled: bool = True
    url_prefix: str = ""
    site_urls: str | None = None
    api_urls: str | None = None
    webhook_urls: str | None = None
    protocol_urls: tuple[ProtocolUrls, ...] = ()
    admin_viewsets: tuple[str, ...] = ()
    rubrics: tuple = ()  # of notifications.kinds.Rubric
    notification_kinds: tuple = ()  # of notifications.kinds.NotificationKind
    privacy_relations: tuple = ()  # of privacy.relations.PrivacyRelation
    history_kinds: tuple[HistoryKind, ...] = ()
    community_links: tuple[CommunityLink, ...] = ()
    home_panels: tuple[str, ...] = ()
    site_banners: tuple[str, ...] = ()
    feed_pins: tuple[str, ...] = ()
    personal_data: str | None = None
    account_closure: str | None = None
    community_merge: str | None = None
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    reportable_kinds: tuple[ReportableKind, ...] = ()
    demo_data: str | None = None

    def validate(self) -> None:
        for attribute in REQUIRED_ATTRIBUTES:
            if not getattr(self, attribute, None):
                raise ImproperlyConfigured(f"Module app {self.name!r} must declare {attribute!r}.")
        if not self.module_label.isidentifier():
            raise ImproperlyConfigured(
                f"Module label {self.module_label!r} of {self.name!r} is not an identifier."
            )
        for attribute in TUPLE_ATTRIBUTES:
            if not isinstance(getattr(self, attribute), tuple):
                raise ImproperlyConfigured(f"{self.name}: {attribute} must be a tuple.")
        for task in self.periodic_tasks:
            if not isinstance(task, PeriodicTask):
                raise ImproperlyConfigured(f"{self.name}: periodic_tasks takes PeriodicTask.")
        for attribute in CALLABLE_ATTRIBUTES:
            dotted = getattr(self, attribute)
            if dotted is not None:
                self._import(attribute, dotted)
        for attribute in CALLABLE_TUPLE_ATTRIBUTES:
            for dotted in getattr(self, attribute):
                self._import(attribute, dotted)
        for kind in self.reportable_kinds:
            self._validate_reportable(kind)
        for history in self.history_kinds:
            if not isinstance(history, HistoryKind) or not history.key or not history.label:
                raise ImproperlyConfigured(f"{self.name}: history_kinds takes HistoryKind.")
            if len(history.key) > 30:
                raise ImproperlyConfigured(
                    f"{self.name}: history kind {history.key!r} is too long."
                )
        for protocol in self.protocol_urls:
            if (
                not isinstance(protocol, ProtocolUrls)
                or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9_.-]+)*/", protocol.prefix)
                or protocol.prefix.split("/")[0] in RESERVED_PATHS
            ):
                raise ImproperlyConfigured(
                    f"{self.name}: protocol_urls takes ProtocolUrls with a free path ending in '/'."
                )
            try:
                import_string(f"{protocol.urls}.urlpatterns")
            except ImportError as error:
                raise ImproperlyConfigured(
                    f"{self.name}: protocol_urls {protocol.urls!r}: {error}"
                ) from error
        for link in self.community_links:
            if not isinstance(link, CommunityLink) or not link.purpose:
                raise ImproperlyConfigured(f"{self.name}: community_links takes CommunityLink.")
            self._import("community_links", link.communities)

    def _import(self, attribute: str, dotted) -> Callable:
        if not isinstance(dotted, str):
            raise ImproperlyConfigured(f"{self.name}: {attribute} takes dotted paths.")
        try:
            function = import_string(dotted)
        except ImportError as error:
            raise ImproperlyConfigured(f"{self.name}: {attribute} {dotted!r}: {error}") from error
        if not callable(function):
            raise ImproperlyConfigured(f"{self.name}: {attribute} {dotted!r} is not callable.")
        return function

    def _validate_reportable(self, kind) -> None:
        validate_reportable(self.name, kind)


def validate_reportable(app_name: str, kind) -> None:
    """A module's or a core app's :class:`ReportableKind` (``app_name`` for the messages)."""
    if not isinstance(kind, ReportableKind):
        raise ImproperlyConfigured(f"{app_name}: reportable_kinds takes ReportableKind.")
    if not (kind.key and kind.label):
        raise ImproperlyConfigured(f"{app_name}: a reportable kind needs a key and a label.")
    try:
        model = apps.get_model(kind.model)
    except (LookupError, ValueError) as error:
        raise ImproperlyConfigured(f"{app_name}: reportable {kind.key!r}: {error}") from error
    target = _related_model(model, kind.commune)
    if target is None or target._meta.label != "communes.Commune":
        raise ImproperlyConfigured(
            f"{app_name}: reportable {kind.key!r}: {kind.commune!r} does not lead from "
            f"{kind.model} to communes.Commune."
        )
    if kind.space and _related_model(model, kind.space) is None:
        raise ImproperlyConfigured(
            f"{app_name}: reportable {kind.key!r}: no relation {kind.space!r} on {kind.model}."
        )
    author = _related_model(model, kind.author)
    if author is None or author._meta.label != settings.AUTH_USER_MODEL:
        raise ImproperlyConfigured(
            f"{app_name}: reportable {kind.key!r}: {kind.author!r} does not lead from "
            f"{kind.model} to the user model."
        )
    for name in ("hidden_at", kind.excerpt):
        try:
            model._meta.get_field(name)
        except Exception as error:  # FieldDoesNotExist, or no excerpt named
            raise ImproperlyConfigured(
                f"{app_name}: reportable {kind.key!r}: {kind.model} needs a field "
                f"{name!r} (hidden_at for moderation, the excerpt moderators read)."
            ) from error
    if not kind.can_see:
        raise ImproperlyConfigured(f"{app_name}: reportable {kind.key!r} needs can_see.")
    dotted = [kind.can_see, kind.link] + (
        [kind.town_hall] if isinstance(kind.town_hall, str) else []
    )
    for path in filter(None, dotted):
        try:
            function = import_string(path)
        except ImportError as error:
            raise ImproperlyConfigured(f"{app_name}: reportable {kind.key!r}: {error}") from error
        if not callable(function):
            raise ImproperlyConfigured(
                f"{app_name}: reportable {kind.key!r}: {path} is not callable."
            )


def _related_model(model, path: str):
    """The model at the end of the lookup ``path`` of relations from ``model``, or None."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:  # FieldDoesNotExist
            return None
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return model


class ModuleRegistry:
    def __init__(self) -> None:
        self._modules: dict[str, PlatformModule] = {}
        self._core_reportables: list[ReportableKind] = []

    def populate(self) -> None:
        modules: dict[str, PlatformModule] = {}
        prefixes: set[str] = set()
        protocol_paths: set[str] = set()
        # A core app's AppConfig may declare ``reportable_kinds`` too (conversations):
        # its content is reported and moderated like a module's.
        core_reportables: list[ReportableKind] = []
        for config in apps.get_app_configs():
            if not isinstance(config, PlatformModule):
                if config.name.startswith("modules."):
                    raise ImproperlyConfigured(
                        f"{config.name} must use a PlatformModule AppConfig "
                        "(set `default = True` on it in apps.py)."
                    )
                for kind in getattr(config, "reportable_kinds", ()) or ():
                    validate_reportable(config.name, kind)
                    core_reportables.append(kind)
                continue
            config.validate()
            if config.module_label in modules:
                raise ImproperlyConfigured(f"Two modules use label {config.module_label!r}.")
            if config.url_prefix in prefixes:
                raise ImproperlyConfigured(f"Two modules use URL prefix {config.url_prefix!r}.")
            for protocol in config.protocol_urls:
                first = protocol.prefix.split("/")[0]
                if first in prefixes or first in protocol_paths:
                    raise ImproperlyConfigured(f"Two modules use URL prefix {first!r}.")
                protocol_paths.add(first)
            if config.url_prefix in protocol_paths:
                raise ImproperlyConfigured(f"Two modules use URL prefix {config.url_prefix!r}.")
            modules[config.module_label] = config
            prefixes.add(config.url_prefix)
        for attribute in ("reportable_kinds", "history_kinds"):
            keys: set[str] = set()
            if attribute == "reportable_kinds":
                for kind in core_reportables:
                    if kind.key in keys:
                        raise ImproperlyConfigured(f"Two apps declare {attribute} {kind.key!r}.")
                    keys.add(kind.key)
            for config in modules.values():
                for kind in getattr(config, attribute):
                    if kind.key in keys:
                        raise ImproperlyConfigured(f"Two modules declare {attribute} {kind.key!r}.")
                    keys.add(kind.key)
        self._modules = modules
        self._core_reportables = core_reportables

    def contributions(self, attribute: str):
        """``(module, entry)`` for every entry of a tuple declaration, module by module."""
        for module in self._modules.values():
            for entry in getattr(module, attribute):
                yield module, entry

    def reportable_kinds(self) -> list[ReportableKind]:
        """The core apps' reportable content, then the modules'."""
        return [
            *self._core_reportables,
            *(kind for _module, kind in self.contributions("reportable_kinds")),
        ]

    def reportable(self, key: str) -> ReportableKind | None:
        """The reportable kind ``key`` (``"gazette.post"``), or None."""
        for kind in self.reportable_kinds():
            if kind.key == key:
                return kind
        return None

    def reportable_for_model(self, label: str) -> ReportableKind | None:
        """The reportable kind of the model ``"app_label.ModelName"`` (case-insensitive)."""
        label = label.lower()
        for kind in self.reportable_kinds():
            if kind.model.lower() == label:
                return kind
        return None

    def __iter__(self):
        return iter(self._modules.values())

    def labels(self) -> list[str]:
        return list(self._modules)

    def get(self, label: str) -> PlatformModule:
        try:
            return self._modules[label]
        except KeyError:
            raise LookupError(f"No module {label!r} is installed.") from None

    def choices(self) -> list[tuple[str, StrOrPromise]]:
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


def guard_view(view: Callable, label: str, *, commune_required: bool = False) -> Callable:
    """Wrap a view so it answers 404 when ``label`` is off for the request's commune.

    The commune comes from ``request.commune`` (host name, set by the tenancy
    middleware, or the API's ``commune_slug`` path argument resolved by
    :func:`core.tenancy.bind_commune_from_path`). Without a commune, a module's site
    pages and API routes (``commune_required``) answer 404 too: they exist on a
    commune's host only. Platform-level screens (the admin on the platform host) pass
    and scope their querysets to the communes that have the module on
    (``core.admin_scope``).
    """

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        from core.tenancy import bind_commune_from_path

        bind_commune_from_path(request, kwargs)
        commune = getattr(request, "commune", None)
        if commune is None:
            if commune_required:
                raise Http404("Module pages are on a commune's host.")
        elif not registry.is_enabled(commune, label):
            raise Http404("Module disabled for this commune.")
        return view(request, *args, **kwargs)

    guarded.module_label = label  # type: ignore[attr-defined]  # says which module a view is
    return guarded


def _guard_patterns(patterns: Iterable, label: str, *, commune_required: bool = False) -> list:
    guarded = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            pattern = URLResolver(
                pattern.pattern,
                _guard_patterns(pattern.url_patterns, label, commune_required=commune_required),
                pattern.default_kwargs,
                pattern.app_name,
                pattern.namespace,
            )
        elif isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern,
                guard_view(pattern.callback, label, commune_required=commune_required),
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
    guarded = _guard_patterns(patterns, module.module_label, commune_required=True)
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


def module_choices() -> list[tuple[str, StrOrPromise]]:
    """Choices of installed modules (a module-level callable, for model fields)."""
    return registry.choices()
