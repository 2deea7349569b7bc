"""Reads of the gazette (CNT-2), and who may read and write it.

Only the members of a community read its gazette: not people whose request is pending,
not members of twinned communities, not the town hall, not platform staff (moderation
arrives through the reportable kinds, issue 17). Anyone else gets the same 404 as for a
missing post (``access_*``), so nobody learns what a community publishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from communities.models import Community, Membership
from communities.selectors import community_of, is_member
from conversations.models import Comment, ReadMarker
from core.access import is_open_account
from core.ids import positive_id
from gazette.models import Post, PostFile, PostPhoto

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune


# --- who ------------------------------------------------------------------------------


def gazette_of(user: User) -> Community | None:
    """The community whose gazette ``user`` reads: theirs, once a member (not pending)."""
    if not is_open_account(user):
        return None
    return community_of(user)


def access_gazette(user: User, community_id: int | str) -> Community:
    """The community ``community_id`` if ``user`` is a member of it; Http404 otherwise."""
    pk = positive_id(community_id)
    if not is_open_account(user):
        raise Http404
    community = (
        Community.objects.select_related("commune")
        .filter(
            pk=pk,
            memberships__user=user,
            memberships__status=Membership.Status.MEMBER,
        )
        .first()
    )
    if community is None:
        raise Http404
    return community


def can_write(user: User, community: Community) -> bool:
    return is_member(user, community)


# --- posts ----------------------------------------------------------------------------


def post_type() -> ContentType:
    return ContentType.objects.get_for_model(Post)


def posts_of(community: Community, *, category: str | None = None) -> QuerySet[Post]:
    """The listed posts of ``community`` (moderation hides the others), newest first, with
    their photos, files and comment count in a fixed number of queries."""
    posts = Post.objects.filter(community=community, hidden_at__isnull=True)
    if category:
        posts = posts.filter(category=category)
    return (
        posts.annotate(comment_count=_comment_count_subquery())
        .prefetch_related(
            Prefetch("photos", queryset=PostPhoto.objects.order_by("position", "pk")),
            Prefetch("files", queryset=PostFile.objects.order_by("position", "pk")),
        )
        .order_by("-created_at", "-id")
    )


def _comment_count_subquery() -> Coalesce:
    counts = (
        Comment.objects.visible()
        .filter(target_type=post_type(), target_id=OuterRef("pk"))
        .order_by()
        .values("target_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def access_post(
    user: User,
    pk: int | str,
    *,
    community: Community | None = None,
    include_hidden: bool = False,
) -> Post:
    """A listed post of a community ``user`` is a member of (and of ``community`` when
    given): Http404 alike for missing, hidden, another community's and not a member.
    ``include_hidden``: a post moderation hid too (for moderation's own checks)."""
    pk = positive_id(pk)
    if not is_open_account(user):
        raise Http404
    posts = Post.objects.filter(
        pk=pk,
        community__memberships__user=user,
        community__memberships__status=Membership.Status.MEMBER,
    ).select_related("community", "community__commune")
    if community is not None:
        posts = posts.filter(community=community)
    if not include_hidden:
        posts = posts.filter(hidden_at__isnull=True)
    post = posts.first()
    if post is None:
        raise Http404
    return post


def access_own_post(user: User, pk: int | str, *, community: Community | None = None) -> Post:
    """A post ``user`` wrote and may edit: 404 alike for "no such" and "not yours"."""
    post = access_post(user, pk, community=community)
    if post.author_id is None or post.author_id != user.pk:
        raise Http404
    return post


def access_photo(user: User, post: Post, photo_id: int | str) -> PostPhoto:
    photo = PostPhoto.objects.filter(post=post, pk=positive_id(photo_id)).first()
    if photo is None:
        raise Http404
    return photo


def access_file(user: User, post: Post, file_id: int | str) -> PostFile:
    document = PostFile.objects.filter(post=post, pk=positive_id(file_id)).first()
    if document is None:
        raise Http404
    return document


# --- comments -------------------------------------------------------------------------


def access_post_comment(user: User, post: Post, comment_id: int | str) -> Comment:
    """A listed comment of ``post`` written by ``user`` (who may edit it): 404 otherwise."""
    comment = (
        Comment.objects.visible()
        .filter(
            pk=positive_id(comment_id),
            target_type=post_type(),
            target_id=post.pk,
            author=user,
        )
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def post_belongs_to(target: Model, commune: Commune) -> bool:
    return isinstance(target, Post) and target.community.commune_id == commune.pk


def can_comment(user: User, target: Model, commune: Commune) -> bool:
    return (
        isinstance(target, Post) and target.hidden_at is None and is_member(user, target.community)
    )


# --- new since the last visit ---------------------------------------------------------


def markers_of(user: User, posts: Iterable[Post]) -> dict[int, datetime]:
    """When ``user`` last viewed each post (one query)."""
    ids = [post.pk for post in posts]
    if not ids or not is_open_account(user):
        return {}
    return dict(
        ReadMarker.objects.filter(
            user=user, target_type=post_type(), target_id__in=ids
        ).values_list("target_id", "seen_at")
    )


def mark_new_posts(user: User, posts: Iterable[Post]) -> None:
    """``is_new``: a post by someone else never opened; ``has_news``: activity (an edit, a
    comment) since the viewer's last visit to it."""
    posts = list(posts)
    seen = markers_of(user, posts)
    for post in posts:
        mine = post.author_id is not None and post.author_id == user.pk
        last = seen.get(post.pk)
        post.is_new = not mine and last is None  # type: ignore[attr-defined]  # display
        post.has_news = bool(  # type: ignore[attr-defined]  # display
            last is not None and post.activity_at > last
        )


def author_posts(user: User) -> QuerySet[Post]:
    return Post.objects.filter(author=user).order_by("created_at", "pk")


def post_comments(post: Post) -> QuerySet[Comment]:
    """The listed comments of ``post``."""
    return Comment.objects.visible().filter(target_type=post_type(), target_id=post.pk)
