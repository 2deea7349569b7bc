from datetime import timedelta

from django.utils import timezone

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_close, classifieds_expire
from modules.classifieds.tasks import expire_classifieds


def test_classifieds_past_their_end_expire(commune, resident, publish):
    short = publish(commune, resident, days=1)
    long = publish(commune, resident, days=10)
    assert classifieds_expire(now=timezone.now() + timedelta(days=2)) == 1
    short.refresh_from_db()
    long.refresh_from_db()
    assert short.status == Classified.Status.EXPIRED
    assert long.status == Classified.Status.OPEN


def test_nothing_expires_before_its_end(commune, resident, publish):
    publish(commune, resident, days=1)
    assert classifieds_expire(now=timezone.now() + timedelta(hours=23)) == 0


def test_closed_classifieds_stay_closed(commune, resident, publish):
    classified = publish(commune, resident, days=1)
    classified_close(classified=classified, by=resident)
    assert classifieds_expire(now=timezone.now() + timedelta(days=2)) == 0
    classified.refresh_from_db()
    assert classified.status == Classified.Status.CLOSED


def test_expiry_is_one_update_query(
    commune, other_commune, resident, publish, django_assert_num_queries
):
    for _ in range(5):
        publish(commune, resident, days=1)
        publish(other_commune, resident, days=1)
    with django_assert_num_queries(1):
        count = classifieds_expire(now=timezone.now() + timedelta(days=2))
    assert count == 10


def test_expiry_is_idempotent(commune, resident, publish):
    publish(commune, resident, days=1)
    later = timezone.now() + timedelta(days=2)
    assert classifieds_expire(now=later) == 1
    assert classifieds_expire(now=later) == 0


def test_task_calls_the_service_and_returns_the_count(commune, resident, publish):
    classified = publish(commune, resident, days=1)
    Classified.objects.filter(pk=classified.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=2),
    )
    assert expire_classifieds() == 1
    classified.refresh_from_db()
    assert classified.status == Classified.Status.EXPIRED
