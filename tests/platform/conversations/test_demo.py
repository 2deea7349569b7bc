import pytest

from conversations import demo
from conversations.models import Comment
from tests.platform.conversations.conftest import add_news

pytestmark = pytest.mark.django_db


def test_demo_comments_one_answered_by_the_town_hall(commune, news, resident, neighbour, staff):
    add_news(commune, "Fête de la musique", slug="musique")
    demo.load(commune, staff, [resident, neighbour])
    assert Comment.objects.filter(parent__isnull=True).count() == 2
    answer = Comment.objects.get(as_town_hall=True)
    assert answer.author == staff
    assert answer.parent.author == resident
    demo.load(commune, staff, [resident, neighbour])  # idempotent
    assert Comment.objects.count() == 4
