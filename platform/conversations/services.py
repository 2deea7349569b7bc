"""Writes on conversations (CNT-1): write a comment or a reply, edit one's own, mark read.

Keyword-only and atomic; the site, the API and the Wagtail admin call these, never the
ORM. Nobody deletes a comment (moderation hides it, issue 17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from conversations import notify
from conversations.models import BODY_MAX_LENGTH, Comment, CommentRevision, ReadMarker
from conversations.selectors import (
    belongs_to,
    can_answer_as_town_hall,
    can_comment,
    can_edit_comment,
    is_open_to_comments,
    staff_role_label,
    target_type,
)
from conversations.targets import CANNOT_ANSWER, EDIT_REFUSAL, EMPTY_BODY
from core import abuse

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.models import Model

    from accounts.models import User
    from communes.models import Commune
    from conversations.targets import TargetRules
    from core.types import StrOrPromise

COMMENT_KIND = "conversations.comment"  # its ReportableKind (conversations.reporting)


def clean_text(value: object, *, field: str, max_length: int, empty: StrOrPromise) -> str:
    """A text written by a person (a comment, a post's title or body): a ``str`` without
    NUL nor lone surrogates, stripped, not empty (``empty``: the French error), at most
    ``max_length`` characters. Raises ValidationError on ``field``. Gazette and groups
    clean their titles and descriptions with it too."""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Enter a text.")]})
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValidationError({field: [_("Remove the invalid characters.")]})
    value = value.strip()
    if not value:
        raise ValidationError({field: [str(empty)]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Write at most %(max)s characters.") % {"max": max_length}]}
        )
    return value


def _clean_body(body: object, *, empty: StrOrPromise = EMPTY_BODY) -> str:
    return clean_text(body, field="body", max_length=BODY_MAX_LENGTH, empty=empty)


def _top_of(
    parent: Comment | None, target: Model, *, refusal: StrOrPromise = CANNOT_ANSWER
) -> Comment | None:
    """The top comment a reply attaches to (one level: a reply to a reply goes to its top)."""
    if parent is None:
        return None
    if (
        parent.target_type_id != target_type(target).pk
        or parent.target_id != target.pk
        or parent.hidden_at is not None
    ):
        raise ValidationError({"parent": [str(refusal)]})
    if parent.parent_id is not None:
        parent = Comment.objects.get(pk=parent.parent_id)
        if parent.hidden_at is not None:
            raise ValidationError({"parent": [str(refusal)]})
    return parent


@transaction.atomic
def comment_create(
    *,
    target: Model,
    commune: Commune,
    author: User,
    body: str,
    parent: Comment | None = None,
    as_town_hall: bool = False,
    rules: TargetRules | None = None,
) -> Comment:
    """``author`` comments on ``target`` (a news page of ``commune``), or answers ``parent``.

    ``as_town_hall``: staff who publish for the commune sign "Mairie de …" with their role.
    Notifies the people in the thread (a reply) and the commune's publishing staff.
    ``rules``: another app's content (``conversations.targets``), whose rules apply instead
    of the news' (a town-hall signature only where they allow it).
    """
    if rules is not None:
        _check_rules(rules, target, commune, author, as_town_hall)
        body = _clean_body(body, empty=rules.empty_body)
        top = _top_of(parent, target, refusal=rules.cannot_answer)
    else:
        _check_news_comment(target, commune, author, as_town_hall)
        body = _clean_body(body)
        top = _top_of(parent, target)
    verdict = abuse.check(
        author,
        "comment",
        recent=Comment.objects.filter(author=author),
        text=body,
        text_fields=("body",),
        trusted=as_town_hall,
    )
    signed_role = ""
    if as_town_hall:
        with translation.override(settings.LANGUAGE_CODE):
            signed_role = staff_role_label(author, commune)
    now = timezone.now()
    comment = Comment.objects.create(
        commune=commune,
        target_type=target_type(target),
        target_id=target.pk,
        parent=top,
        author=author,
        as_town_hall=as_town_hall,
        signed_role=signed_role,
        body=body,
        created_at=now,
        hidden_at=verdict.hidden_at(now),
    )
    if verdict.held:  # waits for a moderator: nobody is told of it yet
        abuse.hold(verdict, kind=COMMENT_KIND, instance=comment)
    elif rules is not None:
        rules.notify(comment, target)
    else:
        notify.comment_written(comment, target)
    return comment


def _check_rules(
    rules: TargetRules, target: Model, commune: Commune, author: User, as_town_hall: bool
) -> None:
    if not rules.belongs_to(target, commune):
        raise PermissionDenied(str(rules.refusal))
    if not rules.can_comment(author, target, commune):
        refusal = rules.refusal_for(author, target, commune) if rules.refusal_for else None
        raise PermissionDenied(str(refusal or rules.refusal))
    if not isinstance(as_town_hall, bool):
        raise ValidationError({"as_town_hall": [_("Choose yes or no.")]})
    if as_town_hall and (
        rules.can_answer_as_town_hall is None
        or not rules.can_answer_as_town_hall(author, target, commune)
    ):
        raise PermissionDenied(_("Only the town hall's staff can answer as the town hall."))


def _check_news_comment(target: Model, commune: Commune, author: User, as_town_hall: bool) -> None:
    if not isinstance(target, Page) or not belongs_to(target, commune):
        raise PermissionDenied(_("This page is not one of the commune's."))
    if not can_comment(author, target, commune):
        if target.live and not is_open_to_comments(target):
            raise PermissionDenied(_("Comments are closed on this page."))
        raise PermissionDenied(_("Only the residents validated by the town hall can comment."))
    if not isinstance(as_town_hall, bool):
        raise ValidationError({"as_town_hall": [_("Choose yes or no.")]})
    if as_town_hall and not can_answer_as_town_hall(author, commune):
        raise PermissionDenied(_("Only the town hall's staff can answer as the town hall."))


@transaction.atomic
def comment_edit(
    *,
    comment: Comment,
    target: Model,
    commune: Commune,
    by: User,
    body: str,
    rules: TargetRules | None = None,
) -> Comment:
    """The author changes their comment: marked "modifié", the previous text kept."""
    if rules is not None:
        allowed = (
            comment.author_id is not None
            and comment.author_id == by.pk
            and comment.hidden_at is None
            and comment.target_type_id == target_type(target).pk
            and comment.target_id == target.pk
            and rules.can_comment(by, target, commune)
        )
    else:
        allowed = isinstance(target, Page) and can_edit_comment(by, comment, target, commune)
    if not allowed:
        raise PermissionDenied(str(rules.edit_refusal if rules is not None else EDIT_REFUSAL))
    body = _clean_body(body, empty=rules.empty_body if rules is not None else EMPTY_BODY)
    if not comment.as_town_hall:
        abuse.check_links(by, body)
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.body == body:
        return current
    now = timezone.now()
    CommentRevision.objects.create(
        comment=current,
        body=current.body,
        written_at=current.edited_at or current.created_at,
        replaced_at=now,
    )
    current.body = body
    current.edited_at = now
    current.save(update_fields=["body", "edited_at"])
    return current


def mark_seen(*, user: User, target: Model, now: datetime | None = None) -> datetime | None:
    """Record that ``user`` viewed the thread of ``target``; returns their previous visit."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(target)
    marker, created = ReadMarker.objects.get_or_create(
        user=user, target_type=content_type, target_id=target.pk, defaults={"seen_at": now}
    )
    if created:
        return None
    previous = marker.seen_at
    ReadMarker.objects.filter(pk=marker.pk).update(seen_at=now)
    return previous
