"""Notifications of suggestions, through the engine (SUG-1, SUG-2).

* ``suggestions.proposed``: a resident proposes a suggestion, to the town hall's staff who
  handle them (rubric "requests": something to decide), with a link to the decision page;
* ``suggestions.decided``: the town hall's decision, to the author (published, or refused
  with the town hall's reason, if any);
* ``suggestions.published``: a suggestion is published, to the commune's validated
  residents but its author (who got ``decided``);
* ``suggestions.status``: a step of the follow-up (under study, retained, carried out,
  not retained) with the town hall's public note, to the suggestion's followers.

Titles name the category and the commune, never the suggestion's title nor its text:
they are a resident's words, and titles end up in e-mails, digests and push messages
(e-mails get forwarded). A notification's text (``body``) is only ever the town hall's own
words: the refusal reason (to the author alone) and the public note of a status.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from communes.models import Follow
from modules.suggestions.models import StatusChange, Suggestion
from modules.suggestions.selectors import followers_of, suggestion_managers
from notifications.fanout import publish


def suggestion_path(suggestion: Suggestion) -> str:
    return f"/suggestions/{suggestion.pk}/"


def decision_path(suggestion: Suggestion) -> str:
    return reverse("suggestions_admin:decide", args=[suggestion.pk])


def _data(suggestion: Suggestion, **extra) -> dict:
    return {"suggestion_id": suggestion.pk, "category": suggestion.category.name, **extra}


def proposed(suggestion: Suggestion) -> None:
    commune = suggestion.commune
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident proposes a suggestion (%(category)s)") % {
            "category": suggestion.category.name
        }
    publish(
        "suggestions.proposed",
        audience=suggestion_managers(commune).exclude(pk=suggestion.author_id),
        title=title,
        url=decision_path(suggestion),
        commune=commune,
        data=_data(suggestion),
        dedupe_key=f"suggestions.proposed:{suggestion.pk}",
    )


def decided(suggestion: Suggestion) -> None:
    accepted = suggestion.status != Suggestion.Status.REFUSED
    with translation.override(settings.LANGUAGE_CODE):
        if accepted:
            title = _("The town hall published your suggestion (%(category)s)")
        else:
            title = _("The town hall did not accept your suggestion (%(category)s)")
        title = title % {"category": suggestion.category.name}
    publish(
        "suggestions.decided",
        audience=get_user_model().objects.filter(pk=suggestion.author_id),
        title=title,
        # The town hall's words to the author alone: never a resident's text.
        body="" if accepted else suggestion.refusal_reason,
        url=suggestion_path(suggestion),
        commune=suggestion.commune,
        actor=suggestion.decided_by,
        data=_data(suggestion, accepted=accepted),
        dedupe_key=f"suggestions.decided:{suggestion.pk}",
    )


def published(suggestion: Suggestion) -> None:
    commune = suggestion.commune
    residents = get_user_model().objects.filter(
        pk__in=Follow.objects.validated().filter(commune=commune).values("user_id")
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A new suggestion of residents of %(commune)s (%(category)s)") % {
            "commune": commune.name,
            "category": suggestion.category.name,
        }
    publish(
        "suggestions.published",
        audience=residents.exclude(pk=suggestion.author_id),
        title=title,
        url=suggestion_path(suggestion),
        commune=commune,
        data=_data(suggestion),
        dedupe_key=f"suggestions.published:{suggestion.pk}",
    )


def status_changed(suggestion: Suggestion, change: StatusChange) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A suggestion you follow is now “%(status)s” (%(category)s)") % {
            "status": change.get_status_display(),
            "category": suggestion.category.name,
        }
    publish(
        "suggestions.status",
        audience=followers_of(suggestion),
        title=title,
        body=change.note,
        url=suggestion_path(suggestion),
        commune=suggestion.commune,
        actor=change.by,
        data=_data(suggestion, status=change.status),
        dedupe_key=f"suggestions.status:{change.pk}",
    )
