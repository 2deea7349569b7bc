from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from modules.classifieds.models import Classified
from modules.classifieds.selectors import (
    access_classified,
    access_own_classified,
    can_change_classified,
    classifieds_of_author,
    classifieds_open,
)
from modules.classifieds.services import classified_close


def test_open_classifieds_are_newest_first_and_of_the_commune_only(
    commune, other_commune, resident, publish
):
    older = publish(commune, resident, title="Ancienne")
    newer = publish(commune, resident, title="Récente")
    publish(other_commune, resident, title="Ailleurs")
    assert list(classifieds_open(commune=commune)) == [newer, older]


def test_closed_expired_and_past_due_classifieds_are_not_open(commune, resident, publish):
    open_one = publish(commune, resident)
    classified_close(classified=publish(commune, resident), by=resident)
    expired = publish(commune, resident)
    Classified.objects.filter(pk=expired.pk).update(status=Classified.Status.EXPIRED)
    past_due = publish(commune, resident)
    Classified.objects.filter(pk=past_due.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1),
        created_at=timezone.now() - timedelta(days=2),
    )
    assert list(classifieds_open(commune=commune)) == [open_one]


def test_open_classifieds_filter_by_kind(commune, resident, publish):
    offer = publish(commune, resident, kind="offer")
    request = publish(commune, resident, kind="request")
    assert list(classifieds_open(commune=commune, kind="offer")) == [offer]
    assert list(classifieds_open(commune=commune, kind="request")) == [request]


def test_authors_of_a_list_cost_one_query_through_the_privacy_matrix(
    commune, resident, neighbour, publish, django_assert_num_queries
):
    from privacy.matrix import attach_cards

    resident.pseudonym = "Marie des Remparts"
    resident.save()
    for _ in range(3):
        publish(commune, resident)
        publish(commune, neighbour)
    # The classifieds, the viewer's staff groups, then the authors.
    with django_assert_num_queries(3):
        listed = attach_cards(
            neighbour, classifieds_open(commune=commune), "author", public_author=True
        )
    names = {c.author_card.display_name for c in listed}
    assert names == {"Marie des Remparts", neighbour.get_full_name()}


def test_author_sees_own_classifieds_in_every_status(
    commune, other_commune, resident, neighbour, publish
):
    mine_open = publish(commune, resident)
    mine_closed = publish(commune, resident)
    classified_close(classified=mine_closed, by=resident)
    publish(commune, neighbour)
    publish(other_commune, resident)
    assert list(classifieds_of_author(commune=commune, author=resident)) == [
        mine_closed,
        mine_open,
    ]


def test_access_classified_finds_classified_of_the_commune(commune, resident, publish):
    classified = publish(commune, resident)
    assert access_classified(resident, classified.pk, commune=commune) == classified
    assert access_classified(resident, str(classified.pk), commune=commune) == classified


@pytest.mark.parametrize("pk", [0, -1, 999_999, 2**63, "abc", None, "1.5"])
def test_access_classified_404s_for_unknown_ids(commune, resident, pk):
    with pytest.raises(Http404):
        access_classified(resident, pk, commune=commune)


def test_access_classified_404s_for_other_commune_alike(commune, other_commune, resident, publish):
    classified = publish(other_commune, resident)
    with pytest.raises(Http404):
        access_classified(resident, classified.pk, commune=commune)


def test_closed_classified_is_visible_to_its_author_only(commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    classified_close(classified=classified, by=resident)
    assert access_classified(resident, classified.pk, commune=commune) == classified
    with pytest.raises(Http404):
        access_classified(neighbour, classified.pk, commune=commune)


def test_only_the_author_gets_their_classified_to_change(commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    assert access_own_classified(resident, classified.pk, commune=commune) == classified
    assert access_classified(neighbour, classified.pk, commune=commune) == classified
    with pytest.raises(Http404):
        access_own_classified(neighbour, classified.pk, commune=commune)
    assert can_change_classified(resident, classified)
    assert not can_change_classified(neighbour, classified)
