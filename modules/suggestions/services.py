"""Writes of residents on suggestions (SUG-1, SUG-2): keyword-only, atomic; the site and
the API call these. The town hall's decisions are in ``modules.suggestions.staff``.

A vote's comment is a ``conversations.Comment`` on the suggestion, written with
:data:`COMMENT_RULES`. When a person votes again:

* same side, with a comment: their vote's comment is edited (the previous text is kept
  as a ``CommentRevision``, the comment shows "modifié"); a new one is written when the
  vote had none or moderation hid it;
* other side: the totals move from one side to the other; a comment given with it is a
  new comment of the thread, attached to the vote. The comment of the former side stays
  in the thread as an ordinary comment (no longer marked "Pour"/"Contre": it argued the
  other side), whether or not a new one is given;
* same side, no comment: nothing changes (the comment stays attached).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import is_open_account
from communes.selectors import is_validated_resident
from conversations.models import Comment
from conversations.services import clean_text, comment_create, comment_edit
from conversations.targets import TargetRules
from core import abuse
from core.images import clean_image
from modules.suggestions.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Follower,
    Suggestion,
    Vote,
)
from modules.suggestions.selectors import (
    can_comment,
    can_manage_suggestions,
    can_propose,
    can_see,
)

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.models import User
    from communes.models import Commune
    from core.types import StrOrPromise

SUGGESTION_KIND = "suggestions.suggestion"  # its ReportableKind (apps.py)
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # before re-encoding


def _photo_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "SUGGESTIONS_PHOTO_MAX_SIDE", PHOTO_MAX_SIDE)),
        int(getattr(settings, "SUGGESTIONS_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)),
    )


def _notify_proposed(suggestion: Suggestion) -> None:
    from modules.suggestions import notify  # sugg-staff's; imported when used

    notify.proposed(suggestion)


# --- proposing -----------------------------------------------------------------------


def _clean_category(commune: Commune, category_id: Any) -> Category:
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        pk = 0
    category = Category.objects.filter(commune=commune, pk=pk, active=True).first() if pk else None
    if category is None:
        raise ValidationError({"category": [_("Choose one of the commune's categories.")]})
    return category


def _clean_fields(
    commune: Commune, category_id: Any, title: Any, description: Any, photo: Any
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = (
        ("category", lambda: _clean_category(commune, category_id)),
        (
            "title",
            lambda: clean_text(
                title,
                field="title",
                max_length=TITLE_MAX_LENGTH,
                empty=_("Give your suggestion a title."),
            ),
        ),
        (
            "description",
            lambda: clean_text(
                description,
                field="description",
                max_length=DESCRIPTION_MAX_LENGTH,
                empty=_("Describe your suggestion."),
            ),
        ),
    )
    for name, check in checks:
        try:
            cleaned[name] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    cleaned["photo"] = None
    if photo:
        max_side, max_bytes = _photo_limits()
        try:
            cleaned["photo"] = clean_image(photo, max_side=max_side, max_bytes=max_bytes)
        except ValidationError as error:
            errors["photo"] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def suggestion_propose(
    *,
    commune: Commune,
    author: User,
    category_id: int,
    title: str,
    description: str,
    photo: Any = None,
) -> Suggestion:
    """``author`` proposes a suggestion to the town hall of ``commune`` (SUG-1): waiting
    for a decision, seen by them and the town hall's managers, who are told. The author
    follows it. A text repeated again and again is held for moderation (``core.abuse``):
    hidden, and the town hall is told only once moderation lets it through."""
    if not can_propose(author, commune):
        raise PermissionDenied(_("Only the residents validated by the town hall can propose."))
    cleaned = _clean_fields(commune, category_id, title, description, photo)
    now = timezone.now()
    verdict = abuse.check(
        author,
        "suggestion",
        recent=Suggestion.objects.filter(author=author),
        text=f"{cleaned['title']} {cleaned['description']}",
        text_fields=("title", "description"),
        field="description",
        now=now,
    )
    suggestion = Suggestion(
        commune=commune,
        category=cleaned["category"],
        author=author,
        title=cleaned["title"],
        description=cleaned["description"],
        status=Suggestion.Status.PROPOSED,
        created_at=now,
        hidden_at=verdict.hidden_at(now),
    )
    if cleaned["photo"] is not None:
        suggestion.photo.save("photo.jpg", cleaned["photo"], save=False)
    suggestion.save()
    Follower.objects.get_or_create(suggestion=suggestion, user=author)
    if verdict.held:
        abuse.hold(verdict, kind=SUGGESTION_KIND, instance=suggestion)
    else:
        _notify_proposed(suggestion)
    return suggestion


# --- the comment thread --------------------------------------------------------------


def _suggestion_of(target: Model) -> Suggestion:
    assert isinstance(target, Suggestion)
    return target


def _belongs_to(target: Model, commune: Commune) -> bool:
    return isinstance(target, Suggestion) and target.commune_id == commune.pk


def _can_comment(user: User, target: Model, commune: Commune) -> bool:
    return can_comment(user, _suggestion_of(target))


def _refusal_for(user: User, target: Model, commune: Commune) -> StrOrPromise:
    suggestion = _suggestion_of(target)
    if suggestion.is_public and not suggestion.voting_open:
        return _("Voting is closed on this suggestion: its comments can be read, not written.")
    return _("Only the residents validated by the town hall can comment on suggestions.")


def _can_answer_as_town_hall(user: User, target: Model, commune: Commune) -> bool:
    return can_manage_suggestions(user, commune)


def _comment_written(comment: Comment, target: Model) -> None:
    """No notice for a comment: followers are told of the town hall's follow-up only."""


#: A suggestion's comments (votes' comments included) with the suggestion's rules.
COMMENT_RULES = TargetRules(
    belongs_to=_belongs_to,
    can_comment=_can_comment,
    refusal=gettext_lazy(
        "Only the residents validated by the town hall can comment on suggestions."
    ),
    notify=_comment_written,
    refusal_for=_refusal_for,
    can_answer_as_town_hall=_can_answer_as_town_hall,
)


def comment_write(
    *,
    suggestion: Suggestion,
    author: User,
    body: str,
    parent: Comment | None = None,
    as_town_hall: bool = False,
) -> Comment:
    """A comment (not attached to a vote) or an answer in the suggestion's thread."""
    comment = comment_create(
        target=suggestion,
        commune=suggestion.commune,
        author=author,
        body=body,
        parent=parent,
        as_town_hall=as_town_hall,
        rules=COMMENT_RULES,
    )
    if is_open_account(author):
        Follower.objects.get_or_create(suggestion=suggestion, user=author)
    return comment


def comment_change(*, comment: Comment, suggestion: Suggestion, by: User, body: str) -> Comment:
    """The author changes their comment: marked "modifié", the previous text kept."""
    return comment_edit(
        comment=comment,
        target=suggestion,
        commune=suggestion.commune,
        by=by,
        body=body,
        rules=COMMENT_RULES,
    )


# --- votes ---------------------------------------------------------------------------


def _refuse_vote(user: User, suggestion: Suggestion) -> None:
    if suggestion.is_public and suggestion.hidden_at is None and not suggestion.voting_open:
        raise PermissionDenied(_("Voting is closed on this suggestion."))
    if not is_validated_resident(user, suggestion.commune):
        raise PermissionDenied(_("Only the residents validated by the town hall can vote."))
    raise PermissionDenied(_("This suggestion is not open to votes."))


@transaction.atomic
def vote_cast(*, suggestion: Suggestion, user: User, in_favour: bool, comment: str = "") -> Vote:
    """``user`` votes for or against ``suggestion``, or changes their vote, with an optional
    comment (see the module docstring for a changed vote). The suggestion's row is locked
    while its totals change, so concurrent votes keep ``votes_for``/``votes_against``
    exact. The voter follows the suggestion."""
    if not isinstance(in_favour, bool):
        raise ValidationError({"in_favour": [_("Choose for or against.")]})
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ValidationError({"comment": [_("Enter a text.")]})
    locked = Suggestion.objects.select_for_update().select_related("commune").get(pk=suggestion.pk)
    if not (
        locked.voting_open
        and locked.hidden_at is None
        and is_validated_resident(user, locked.commune)
    ):
        _refuse_vote(user, locked)
    now = timezone.now()
    vote = Vote.objects.filter(suggestion=locked, user=user).select_related("comment").first()
    text = comment.strip()
    if vote is None:
        vote = Vote(suggestion=locked, user=user, in_favour=in_favour, created_at=now)
        if in_favour:
            locked.votes_for += 1
        else:
            locked.votes_against += 1
    elif vote.in_favour != in_favour:
        if in_favour:
            locked.votes_for += 1
            locked.votes_against = max(0, locked.votes_against - 1)
        else:
            locked.votes_against += 1
            locked.votes_for = max(0, locked.votes_for - 1)
        vote.in_favour = in_favour
        vote.comment = None  # the former side's comment stays as an ordinary comment
    if text:
        current = vote.comment
        if current is not None and current.hidden_at is None:
            vote.comment = comment_change(comment=current, suggestion=locked, by=user, body=text)
        else:
            vote.comment = comment_create(
                target=locked,
                commune=locked.commune,
                author=user,
                body=text,
                rules=COMMENT_RULES,
            )
    vote.updated_at = now
    vote.save()
    locked.save(update_fields=["votes_for", "votes_against"])
    suggestion.votes_for, suggestion.votes_against = locked.votes_for, locked.votes_against
    Follower.objects.get_or_create(suggestion=locked, user=user)
    return vote


# --- following -----------------------------------------------------------------------


@transaction.atomic
def follow_set(*, suggestion: Suggestion, user: User, on: bool) -> None:
    """Be told of the suggestion's follow-up (``on``), or no longer."""
    if not isinstance(on, bool):
        raise ValidationError({"on": [_("Choose yes or no.")]})
    if not is_open_account(user) or not can_see(user, suggestion):
        raise PermissionDenied(_("Only the residents validated by the town hall can follow it."))
    if on:
        Follower.objects.get_or_create(suggestion=suggestion, user=user)
    else:
        Follower.objects.filter(suggestion=suggestion, user=user).delete()
