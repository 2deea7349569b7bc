"""The twinning module's Wagtail hooks: the log actions of the town hall's "Twin the
communities" page (TWN-2).

The page itself, like the read-only list of twinnings, is declared in
``TwinningConfig.admin_viewsets``: the core mounts it behind the module guard (views 404
and no menu item on the host of a commune that has the module off) and the registry's
conformance test walks it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from modules.twinning.admin_views import ACTION_TWIN_ALL, ACTION_UNDO


@hooks.register("register_log_actions")
def register_town_hall_actions(actions):
    @actions.register_action(ACTION_TWIN_ALL)
    class TwinAll(LogFormatter):
        label = _("Twin all the communities")

        def format_message(self, log_entry):
            return _("Twinned all the communities: %(count)s pairs") % {
                "count": (log_entry.data or {}).get("count", 0)
            }

    @actions.register_action(ACTION_UNDO)
    class Undo(LogFormatter):
        label = _("Undo the town hall's twinnings")

        def format_message(self, log_entry):
            return _("Ended the town hall's twinnings: %(count)s") % {
                "count": (log_entry.data or {}).get("count", 0)
            }
