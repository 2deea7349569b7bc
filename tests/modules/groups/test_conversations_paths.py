"""Group posts are conversations' comments: conversations' news-only paths stay news-only."""

from __future__ import annotations

import pytest
from django.test import Client

from conversations.models import Comment
from conversations.selectors import access_comment, comments_for_staff
from modules.groups import demo
from modules.groups.models import Group, GroupMember
from notifications.models import Event
from tests.modules.groups.conftest import write
from tests.platform.conversations.conftest import add_news
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


def test_the_comments_admin_lists_news_comments_only(commune, group, resident, staff):
    post = write(group, resident, body="Message du groupe")
    assert list(comments_for_staff(user=staff, commune=commune)) == []
    client = Client(HTTP_HOST="testserver")
    verified_login(client, staff)
    html = client.get("/admin/comments/").content.decode()
    assert "Message du groupe" not in html
    # a group post is not reachable as a news comment either
    from django.http import Http404

    with pytest.raises(Http404):
        access_comment(resident, post.pk, commune=commune)


def test_a_group_post_publishes_groups_events_not_comments_ones(group, resident, staff):
    write(group, resident)
    assert set(Event.objects.values_list("kind", flat=True)) == {"groups.post"}


def test_group_posts_do_not_show_under_a_news_item(commune, group, resident):
    add_news(commune)
    write(group, resident, body="Message du groupe")
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(resident)
    assert "Message du groupe" not in client.get("/travaux/").content.decode()


def test_demo_one_group_per_commune_answered_by_the_town_hall(commune, staff, resident, neighbour):
    demo.load(commune, [resident, neighbour])
    group = Group.objects.get()
    assert group.commune == commune and group.pinned
    assert GroupMember.objects.filter(group=group, status="accepted").count() == 2
    answer = Comment.objects.get(as_town_hall=True)
    assert answer.author == staff
    demo.load(commune, [resident, neighbour])  # idempotent
    assert Comment.objects.count() == 3
