"""Demo data, the GDPR export and account closure for the gazette (CNT-2)."""

from __future__ import annotations

import pytest

from accounts.closure import account_close
from accounts.export import account_export
from gazette import demo, services
from gazette.models import Post
from tests.platform.gazette.conftest import publish, site_client

pytestmark = pytest.mark.django_db


def test_demo_posts_with_photos_once(gazette_world, commune):
    demo.load(commune)
    assert Post.objects.filter(community=gazette_world.here).count() == 3
    assert Post.objects.filter(community=gazette_world.here, photos__isnull=False).exists()
    demo.load(commune)
    assert Post.objects.filter(community=gazette_world.here).count() == 3


def test_the_export_has_the_person_s_posts_and_comments(gazette_world):
    post = publish(gazette_world)
    services.post_edit(
        post=post, by=gazette_world.here_member, category="help", title="Nouveau", body="B"
    )
    services.comment_create(post=post, author=gazette_world.here_member, body="Mon commentaire")
    export = account_export(gazette_world.here_member)
    posts = export["sections"]["gazette"]["posts"]
    assert [p["title"] for p in posts] == ["Nouveau"]
    assert posts[0]["earlier_versions"][0]["title"] == "Fête de la rue"
    comments = export["sections"]["conversations"]["comments"]
    assert [(c["on"], c["body"]) for c in comments] == [("gazette.post", "Mon commentaire")]


def test_after_closure_the_post_stays_under_former_member(gazette_world):
    author = gazette_world.here_member
    author.set_password("motdepasse-solide-123")
    author.save()
    post = publish(gazette_world, title="Vide-grenier")
    account_close(user=author, password="motdepasse-solide-123")
    response = site_client(gazette_world.neighbour).get(f"/gazette/{post.pk}/")
    assert response.status_code == 200
    assert "Ancien membre" in response.content.decode()
