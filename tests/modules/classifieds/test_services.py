from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone
from wagtail.models import ModelLogEntry

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_close, classified_create


def test_resident_publishes_open_classified_for_default_duration(commune, resident, publish):
    classified = publish(commune, resident)
    assert classified.status == Classified.Status.OPEN
    assert classified.commune == commune
    assert classified.author == resident
    assert classified.expires_at - classified.created_at == timedelta(days=30)
    assert ModelLogEntry.objects.filter(
        object_id=str(classified.pk), action="wagtail.create", user=resident
    ).exists()


@override_settings(CLASSIFIEDS_DEFAULT_DAYS=7)
def test_default_duration_comes_from_settings(commune, resident, publish):
    classified = publish(commune, resident)
    assert classified.expires_at - classified.created_at == timedelta(days=7)


def test_author_chooses_duration_up_to_the_maximum(commune, resident, publish):
    classified = publish(commune, resident, days=90)
    assert classified.expires_at - classified.created_at == timedelta(days=90)


@pytest.mark.parametrize("days", [0, -1, 91, 10_000, "5", 2.5, True])
def test_duration_out_of_range_is_refused_with_field_error(commune, resident, publish, days):
    with pytest.raises(ValidationError) as error:
        publish(commune, resident, days=days)
    assert set(error.value.message_dict) == {"days"}
    assert not Classified.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "sale"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": ""}, "description"),
        ({"description": "x" * 3001}, "description"),
        ({"contact": None}, "contact"),
        ({"show_phone": True}, "show_phone"),  # Marie gave no phone number
        ({"show_email": "yes"}, "show_email"),
        ({"contact": "x" * 201}, "contact"),
        ({"title": "nul\x00byte"}, "title"),
        ({"description": "lone \ud800 surrogate"}, "description"),
    ],
)
def test_invalid_fields_are_refused_with_field_errors(commune, resident, publish, overrides, field):
    with pytest.raises(ValidationError) as error:
        publish(commune, resident, **overrides)
    assert field in error.value.message_dict
    assert not Classified.objects.exists()


def test_anonymous_cannot_publish(commune):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        classified_create(
            commune=commune,
            author=AnonymousUser(),
            kind="offer",
            title="t",
            description="d",
            contact="c",
        )


def test_author_can_close_own_classified(commune, resident, publish):
    classified = publish(commune, resident)
    classified_close(classified=classified, by=resident)
    classified.refresh_from_db()
    assert classified.status == Classified.Status.CLOSED
    assert classified.closed_at is not None
    assert (
        ModelLogEntry.objects.filter(
            object_id=str(classified.pk), action="classifieds.close"
        ).count()
        == 1
    )


def test_closing_twice_is_harmless(commune, resident, publish):
    classified = publish(commune, resident)
    classified_close(classified=classified, by=resident)
    closed_at = Classified.objects.get().closed_at
    classified_close(classified=classified, by=resident)
    classified.refresh_from_db()
    assert classified.status == Classified.Status.CLOSED
    assert classified.closed_at == closed_at
    assert ModelLogEntry.objects.filter(action="classifieds.close").count() == 1


def test_other_resident_cannot_close(commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    with pytest.raises(PermissionDenied):
        classified_close(classified=classified, by=neighbour)
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN


def test_closing_an_expired_classified_keeps_it_expired(commune, resident, publish):
    classified = publish(commune, resident)
    Classified.objects.filter(pk=classified.pk).update(status=Classified.Status.EXPIRED)
    classified_close(classified=classified, by=resident)
    assert classified.status == Classified.Status.EXPIRED


def test_publishing_time_is_now(commune, resident, publish):
    before = timezone.now()
    classified = publish(commune, resident)
    assert before <= classified.created_at <= timezone.now()
