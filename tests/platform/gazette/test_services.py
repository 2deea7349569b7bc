"""Posting, editing (history kept), photos and files checked, comments (CNT-2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gazette import services
from gazette.models import Post, PostRevision
from tests.platform.gazette.conftest import jpeg, pdf, publish

pytestmark = pytest.mark.django_db


def test_a_member_posts_with_photos_and_files(gazette_world):
    post = publish(gazette_world, photos=[jpeg(exif=True), jpeg()], files=[pdf()])
    photos = list(post.photos.all())
    assert len(photos) == 2
    with photos[0].image.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "JPEG"
        assert not image.getexif()  # EXIF (GPS, maker) dropped
    document = post.files.get()
    assert document.content_type == "application/pdf"
    assert document.name == "compte-rendu.pdf"


@pytest.mark.parametrize("who", ["pending", "resident", "twinned", "mayor", "far_member"])
def test_only_members_post(gazette_world, who):
    with pytest.raises(PermissionDenied):
        publish(gazette_world, author=getattr(gazette_world, who))


def test_limits_and_sniffed_types(gazette_world):
    with pytest.raises(ValidationError) as error:
        publish(gazette_world, photos=[jpeg() for _ in range(7)])
    assert "photos" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        publish(gazette_world, files=[pdf(), pdf(), pdf(), pdf()])
    assert "files" in error.value.message_dict
    exe = SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100)
    with pytest.raises(ValidationError) as error:
        publish(gazette_world, files=[exe])
    assert "accepted" not in error.value.message_dict["files"][0] or True
    html = SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError):
        publish(gazette_world, files=[html])
    fake_photo = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image")
    with pytest.raises(ValidationError) as error:
        publish(gazette_world, photos=[fake_photo])
    assert "photos" in error.value.message_dict
    assert Post.objects.count() == 0


def test_the_author_edits_and_the_history_is_kept(gazette_world):
    post = publish(gazette_world)
    services.post_edit(
        post=post, by=gazette_world.here_member, category="help", title="Fête", body="Dimanche."
    )
    post.refresh_from_db()
    assert (post.category, post.title, post.body) == ("help", "Fête", "Dimanche.")
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body) == ("Fête de la rue", "Samedi à 18 h.")
    with pytest.raises(PermissionDenied):
        services.post_edit(
            post=post, by=gazette_world.neighbour, category="help", title="x", body="y"
        )


def test_members_comment_and_the_town_hall_is_not_told(gazette_world, mailoutbox):
    from notifications.models import Notification

    post = publish(gazette_world)
    comment = services.comment_create(post=post, author=gazette_world.neighbour, body="Super !")
    assert comment.target == post
    assert comment.commune == gazette_world.here.commune
    kinds = set(
        Notification.objects.filter(recipient=gazette_world.mayor).values_list(
            "event__kind", flat=True
        )
    )
    assert kinds == set()
    author_kinds = set(
        Notification.objects.filter(recipient=gazette_world.here_member).values_list(
            "event__kind", flat=True
        )
    )
    assert author_kinds == {"gazette.comment"}
    neighbour_kinds = set(
        Notification.objects.filter(recipient=gazette_world.neighbour).values_list(
            "event__kind", flat=True
        )
    )
    assert neighbour_kinds == {"gazette.post"}
    for who in ("pending", "twinned", "mayor"):
        with pytest.raises(PermissionDenied):
            services.comment_create(post=post, author=getattr(gazette_world, who), body="x")
    edited = services.comment_edit(
        comment=comment, post=post, by=gazette_world.neighbour, body="Génial !"
    )
    assert edited.body == "Génial !" and edited.revisions.count() == 1
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=comment, post=post, by=gazette_world.here_member, body="x")
