"""Forms of the moderators' screens in the Wagtail admin (``moderation.admin_views``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.staff import is_platform_staff
from core.types import StrOrPromise
from moderation.models import Action, Case
from moderation.services import NOTE_MAX_LENGTH, TOWN_HALL_ACTIONS

NOTE_ERRORS = {"max_length": _("Write at most %(limit_value)s characters.")}


def actions_for(user, case: Case) -> list[tuple[str, StrOrPromise]]:
    """The decisions ``user`` may take on ``case``: the town hall keeps, hides or warns;
    the platform's moderators may also exclude and suspend. A person cannot be hidden;
    content without an author any more can only be kept or hidden."""
    platform = is_platform_staff(user)
    choices: list[tuple[str, StrOrPromise]] = []
    for value, label in Action.choices:
        if not platform and value not in TOWN_HALL_ACTIONS:
            continue
        if case.is_person and value in (Action.HIDE, Action.EXCLUDE):
            continue
        if case.author_id is None and value in (Action.WARN, Action.EXCLUDE, Action.SUSPEND):
            continue
        choices.append((value, label))
    return choices


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a decision."),
            "invalid_choice": _("Choose a decision from the list."),
        },
    )
    note = forms.CharField(
        label=_("Note to the author"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=NOTE_ERRORS,
        help_text=_(
            "Required unless you keep the content: the author reads it, and it is kept in "
            "the log. Never quote the reporters."
        ),
    )

    def __init__(self, *args, user, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = actions_for(user, case)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action and action != Action.KEEP and not (data.get("note") or "").strip():
            self.add_error("note", _("Write a note to the author: why this decision."))
        return data


class BulkForm(forms.Form):
    """Keep or hide the cases ticked in the queue, with one note."""

    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        error_messages={
            "required": _("Tick at least one report."),
            "invalid_choice": _("A ticked report is no longer waiting: reload the page."),
            "invalid_pk_value": _("A ticked report is no longer waiting: reload the page."),
        },
    )
    action = forms.ChoiceField(
        choices=[(Action.KEEP, _("Keep")), (Action.HIDE, _("Hide"))],
        error_messages={
            "required": _("Choose a decision."),
            "invalid_choice": _("Many cases at once can only be kept or hidden."),
        },
    )
    note = forms.CharField(
        label=_("Note (required to hide)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=NOTE_ERRORS,
    )

    def __init__(self, *args, queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = queue

    def clean(self):
        data = super().clean()
        if data.get("action") == Action.HIDE and not (data.get("note") or "").strip():
            self.add_error("note", _("Write a note to the authors: why this decision."))
        return data
