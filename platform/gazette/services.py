"""Writes of the gazette (CNT-2): post, edit one's own post (history kept), comment.

Keyword-only and atomic; the site and the API call these, never the ORM. Nobody deletes
a post (seed 003: "il n'est pas possible de supprimer une information"); moderation hides
(``hidden_at``, issue 17). Comments are ``conversations.Comment`` rows written through
``conversations.services`` with the gazette's rules (members only, never the town hall).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations import services as conversations
from conversations.models import Comment
from conversations.services import clean_text
from conversations.targets import TargetRules
from core import abuse
from core.files import clean_document
from core.images import clean_image
from gazette import notify
from gazette.models import (
    BODY_MAX_LENGTH,
    MAX_FILES,
    MAX_PHOTOS,
    TITLE_MAX_LENGTH,
    Category,
    Post,
    PostFile,
    PostPhoto,
    PostRevision,
)
from gazette.selectors import can_comment, can_write, post_belongs_to

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User
    from communities.models import Community

POST_KIND = "gazette.post"  # its ReportableKind (gazette.apps)

COMMENT_RULES = TargetRules(
    belongs_to=post_belongs_to,
    can_comment=can_comment,
    refusal=gettext_lazy("Only the members of the community can comment in its gazette."),
    notify=notify.comment_written,
)


def _clean_fields(category: object, title: object, body: object) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    for field, value, max_length, empty in (
        ("title", title, TITLE_MAX_LENGTH, _("Give a title.")),
        ("body", body, BODY_MAX_LENGTH, _("Write your text.")),
    ):
        try:
            cleaned[field] = clean_text(value, field=field, max_length=max_length, empty=empty)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return str(category), cleaned["title"], cleaned["body"]


def _clean_photos(uploads: Sequence[Any], *, already: int = 0) -> list[Any]:
    if already + len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(max)s photos.") % {"max": MAX_PHOTOS}]})
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append(
                clean_image(
                    upload,
                    max_side=settings.GAZETTE_PHOTO_MAX_SIDE,
                    max_bytes=settings.GAZETTE_PHOTO_MAX_BYTES,
                )
            )
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None
    return cleaned


def _clean_files(uploads: Sequence[Any], *, already: int = 0) -> list[tuple[Any, Any]]:
    if already + len(uploads) > MAX_FILES:
        raise ValidationError({"files": [_("At most %(max)s files.") % {"max": MAX_FILES}]})
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append((upload, clean_document(upload)))
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None
    return cleaned


def _display_name(upload: Any, extension: str) -> str:
    """The name shown and proposed on download: the sender's, with the sniffed extension."""
    raw = str(getattr(upload, "name", "") or "")
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    stem = raw.rsplit(".", 1)[0] if "." in raw else raw
    stem = "".join(char for char in stem if char.isprintable() and char not in '"<>:|?*')
    stem = stem.strip()[:100] or _("document")
    return f"{stem}.{extension}"


def _attach(post: Post, photos: list[Any], files: list[tuple[Any, Any]], start: int = 0) -> None:
    from PIL import Image

    for position, content in enumerate(photos, start=start):
        with Image.open(content) as image:
            width, height = image.size
        content.seek(0)
        photo = PostPhoto(post=post, width=width, height=height, position=position)
        photo.image.save("photo.jpg", content, save=False)
        photo.save()
    file_start = PostFile.objects.filter(post=post).count()
    for position, (upload, sniffed) in enumerate(files, start=file_start):
        document = PostFile(
            post=post,
            name=_display_name(upload, sniffed.extension),
            content_type=sniffed.content_type,
            extension=sniffed.extension,
            size=upload.size,
            position=position,
        )
        upload.seek(0)
        document.file.save(f"file.{sniffed.extension}", upload, save=False)
        document.save()


@transaction.atomic
def post_create(
    *,
    community: Community,
    author: User,
    category: str,
    title: str,
    body: str,
    photos: Sequence[Any] = (),
    files: Sequence[Any] = (),
) -> Post:
    """``author``, a member of ``community``, posts in its gazette; the other members are told."""
    if not can_write(author, community):
        raise PermissionDenied(_("Only the members of the community can post in its gazette."))
    category, title, body = _clean_fields(category, title, body)
    clean_photos = _clean_photos(photos)
    clean_files = _clean_files(files)
    verdict = abuse.check(
        author,
        "post",
        recent=Post.objects.filter(author=author),
        text=f"{title} {body}",
        text_fields=("title", "body"),
    )
    now = timezone.now()
    post = Post.objects.create(
        community=community,
        author=author,
        category=category,
        title=title,
        body=body,
        created_at=now,
        activity_at=now,
        hidden_at=verdict.hidden_at(now),
    )
    _attach(post, clean_photos, clean_files)
    if verdict.held:  # waits for a moderator: the members are not told of it yet
        abuse.hold(verdict, kind=POST_KIND, instance=post)
    else:
        notify.post_published(post)
    return post


@transaction.atomic
def post_edit(
    *,
    post: Post,
    by: User,
    category: str,
    title: str,
    body: str,
    photos: Sequence[Any] = (),
    files: Sequence[Any] = (),
) -> Post:
    """The author changes their post (marked "modifié", the previous version kept) and may
    add photos and files up to the limits. Nothing is removed (seed 003)."""
    if (
        post.author_id is None
        or post.author_id != by.pk
        or post.hidden_at is not None
        or not can_write(by, post.community)
    ):
        raise PermissionDenied(_("Only its author can change this post."))
    category, title, body = _clean_fields(category, title, body)
    abuse.check_links(by, f"{title} {body}")
    current = Post.objects.select_for_update().get(pk=post.pk)
    photo_count = PostPhoto.objects.filter(post=current).count()
    clean_photos = _clean_photos(photos, already=photo_count)
    clean_files = _clean_files(files, already=PostFile.objects.filter(post=current).count())
    changed = (current.category, current.title, current.body) != (category, title, body)
    now = timezone.now()
    if changed:
        PostRevision.objects.create(
            post=current,
            category=current.category,
            title=current.title,
            body=current.body,
            written_at=current.edited_at or current.created_at,
            replaced_at=now,
        )
        current.category, current.title, current.body = category, title, body
    if changed or clean_photos or clean_files:
        current.edited_at = now
        current.activity_at = now
        current.save(update_fields=["category", "title", "body", "edited_at", "activity_at"])
    _attach(current, clean_photos, clean_files, start=photo_count)
    if changed or clean_photos or clean_files:
        conversations.mark_seen(user=by, target=current, now=now)  # no news to its author
    return current


def comment_create(
    *, post: Post, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """A member comments the post, or answers a comment (one level of replies). Their own
    comment is no news to them: their visit is recorded with it."""
    comment = conversations.comment_create(
        target=post,
        commune=post.community.commune,
        author=author,
        body=body,
        parent=parent,
        rules=COMMENT_RULES,
    )
    conversations.mark_seen(user=author, target=post, now=comment.created_at)
    return comment


def comment_edit(*, comment: Comment, post: Post, by: User, body: str) -> Comment:
    """The author changes their comment (the previous text kept by conversations)."""
    return conversations.comment_edit(
        comment=comment,
        target=post,
        commune=post.community.commune,
        by=by,
        body=body,
        rules=COMMENT_RULES,
    )


def mark_seen(*, user: User, post: Post) -> datetime | None:
    """Record the visit of ``user`` to ``post``; returns their previous one."""
    return conversations.mark_seen(user=user, target=post)
