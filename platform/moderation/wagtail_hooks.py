"""Moderation in the Wagtail admin: the queue's URLs, the "Modération" menu entry with the
number of waiting cases (also on the dashboard's to-do panel, which lists every counted
menu entry), and the labels of moderation's entries in the audit log ("Journaux")."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from accounts.staff import is_platform_staff
from core.admin_menu import CountedMenuItem
from moderation import admin_views


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [path("moderation/", include((admin_views.urlpatterns, "moderation_admin")))]


class QueueMenuItem(CountedMenuItem):
    """Shown to moderators (platform staff, town-hall staff who publish); counts the
    cases waiting in their scope."""

    def is_shown(self, request):
        return admin_views.is_moderator(request)

    def count(self, request) -> int:
        return admin_views.waiting_count(request)


@hooks.register("register_admin_menu_item")
def register_moderation_menu():
    return QueueMenuItem(
        admin_views.TITLE,
        reverse("moderation_admin:queue"),
        icon_name="warning",
        name="moderation",
        order=170,
    )


class SuspensionsMenuItem(MenuItem):
    """The accounts suspended now (platform staff only): a list, not a to-do."""

    def is_shown(self, request):
        return is_platform_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_suspensions_menu():
    return SuspensionsMenuItem(
        admin_views.SUSPENSIONS_TITLE,
        reverse("moderation_admin:suspensions"),
        icon_name="lock",
        name="moderation-suspensions",
        order=171,
    )


def _note(log_entry) -> str:
    note = (log_entry.data or {}).get("note") or ""
    return str(note)[:200]


def _with_note(label: str, log_entry) -> str:
    note = _note(log_entry)
    return f"{label} : {note}" if note else label


@hooks.register("register_log_actions")
def register_moderation_actions(actions):
    @actions.register_action("moderation.auto_hide")
    class AutoHide(LogFormatter):
        label = gettext_lazy("Hidden pending review (reports)")

        def format_message(self, log_entry):
            count = (log_entry.data or {}).get("reports") or 0
            return _("Hidden pending review after %(count)s reports") % {"count": count}

    @actions.register_action("moderation.keep")
    class Keep(LogFormatter):
        label = gettext_lazy("Reports dismissed (content kept)")

        def format_message(self, log_entry):
            return _with_note(str(self.label), log_entry)

    @actions.register_action("moderation.hide")
    class Hide(LogFormatter):
        label = gettext_lazy("Hidden by a moderator")

        def format_message(self, log_entry):
            return _with_note(str(self.label), log_entry)

    @actions.register_action("moderation.warn")
    class Warn(LogFormatter):
        label = gettext_lazy("Author warned (content hidden)")

        def format_message(self, log_entry):
            return _with_note(str(self.label), log_entry)

    @actions.register_action("moderation.exclude")
    class Exclude(LogFormatter):
        label = gettext_lazy("Author excluded from the community")

        def format_message(self, log_entry):
            return _with_note(str(self.label), log_entry)

    @actions.register_action("moderation.suspend")
    class Suspend(LogFormatter):
        label = gettext_lazy("Account suspended")

        def format_message(self, log_entry):
            return _with_note(str(self.label), log_entry)

    @actions.register_action("moderation.lift")
    class Lift(LogFormatter):
        label = gettext_lazy("Suspension lifted")

    @actions.register_action("moderation.appeal")
    class Appeal(LogFormatter):
        label = gettext_lazy("Decision appealed by the author")
