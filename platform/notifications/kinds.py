"""Rubrics and kinds of notification (NOT-1, NOT-2).

A *kind* is one sort of activity (``community.request``, ``alerts.community``…).
Apps and modules declare theirs on their AppConfig as ``notification_kinds``
(a tuple of :class:`NotificationKind`); the registry collects them when the app
registry is ready. Every kind belongs to a *rubric*, the unit people choose
about in their preferences: off, instant, daily or weekly digest, e-mail or
not, push or not. The core declares its own rubrics (:data:`CORE_RUBRICS`); a
module declares its own on its ``PlatformModule`` (``rubrics``), so a new rubric
never means editing the core. :data:`RUBRICS` holds them all, in ``order``, once
the registry is populated; a rubric no kind uses is not offered.

A kind of a module is hidden from the centre of a commune that switched the
module off (its rows are kept and reappear when it is switched on again).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.modules import PlatformModule, registry
from core.types import StrOrPromise


class Frequency(models.TextChoices):
    OFF = "off", _("Off")
    INSTANT = "instant", _("Right away")
    DAILY = "daily", _("Daily digest (6 pm)")
    WEEKLY = "weekly", _("Weekly digest (Wednesday 4 pm)")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


# Who a rubric is offered to (``Rubric.audience``).
EVERYONE = "everyone"
STAFF = "staff"  # people who serve a commune: town-hall roles, editors, hosting partner


@dataclass(frozen=True)
class Rubric:
    key: str
    label: StrOrPromise
    help_text: StrOrPromise = ""
    frequency: str = Frequency.INSTANT  # defaults, for people who never chose
    email: bool = True
    push: bool = True
    locked: bool = False  # always on, by e-mail too (alerts ALR-6; moderation's decisions)
    # The alerts' rubric: the only one that may go by SMS (ALR-3), with the person's
    # consent switch on the preferences page, and e-mails marked as alerts. Always locked.
    sms: bool = False
    order: int = 100  # place on the preferences page and in the API, smallest first
    # Who is offered the rubric on the preferences page and in the API: EVERYONE, or STAFF
    # only (a resident must not be asked about "Comments on the news", which only ever
    # reaches the town hall's staff).
    audience: str = EVERYONE
    module: str = ""  # set by the registry: the label of the module that declares it


#: Moderation's decisions and the team's answers: also delivered to a suspended account
#: (told of its suspension and of the decision on its appeal).
MODERATION_RUBRIC = "moderation"

# The core's rubrics; modules add theirs (``PlatformModule.rubrics``) between them, by
# ``order``: 0 for an urgent module rubric that must come first, 60-90 for modules'
# content (polls, suggestions, reports, classifieds…).
CORE_RUBRICS: tuple[Rubric, ...] = (
    Rubric(
        "requests",
        _("Requests to handle"),
        _("People asking to follow the commune or to join your community."),
        order=10,
    ),
    Rubric(
        "community",
        _("My community"),
        _("Requests to join, decisions, référents, twinning."),
        order=20,
    ),
    Rubric(
        MODERATION_RUBRIC,
        _("Reports and the team's answers"),
        _("What became of your reports, moderation decisions about you, answers of the team."),
        locked=True,
        order=25,
    ),
    Rubric("news", _("News of the town hall"), frequency=Frequency.DAILY, push=False, order=30),
    Rubric(
        "gazette", _("Gazette of my community"), frequency=Frequency.DAILY, push=False, order=40
    ),
    Rubric("messages", _("Messages"), order=50),
    Rubric(
        "comments",
        _("Replies to my comments"),
        _("Answers in the conversations you took part in."),
        order=55,
    ),
    Rubric(
        "news_comments",
        _("Comments on the news"),
        _("For the town hall's staff: residents' comments on the commune's news."),
        frequency=Frequency.DAILY,
        push=False,
        order=56,
        audience=STAFF,
    ),
    Rubric(
        "birthdays",
        _("Birthdays"),
        _("Birthdays of the members of your community."),
        email=False,
        push=False,
        order=100,
    ),
)

# Every rubric, the core's and the modules', by order: filled by ``kinds.populate()``
# when the app registry is ready (the same dict object, so importers keep it).
RUBRICS: dict[str, Rubric] = {rubric.key: rubric for rubric in CORE_RUBRICS}


@dataclass(frozen=True)
class NotificationKind:
    """One sort of activity; ``module`` is the module label, or "" for the core."""

    key: str
    rubric: str
    label: StrOrPromise
    module: str = ""
    urgent: bool = False  # push with high priority (alerts)
    # False while the app still sends this kind's e-mail itself (its wording is
    # tested there); the engine then writes the in-app row and the push only.
    email: bool = True


class KindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, NotificationKind] = {}

    def populate(self) -> None:
        rubrics: dict[str, Rubric] = {rubric.key: rubric for rubric in CORE_RUBRICS}
        for module, rubric in registry.contributions("rubrics"):
            if not isinstance(rubric, Rubric):
                raise ImproperlyConfigured(f"{module.name}: rubrics takes Rubric entries.")
            if rubric.key in rubrics:
                raise ImproperlyConfigured(f"{module.name}: rubric {rubric.key!r} exists already.")
            if rubric.audience not in (EVERYONE, STAFF):
                raise ImproperlyConfigured(
                    f"{module.name}: rubric {rubric.key!r} has an unknown audience "
                    f"{rubric.audience!r} (EVERYONE or STAFF)."
                )
            if rubric.sms and not rubric.locked:
                raise ImproperlyConfigured(
                    f"{module.name}: rubric {rubric.key!r} goes by SMS, so it is locked too."
                )
            rubrics[rubric.key] = dataclasses.replace(rubric, module=module.module_label)
        RUBRICS.clear()
        RUBRICS.update(sorted(rubrics.items(), key=lambda item: item[1].order))

        kinds: dict[str, NotificationKind] = {}
        for config in apps.get_app_configs():
            for kind in getattr(config, "notification_kinds", ()) or ():
                if not isinstance(kind, NotificationKind):
                    raise ImproperlyConfigured(
                        f"{config.name}: notification_kinds takes NotificationKind entries."
                    )
                if kind.rubric not in RUBRICS:
                    raise ImproperlyConfigured(f"{kind.key}: unknown rubric {kind.rubric!r}.")
                if kind.key in kinds:
                    raise ImproperlyConfigured(f"Two apps declare notification kind {kind.key!r}.")
                module = config.module_label if isinstance(config, PlatformModule) else ""
                if kind.module != module:
                    kind = dataclasses.replace(kind, module=module)
                kinds[kind.key] = kind
        self._kinds = kinds

    def get(self, key: str) -> NotificationKind:
        try:
            return self._kinds[key]
        except KeyError:
            raise LookupError(f"No notification kind {key!r} is registered.") from None

    def __iter__(self):
        return iter(self._kinds.values())

    def rubric_of(self, key: str) -> Rubric:
        return RUBRICS[self.get(key).rubric]

    def module_kinds(self) -> dict[str, list[str]]:
        """Module label → its kinds (the core's kinds are never hidden)."""
        result: dict[str, list[str]] = {}
        for kind in self._kinds.values():
            if kind.module:
                result.setdefault(kind.module, []).append(kind.key)
        return result

    def rubrics_in_use(self) -> list[Rubric]:
        used = {kind.rubric for kind in self._kinds.values()}
        return [rubric for key, rubric in RUBRICS.items() if key in used]


kinds = KindRegistry()
