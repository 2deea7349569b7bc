"""The gazette's notifications (rubric "gazette": centre, digests, e-mail, push; never SMS).

* ``gazette.post``: the other members of the community when someone posts;
* ``gazette.comment``: the post's author and those who commented it, when someone comments.

E-mails are worded by ``notifications/email/kinds/gazette.*``; they name the community and
never quote the post, its title or the comment (e-mails get forwarded; the gazette is
the members'), and neither do the titles of the centre and push notifications.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from communities.models import Membership
from conversations.models import Comment
from core.access import open_accounts
from gazette.models import Post
from notifications.fanout import publish


def post_path(post: Post) -> str:
    return f"/gazette/{post.pk}/"


def members(community_id: int) -> QuerySet:
    return open_accounts(
        get_user_model().objects.filter(
            community_memberships__community_id=community_id,
            community_memberships__status=Membership.Status.MEMBER,
        )
    )


def post_published(post: Post) -> None:
    community = post.community
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New post in the gazette of %(community)s") % {"community": community.name}
    publish(
        "gazette.post",
        audience=members(community.pk),
        title=title,
        url=post_path(post),
        commune=community.commune,
        actor=post.author,
        data={"community": community.name},
        dedupe_key=f"gazette.post:{post.pk}",
    )


def comment_written(comment: Comment, target: Model) -> None:
    """``conversations`` calls this (``TargetRules.notify``) once a comment is written."""
    assert isinstance(target, Post)
    Post.objects.filter(pk=target.pk).update(activity_at=comment.created_at)
    community = target.community
    writers = Comment.objects.filter(target_type=comment.target_type, target_id=target.pk).values(
        "author_id"
    )
    audience = members(community.pk).filter(Q(pk=target.author_id) | Q(pk__in=writers))
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New comment in the gazette of %(community)s") % {"community": community.name}
    publish(
        "gazette.comment",
        audience=audience,
        title=title,
        url=f"{post_path(target)}#comment-{comment.pk}",
        commune=community.commune,
        actor=comment.author,
        data={"community": community.name},
        dedupe_key=f"gazette.comment:{comment.pk}",
    )
