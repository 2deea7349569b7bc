"""Reads on conversations, and the rules of who sees, writes and edits (CNT-1).

Comments on a news page are for the commune's validated residents and its staff
(``communes.selectors.sees_resident_content``, ACC-10): not for anonymous visitors nor
for people whose request to follow is pending. Who may write: the same people, with an
open account, while the page is live and open to comments (``NewsPage.comments_open``).
Staff holding ``publish_content`` may answer as the town hall.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.selectors import is_open_account
from communes.models import Commune, Follow, NewsPage, StaffRole
from communes.roles import PUBLISH_CONTENT, ROLE_PERMISSIONS
from communes.selectors import (
    commune_permission,
    communes_with_permission,
    holders_of_permission,
    sees_resident_content,
)
from conversations.models import Comment, ReadMarker
from core.admin_scope import CommuneScope
from core.ids import positive_id

if TYPE_CHECKING:
    from wagtail.models import Page

    from accounts.models import User


# --- targets -------------------------------------------------------------------------


def target_type(target: Model) -> ContentType:
    return ContentType.objects.get_for_model(target)


def news_of_commune(commune: Commune) -> QuerySet[NewsPage]:
    """The live news pages of ``commune``'s site."""
    if commune.site is None:  # no site of its own: no news
        none: QuerySet[NewsPage] = NewsPage.objects.none()
        return none
    pages: QuerySet[NewsPage] = NewsPage.objects.live().descendant_of(commune.site.root_page)
    return pages


def access_news(user: User, page_id: int | str, *, commune: Commune | None) -> NewsPage:
    """A live news page of ``commune`` whose comments ``user`` may read.

    Http404 alike for a missing page, another commune's, an unpublished one and a person
    who may not read the comments (the API answers 403 to pending residents before this).
    """
    page_id = positive_id(page_id)
    if commune is None:
        raise Http404
    page = news_of_commune(commune).filter(pk=page_id).first()
    if page is None or not can_see_comments(user, commune):
        raise Http404
    return page


def belongs_to(target: Page, commune: Commune) -> bool:
    """Whether the news page ``target`` is on ``commune``'s site."""
    if commune.site is None:  # no site of its own: no news
        return False
    root = commune.site.root_page
    return bool(target.url_path.startswith(root.url_path) and target.pk != root.pk)


# --- rules ---------------------------------------------------------------------------


def can_see_comments(user: User, commune: Commune | None) -> bool:
    """Validated residents of the commune and its staff (seed 000: "administrés inscrits")."""
    return commune is not None and sees_resident_content(user, commune)


def is_open_to_comments(target: Page) -> bool:
    """Live, and not closed to comments by the town hall."""
    return bool(target.live and getattr(target, "comments_open", False))


def can_comment(user: User, target: Page, commune: Commune | None) -> bool:
    return is_open_account(user) and is_open_to_comments(target) and can_see_comments(user, commune)


def can_answer_as_town_hall(user: User, commune: Commune | None) -> bool:
    """Staff who publish for the town hall may sign a comment "Mairie de …"."""
    return commune is not None and commune_permission(user, commune, PUBLISH_CONTENT)


def can_edit_comment(user: User, comment: Comment, target: Page, commune: Commune | None) -> bool:
    """Its author, while the thread is open and the comment not hidden by moderation."""
    return (
        comment.author_id is not None
        and comment.author_id == getattr(user, "pk", None)
        and comment.hidden_at is None
        and can_comment(user, target, commune)
    )


def town_hall_name(commune: Commune) -> str:
    return _("Town hall of %(commune)s") % {"commune": commune.name}


def staff_role_label(user: User, commune: Commune) -> str:
    """The role ``user`` holds in ``commune``'s town hall (the highest), shown on answers."""
    order = list(ROLE_PERMISSIONS)
    roles = list(
        StaffRole.objects.filter(commune=commune, user=user).values_list("role", flat=True)
    )
    if not roles:
        return _("Town-hall team")
    role = min(roles, key=lambda r: order.index(r) if r in order else len(order))
    return str(StaffRole.Role(role).label)


# --- comments ------------------------------------------------------------------------


def comments_on(target: Page) -> QuerySet[Comment]:
    """The listed comments of ``target`` (moderation hides the others)."""
    return Comment.objects.on(target).visible()


def top_comments(target: Page, *, include_hidden: bool = False) -> QuerySet[Comment]:
    """Top comments, newest first: the liveliest conversation first; replies come under
    their comment, oldest first (:func:`replies_of`). ``include_hidden``: the site's
    threads keep their shape, a hidden comment showing as "Contenu masqué par la
    modération" (its text only to its author and the moderators); the APIs leave it out."""
    comments = Comment.objects.on(target) if include_hidden else comments_on(target)
    return comments.filter(parent__isnull=True).order_by("-created_at", "-id")


def replies_of(top_ids: Iterable[int], *, include_hidden: bool = False) -> QuerySet[Comment]:
    comments = Comment.objects.all() if include_hidden else Comment.objects.visible()
    return comments.filter(parent_id__in=top_ids).order_by("created_at", "id")


def access_comment(
    user: User, pk: int | str, *, commune: Commune | None
) -> tuple[Comment, NewsPage]:
    """A listed comment of ``commune`` on a live news page that ``user`` may read, and its
    page: Http404 alike for missing, hidden, another commune's and not allowed."""
    pk = positive_id(pk)
    if commune is None or not can_see_comments(user, commune):
        raise Http404
    comment = (
        Comment.objects.visible()
        .filter(commune=commune, pk=pk, target_type=ContentType.objects.get_for_model(NewsPage))
        .first()
    )
    if comment is None:
        raise Http404
    page = news_of_commune(commune).filter(pk=comment.target_id).first()
    if page is None:
        raise Http404
    return comment, page


def access_own_comment(
    user: User, pk: int | str, *, commune: Commune | None
) -> tuple[Comment, NewsPage]:
    """A comment ``user`` may edit now: 404 alike for "no such" and "not yours"."""
    comment, page = access_comment(user, pk, commune=commune)
    if not can_edit_comment(user, comment, page, commune):
        raise Http404
    return comment, page


def previous_visit(user: User, target: Model) -> datetime | None:
    if not is_open_account(user):
        return None
    marker = ReadMarker.objects.filter(
        user=user, target_type=target_type(target), target_id=target.pk
    ).first()
    return marker.seen_at if marker else None


def mark_new(comments: Iterable[Comment], *, viewer: User, since: datetime | None) -> int:
    """Set ``is_new`` on each comment written by someone else after ``since``."""
    count = 0
    for comment in comments:
        comment.is_new = bool(  # type: ignore[attr-defined]  # for the template and the API
            since is not None
            and comment.created_at > since
            and comment.author_id != getattr(viewer, "pk", None)
            and comment.hidden_at is None
        )
        count += comment.is_new  # type: ignore[attr-defined]  # a display attribute, not a model field
    return count


def thread_participants(top: Comment) -> QuerySet:
    """Who wrote in the thread of ``top`` (its author and those who replied) and still reads
    the commune's comments (a validated resident, or staff who publish)."""
    commune = top.commune
    authors = Comment.objects.filter(Q(pk=top.pk) | Q(parent_id=top.pk)).values("author_id")
    readers = Q(
        pk__in=Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED).values(
            "user_id"
        )
    ) | Q(pk__in=holders_of_permission(commune, PUBLISH_CONTENT).values("pk"))
    return get_user_model().objects.filter(readers, pk__in=authors)


# --- staff ---------------------------------------------------------------------------


def communes_answered_by(user: User) -> QuerySet[Commune]:
    """Communes whose comments ``user`` reads in the admin and answers as the town hall."""
    return communes_with_permission(user, PUBLISH_CONTENT)


STAFF_SCOPE = CommuneScope(staff_communes=communes_answered_by)


def comments_for_staff(
    *, user: User, commune: Commune | None = None, page_id: int | str | None = None
) -> QuerySet[Comment]:
    """The admin's list: comments on the news of the communes in scope, newest first."""
    queryset = STAFF_SCOPE.filter(
        Comment.objects.visible().filter(target_type=ContentType.objects.get_for_model(NewsPage)),
        user=user,
        commune=commune,
    )
    if page_id:
        queryset = queryset.filter(target_id=page_id)
    return queryset.select_related("commune").order_by("-created_at", "-id")


def news_for_staff(*, user: User, commune: Commune | None = None) -> QuerySet[NewsPage]:
    """News pages with comments in scope (the admin's filter)."""
    ids = comments_for_staff(user=user, commune=commune).values("target_id")
    pages: QuerySet[NewsPage] = NewsPage.objects.filter(pk__in=ids).order_by(
        "-first_published_at", "-pk"
    )
    return pages


def access_comment_for_staff(
    user: User, pk: int | str, *, commune: Commune | None = None
) -> Comment:
    pk = positive_id(pk)
    comment = comments_for_staff(user=user, commune=commune).filter(pk=pk).first()
    if comment is None:
        raise Http404
    return comment
