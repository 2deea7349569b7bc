"""Reads on suggestions, and the rules of who sees, proposes, votes and comments (SUG-1, SUG-2).

* Suggestions are for the commune's validated residents and its staff
  (``communes.selectors.sees_resident_content``); nobody else sees them.
* A public suggestion (published, then followed up) is seen by all of them, unless
  moderation hid it. A waiting or refused proposal is seen by its author and the town
  hall's staff who publish (``publish_content``: they manage suggestions) only.
* Proposing and voting: validated residents with an open account (one vote per account,
  changed while voting is open). Commenting: the same people while voting is open; the
  town hall's managers may also answer, signed as the town hall.

``access_*`` return the object or raise Http404, so another commune's suggestion, a
proposal that is not yours and a missing one answer alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.selectors import is_open_account, open_accounts
from communes.models import Commune, Follow
from communes.roles import PUBLISH_CONTENT
from communes.selectors import (
    commune_permission,
    communes_with_permission,
    holders_of_permission,
    is_validated_resident,
    sees_resident_content,
)
from conversations.models import Comment
from conversations.selectors import top_comments
from core.admin_scope import CommuneScope
from core.ids import positive_id
from modules.suggestions.models import Category, Follower, Suggestion, Vote

if TYPE_CHECKING:
    from accounts.models import User


def suggestion_type() -> ContentType:
    return ContentType.objects.get_for_model(Suggestion)


# --- rules ---------------------------------------------------------------------------


def sees_suggestions(user: User, commune: Commune | None) -> bool:
    """Validated residents of the commune and its staff."""
    return commune is not None and sees_resident_content(user, commune)


def can_manage_suggestions(user: User, commune: Commune | None) -> bool:
    """Staff who publish for the town hall decide proposals and follow suggestions up."""
    return commune is not None and commune_permission(user, commune, PUBLISH_CONTENT)


def suggestion_managers(commune: Commune) -> QuerySet:
    """Who is told of a new proposal: the town hall's staff who publish."""
    return holders_of_permission(commune, PUBLISH_CONTENT)


def communes_managed(user: User) -> QuerySet[Commune]:
    return communes_with_permission(user, PUBLISH_CONTENT)


STAFF_SCOPE = CommuneScope(staff_communes=communes_managed, module_label="suggestions")


def can_propose(user: User, commune: Commune | None) -> bool:
    """Validated residents with an open account."""
    return commune is not None and is_validated_resident(user, commune)


def can_vote(user: User, suggestion: Suggestion) -> bool:
    """A validated resident, on a public suggestion whose voting is open."""
    return (
        suggestion.voting_open
        and suggestion.hidden_at is None
        and is_validated_resident(user, suggestion.commune)
    )


def can_comment(user: User, suggestion: Suggestion, *, manager: bool | None = None) -> bool:
    """Write in the thread: validated residents while voting is open; the town hall's
    managers while the suggestion is public."""
    if not suggestion.is_public or suggestion.hidden_at is not None:
        return False
    if manager if manager is not None else can_manage_suggestions(user, suggestion.commune):
        return is_open_account(user)
    return can_vote(user, suggestion)


def can_see(user: User, suggestion: Suggestion, *, include_hidden: bool = False) -> bool:
    """See ``suggestion`` (see the module docstring); ``include_hidden``: as if moderation
    had not hidden it (what moderation asks about a report)."""
    commune = suggestion.commune
    if not sees_suggestions(user, commune):
        return False
    if can_manage_suggestions(user, commune):
        return True
    if suggestion.author_id == getattr(user, "pk", None):
        return True
    return suggestion.is_public and (include_hidden or suggestion.hidden_at is None)


# --- suggestions ---------------------------------------------------------------------


def active_categories(commune: Commune) -> QuerySet[Category]:
    categories: QuerySet[Category] = Category.objects.filter(commune=commune, active=True)
    return categories.order_by("position", "name")


def public_suggestions(commune: Commune) -> QuerySet[Suggestion]:
    """The public suggestions of ``commune`` (published, then followed up), not hidden."""
    suggestions: QuerySet[Suggestion] = Suggestion.objects.filter(
        commune=commune, status__in=Suggestion.PUBLIC_STATUSES, hidden_at__isnull=True
    )
    return suggestions


def _with_viewer(queryset: QuerySet[Suggestion], user: User) -> QuerySet[Suggestion]:
    """Annotate ``my_vote`` (True for, False against, None) and ``my_follow``."""
    viewer_id = getattr(user, "pk", None) or 0
    return queryset.annotate(
        my_vote=Subquery(
            Vote.objects.filter(suggestion=OuterRef("pk"), user_id=viewer_id).values("in_favour")[
                :1
            ]
        ),
        my_follow=Exists(Follower.objects.filter(suggestion=OuterRef("pk"), user_id=viewer_id)),
    )


def suggestions_for_list(
    user: User, commune: Commune, *, status: str = "", category: int | None = None
) -> QuerySet[Suggestion]:
    """Public suggestions, newest published first, with their category and the viewer's
    vote: one query whatever their number. ``status``: one of the public statuses;
    ``category``: a category id of the commune."""
    queryset = public_suggestions(commune)
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category_id=category)
    return _with_viewer(queryset.select_related("category"), user).order_by("-published_at", "-id")


def suggestions_of_author(user: User, commune: Commune) -> QuerySet[Suggestion]:
    """The person's own suggestions in ``commune``, every status, newest first."""
    return _with_viewer(
        Suggestion.objects.filter(commune=commune, author_id=getattr(user, "pk", None) or 0)
        .select_related("category")
        .order_by("-created_at", "-id"),
        user,
    )


def access_suggestion(user: User, pk: int | str, *, commune: Commune | None) -> Suggestion:
    """A suggestion of ``commune`` that ``user`` sees: a public one; their own proposal
    (waiting, refused, hidden); every one for the town hall's managers. Http404 alike for
    the others."""
    pk = positive_id(pk)
    if commune is None or not sees_suggestions(user, commune):
        raise Http404
    suggestion = (
        Suggestion.objects.filter(commune=commune, pk=pk)
        .select_related("category", "commune")
        .first()
    )
    if suggestion is None or not can_see(user, suggestion):
        raise Http404
    return suggestion


def vote_of(user: User, suggestion: Suggestion) -> Vote | None:
    if not is_open_account(user):
        return None
    return Vote.objects.filter(suggestion=suggestion, user=user).first()


def is_following(user: User, suggestion: Suggestion) -> bool:
    return (
        is_open_account(user) and Follower.objects.filter(suggestion=suggestion, user=user).exists()
    )


def history_of(suggestion: Suggestion) -> QuerySet:
    """The public steps of the follow-up, oldest first."""
    return suggestion.history.all().order_by("created_at", "id")


# --- comments ------------------------------------------------------------------------


def comments_of(suggestion: Suggestion) -> QuerySet[Comment]:
    """Top comments, newest first (replies come with :func:`conversations.threads`)."""
    return top_comments(suggestion)


def access_comment(suggestion: Suggestion, pk: int | str) -> Comment:
    """A listed comment or reply of ``suggestion`` (already checked visible)."""
    pk = positive_id(pk)
    comment = Comment.objects.on(suggestion).visible().filter(pk=pk).first()
    if comment is None:
        raise Http404
    return comment


def access_own_comment(user: User, suggestion: Suggestion, pk: int | str) -> Comment:
    """A comment ``user`` may edit now: 404 alike for "no such" and "not yours"."""
    comment = access_comment(suggestion, pk)
    if (
        comment.author_id is None
        or comment.author_id != getattr(user, "pk", None)
        or comment.hidden_at is not None
        or not can_comment(user, suggestion)
    ):
        raise Http404
    return comment


def attach_vote_sides(suggestion: Suggestion, comments: list) -> list:
    """Set ``vote_side`` ("for", "against" or "") on each comment (replies included):
    the side of the vote the comment is attached to. One query."""
    everyone = [*comments]
    for comment in comments:
        everyone.extend(getattr(comment, "thread_replies", []) or [])
    ids = [comment.pk for comment in everyone]
    sides = dict(
        Vote.objects.filter(suggestion=suggestion, comment_id__in=ids).values_list(
            "comment_id", "in_favour"
        )
    )
    for comment in everyone:
        side = sides.get(comment.pk)
        comment.vote_side = "" if side is None else ("for" if side else "against")
    return comments


# --- audiences -----------------------------------------------------------------------


def followers_of(suggestion: Suggestion) -> QuerySet:
    """Who follows ``suggestion`` and still sees it: validated residents of its commune and
    its staff, with an open account (the author of a waiting proposal too)."""
    commune = suggestion.commune
    readers = Q(
        pk__in=Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED).values(
            "user_id"
        )
    ) | Q(pk__in=holders_of_permission(commune, PUBLISH_CONTENT).values("pk"))
    followers = Follower.objects.filter(suggestion=suggestion).values("user_id")
    users = open_accounts(get_user_model().objects.filter(readers, pk__in=followers))
    if not suggestion.is_public or suggestion.hidden_at is not None:
        managers = holders_of_permission(commune, PUBLISH_CONTENT).values("pk")
        users = users.filter(Q(pk=suggestion.author_id) | Q(pk__in=managers))
    return users
