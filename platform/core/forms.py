"""Forms and views meet services here: one way to show a service's refusal on the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on a form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def service_error_text(error: Exception) -> str:
    """A refusal as one sentence, for a message or a page (never empty)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot do this.")


@dataclass
class ServiceOutcome:
    """What `service_errors` saw: `ok` when the service returned, else the refusal's text."""

    error: str = ""
    failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


@contextmanager
def service_errors(form: forms.BaseForm | None = None) -> Iterator[ServiceOutcome]:
    """Call a service; a refusal becomes the form's errors (or the outcome's text), not a 500.

        with service_errors(form) as call:
            community = services.community_create(...)
        if call.ok:
            return redirect(...)

    ValidationError lands on the form's fields it names, PermissionDenied on the form
    itself; without a form, `call.error` holds the sentence for a message. Any other
    exception propagates.
    """
    outcome = ServiceOutcome()
    try:
        yield outcome
    except (ValidationError, PermissionDenied) as error:
        outcome.failed = True
        outcome.error = service_error_text(error)
        if form is not None:
            if isinstance(error, ValidationError):
                add_service_errors(form, error)
            else:
                form.add_error(None, outcome.error)
