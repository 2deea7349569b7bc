"""messaging.demo.load: threads between neighbours and with the town hall, idempotent."""

import pytest

from messaging import demo
from messaging.models import Message, Thread
from tests.factories import UserFactory
from tests.follows import validated
from tests.twinning import make_mayor

pytestmark = pytest.mark.django_db


def test_demo_threads(world, twinned, commune, alice):
    mayor = make_mayor(commune)
    resident = validated(UserFactory(), commune)
    demo.load(commune, mayor, [resident])
    assert Thread.objects.filter(commune=commune).count() == 1
    assert Thread.objects.filter(commune__isnull=True).count() >= 2
    assert Message.objects.filter(as_town_hall=True).count() == 1
    count = Thread.objects.count()
    demo.load(commune, mayor, [resident])
    assert Thread.objects.count() == count
