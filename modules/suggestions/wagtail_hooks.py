"""The town hall's decisions on suggestions in Wagtail's history and audit log
(``staff.py`` writes them: accept, refuse with its reason, a follow-up status with its
public note, voting closed)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from modules.suggestions.models import Suggestion


@hooks.register("register_log_actions")
def register_suggestion_actions(actions):
    @actions.register_action("suggestions.accept")
    class Accept(LogFormatter):
        label = gettext_lazy("Suggestion accepted and published")
        message = label  # the history's row; ``label`` names the action in its filter

    @actions.register_action("suggestions.refuse")
    class Refuse(LogFormatter):
        label = gettext_lazy("Suggestion refused")

        def format_message(self, log_entry):
            reason = (log_entry.data or {}).get("reason") or ""
            if not reason:
                return str(self.label)
            return _("Suggestion refused: %(reason)s") % {"reason": reason}

    @actions.register_action("suggestions.status")
    class Status(LogFormatter):
        label = gettext_lazy("Follow-up status changed")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            status = dict(Suggestion.Status.choices).get(data.get("status"), data.get("status"))
            return _("Status “%(status)s”: %(note)s") % {
                "status": status,
                "note": data.get("note") or "—",
            }

    @actions.register_action("suggestions.close_voting")
    class CloseVoting(LogFormatter):
        label = gettext_lazy("Voting closed")
        message = label
