"""CTY-4: a refused resident contests the refusal at the support desk, and the platform's
staff overturn it (``communities.services.membership_overturn`` through
``moderation.support.services.overturn``), from the admin's request page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from communities import notify
from communities import services as communities_services
from communities.models import HistoryEntry, Membership
from moderation.models import SupportRequest
from moderation.support import services
from notifications.models import Event, Notification
from tests.communities import SAINT_MALO, join, make_community, offset, person_at, referent_of
from tests.platform.moderation.support_world import (
    admin_client,
    support_world_fixture,  # noqa: F401
)
from tests.twinning import make_mayor

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def text(msgid: str, **values) -> str:
    """``msgid`` as the platform writes it (services and notices speak French)."""
    with translation.override(settings.LANGUAGE_CODE):
        result = gettext(msgid)
    return result % values if values else result


def refuse(world, reason="Votre adresse n’est pas dans la rue."):
    """The référent refuses the waiting resident's request (the notices run)."""
    referent = referent_of(world.community)
    membership = Membership.objects.get(pk=world.membership.pk)
    return communities_services.membership_decide(
        membership=membership, by=referent, accept=False, reason=reason
    )


def appeal(world, topic="appeal_refusal"):
    return services.request_create(
        user=world.waiting,
        topic=topic,
        subject="Je conteste le refus",
        body="J’habite bien dans le quartier.",
    )


def test_the_refusal_notice_links_to_the_contest_form(
    support_world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refuse(support_world)
    event = Event.objects.get(kind="community.decision")
    assert event.url == "/contact/?topic=appeal_refusal"
    assert event.url == notify.appeal_path()
    assert Notification.objects.filter(event=event, recipient=support_world.waiting).exists()


def test_the_support_form_preselects_the_appeal(support_world):
    client = Client(HTTP_HOST=HOST)
    client.force_login(support_world.waiting)
    response = client.get("/contact/?topic=appeal_refusal")
    assert response.status_code == 200
    assert response.context["form"].initial == {"topic": "appeal_refusal"}


def test_my_community_page_offers_to_contest(support_world):
    refuse(support_world)
    client = Client(HTTP_HOST=HOST)
    client.force_login(support_world.waiting)
    html = client.get("/communautes/ma-communaute/").content.decode()
    assert "/contact/?topic=appeal_refusal" in html
    assert "Votre adresse n’est pas dans la rue." in html


def test_the_full_path_refused_appeal_overturn_member(
    support_world, django_capture_on_commit_callbacks
):
    world = support_world
    refuse(world)
    request = appeal(world)
    assert services.overturn_offer(request)
    referent = referent_of(world.community)
    client = admin_client(world.desk)
    page = client.get(f"/admin/support/{request.pk}/")
    assert page.status_code == 200
    assert 'name="overturn"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/support/{request.pk}/", {"overturn": "1"})
    assert response.status_code == 302
    assert [str(m).strip() for m in get_messages(response.wsgi_request)] == [
        text(
            "The refusal is overturned: the person is now a member of %(community)s.",
            community="Intra-muros",
        )
    ]
    membership = Membership.objects.get(pk=world.membership.pk)
    assert membership.status == Membership.Status.MEMBER
    assert membership.decided_by == world.desk
    assert membership.refusal_reason == ""
    entry = HistoryEntry.objects.get(
        community=world.community, kind=HistoryEntry.Kind.JOINED, person=world.waiting
    )
    assert entry.actor == world.desk and entry.data == {"overturned": True}
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.ANSWERED
    answer = request.messages.filter(from_staff=True).get()
    assert "Intra-muros" in answer.body and answer.author == world.desk
    # The person: welcomed and answered; the référents: told (the person is not named).
    welcome = Event.objects.filter(kind="community.decision", data__accepted=True)
    person_event = welcome.exclude(data__has_key="overturned").get()
    assert Notification.objects.filter(event=person_event, recipient=world.waiting).exists()
    referents_event = welcome.get(data__overturned=True)
    assert set(
        Notification.objects.filter(event=referents_event).values_list("recipient", flat=True)
    ) == {referent.pk}
    assert world.waiting.last_name not in referents_event.title
    assert Event.objects.filter(kind="support.answer").count() == 1
    # Done: the button is gone.
    assert 'name="overturn"' not in client.get(f"/admin/support/{request.pk}/").content.decode()
    assert not services.overturn_offer(request)


def test_no_offer_for_another_topic_and_the_service_refuses(support_world):
    refuse(support_world)
    request = appeal(support_world, topic="overlap")
    assert not services.overturn_offer(request)
    html = admin_client(support_world.desk).get(f"/admin/support/{request.pk}/").content
    assert b'name="overturn"' not in html
    with pytest.raises(ValidationError) as caught:
        services.overturn(by=support_world.desk, request=request)
    assert caught.value.message_dict == {
        "topic": [text("Only a request contesting a refusal can overturn a refusal.")]
    }
    response = admin_client(support_world.desk).post(
        f"/admin/support/{request.pk}/", {"overturn": "1"}
    )
    assert response.status_code == 400
    assert Membership.objects.get(pk=support_world.membership.pk).status == "refused"


def test_wrong_side_cannot_overturn(support_world):
    world = support_world
    refuse(world)
    request = appeal(world)
    mayor = make_mayor(world.commune)
    referent = referent_of(world.community)
    for someone in (world.waiting, referent, mayor, world.clerk):
        with pytest.raises(PermissionDenied):
            services.overturn(by=someone, request=request)
        with pytest.raises(PermissionDenied):
            communities_services.membership_overturn(by=someone, user=world.waiting)
    # In the admin: residents have no admin access (sent to log in), town-hall staff 404.
    for someone in (world.waiting, referent):
        response = admin_client(someone).post(f"/admin/support/{request.pk}/", {"overturn": "1"})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    for someone in (mayor, world.clerk):
        response = admin_client(someone).post(f"/admin/support/{request.pk}/", {"overturn": "1"})
        assert response.status_code == 404
    assert Membership.objects.get(pk=world.membership.pk).status == "refused"
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.NEW


def test_a_person_already_in_another_community_is_refused_naming_it(support_world):
    world = support_world
    refuse(world)
    request = appeal(world)
    other = make_community(
        world.commune,
        offset(SAINT_MALO, 3000, 0),
        name="Saint-Servan",
        referent=person_at(world.commune, offset(SAINT_MALO, 3000, 0)),
    )
    # The person moved into Saint-Servan's area and joined it meanwhile.
    world.waiting.location = other.area.centroid
    world.waiting.save()
    join(other, world.waiting)
    assert not services.overturn_offer(request)
    expected = text(
        "This person is already a member of “%(name)s”: nothing to overturn.", name="Saint-Servan"
    )
    with pytest.raises(ValidationError) as caught:
        services.overturn(by=world.desk, request=request)
    assert caught.value.messages == [expected]
    response = admin_client(world.desk).post(f"/admin/support/{request.pk}/", {"overturn": "1"})
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert Membership.objects.get(pk=world.membership.pk).status == "refused"


def test_a_home_no_longer_inside_is_refused(support_world):
    world = support_world
    refuse(world)
    request = appeal(world)
    world.waiting.location = Point(*offset(SAINT_MALO, 5000, 0), srid=4326)
    world.waiting.save()
    with pytest.raises(ValidationError) as caught:
        services.overturn(by=world.desk, request=request)
    assert caught.value.messages == [
        text("This person's home is no longer inside “%(name)s”.", name="Intra-muros")
    ]


def test_a_last_request_that_was_not_refused_is_refused(support_world):
    world = support_world
    request = appeal(world)  # still pending
    with pytest.raises(ValidationError) as caught:
        communities_services.membership_overturn(by=world.desk, user=world.other)
    assert caught.value.messages == [
        text("This person's last request to join a community was not refused.")
    ]
    with pytest.raises(ValidationError) as caught:
        services.overturn(by=world.desk, request=request)
    assert caught.value.messages == [
        text(
            "This person already asked to join “%(name)s”: nothing to overturn.",
            name="Intra-muros",
        )
    ]
