"""Rules of communities (CTY-1…CTY-12, ACC-7, ACC-12), through the services."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from accounts.closure import account_close
from accounts.export import account_export
from accounts.services import address_update
from accounts.staff import platform_staff_group
from communities import selectors, services
from communities.models import (
    Community,
    CommunityPage,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
    ValidationMode,
)
from notifications import sms
from tests.communities import (
    SAINT_MALO,
    join,
    make_community,
    offset,
    person_at,
    referent_of,
    square,
)
from tests.factories import PASSWORD, UserFactory
from tests.follows import root


@pytest.fixture
def staff(db):
    person = UserFactory(first_name="Sam", last_name="Support")
    platform_staff_group().user_set.add(person)
    return person


@pytest.fixture
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def kinds(community) -> list[str]:
    return list(
        HistoryEntry.objects.filter(community=community)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )


# --- CTY-1 / CTY-2: creation and boundary -------------------------------------------------


def test_creator_becomes_referent_and_the_community_gets_a_public_page(commune):
    creator = person_at(commune, SAINT_MALO)
    community = services.community_create(
        user=creator, commune=commune, name="  Intra   muros ", area=square(SAINT_MALO)
    )
    assert community.name == "Intra muros"
    assert selectors.is_referent(creator, community)
    assert kinds(community) == [HistoryEntry.Kind.CREATED]
    page = CommunityPage.objects.get(community=community)
    assert page.live and page.title == "Intra muros"
    assert page.get_parent().specific == commune.site.root_page.specific


def test_geodesic_area_of_a_400_m_square(commune):
    community = make_community(commune, side_m=400)
    assert community.area_m2 == pytest.approx(160_000, rel=0.01)


def test_boundary_must_contain_the_creators_home(commune):
    creator = person_at(commune, offset(SAINT_MALO, 1000))
    with pytest.raises(ValidationError) as error:
        services.community_create(
            user=creator, commune=commune, name="Ailleurs", area=square(SAINT_MALO)
        )
    assert "doit contenir votre domicile" in str(error.value)


def test_boundary_over_one_square_kilometre_is_refused(commune):
    creator = person_at(commune, SAINT_MALO)
    with pytest.raises(ValidationError) as error:
        services.community_create(
            user=creator, commune=commune, name="Trop grand", area=square(SAINT_MALO, 1100)
        )
    assert "1 km² au plus" in str(error.value)
    assert not Community.objects.exists()


def test_self_crossing_boundary_is_refused(commune):
    creator = person_at(commune, SAINT_MALO)
    a, b = offset(SAINT_MALO, -200, -200), offset(SAINT_MALO, 200, 200)
    c, d = offset(SAINT_MALO, 200, -200), offset(SAINT_MALO, -200, 200)
    bowtie = Polygon([a, b, c, d, a], srid=4326)
    with pytest.raises(ValidationError) as error:
        services.community_create(user=creator, commune=commune, name="Nœud", area=bowtie)
    assert "se croise lui-même" in str(error.value)


@pytest.mark.parametrize("value", ["", "not a shape", '{"type": "Point", "coordinates": [1, 2]}'])
def test_unreadable_boundaries_are_field_errors(commune, value):
    creator = person_at(commune, SAINT_MALO)
    with pytest.raises(ValidationError) as error:
        services.community_create(user=creator, commune=commune, name="X", area=value)
    assert "area" in error.value.message_dict


def test_geojson_feature_from_the_map_is_accepted(commune):
    creator = person_at(commune, SAINT_MALO)
    feature = {"type": "Feature", "properties": {}, "geometry": square(SAINT_MALO).json}
    import json

    feature["geometry"] = json.loads(feature["geometry"])
    community = services.community_create(
        user=creator, commune=commune, name="Carte", area=json.dumps(feature)
    )
    assert community.area.equals_exact(square(SAINT_MALO), 1e-9)


def test_overlap_is_refused_with_the_name_of_the_community_in_the_way(commune):
    make_community(commune, name="Les Rochers")
    neighbour = person_at(commune, offset(SAINT_MALO, 350))
    with pytest.raises(ValidationError) as error:
        services.community_create(
            user=neighbour,
            commune=commune,
            name="Chevauchement",
            area=square(offset(SAINT_MALO, 350), 400),
        )
    assert "Les Rochers" in str(error.value)


def test_a_shared_border_is_not_an_overlap(commune):
    make_community(commune, name="Ouest")
    east = offset(SAINT_MALO, 400)
    neighbour = person_at(commune, east)
    community = services.community_create(
        user=neighbour, commune=commune, name="Est", area=square(east, 400)
    )
    assert community.pk


def test_only_validated_residents_create_a_community(commune):
    from communes.models import Follow

    creator = person_at(commune, SAINT_MALO)
    Follow.objects.filter(user=creator).update(status=Follow.Status.PENDING)
    with pytest.raises(PermissionDenied):
        services.community_create(user=creator, commune=commune, name="X", area=square(SAINT_MALO))


def test_staff_lift_the_cap_for_a_rural_community_and_redraw(commune, staff):
    community = make_community(commune)
    with pytest.raises(ValidationError):
        services.community_set_boundary(
            by=staff, community=community, area=square(SAINT_MALO, 2000)
        )
    services.community_set_area_cap(by=staff, community=community, lifted=True)
    community = services.community_set_boundary(
        by=staff, community=community, area=square(SAINT_MALO, 2000)
    )
    assert community.area_m2 == pytest.approx(4_000_000, rel=0.01)
    assert HistoryEntry.Kind.BOUNDARY_CHANGED in kinds(community)
    # Restoring the cap is refused while the boundary exceeds it.
    with pytest.raises(ValidationError):
        services.community_set_area_cap(by=staff, community=community, lifted=False)


def test_only_platform_staff_lift_the_cap_or_redraw(commune):
    community = make_community(commune)
    referent = referent_of(community)
    with pytest.raises(PermissionDenied):
        services.community_set_area_cap(by=referent, community=community, lifted=True)
    with pytest.raises(PermissionDenied):
        services.community_set_boundary(by=referent, community=community, area=square(SAINT_MALO))


def test_staff_resolve_an_overlap_by_redrawing(commune, staff):
    west = make_community(commune, name="Ouest")
    east_center = offset(SAINT_MALO, 600)
    east = make_community(commune, east_center, name="Est")
    with pytest.raises(ValidationError) as error:
        services.community_set_boundary(by=staff, community=west, area=square(SAINT_MALO, 900))
    assert "Est" in str(error.value)
    assert east.pk
    services.community_set_boundary(by=staff, community=west, area=square(SAINT_MALO, 700))


def test_redrawing_must_keep_every_member_inside(commune, staff):
    community = make_community(commune)
    join(community, person_at(commune, offset(SAINT_MALO, 150, 150)))
    with pytest.raises(ValidationError) as error:
        services.community_set_boundary(by=staff, community=community, area=square(SAINT_MALO, 200))
    assert "Membres habitant hors de ce périmètre : 1." in str(error.value)


# --- geography selectors ---------------------------------------------------------------------


def test_covering_and_near_are_single_queries(commune, django_assert_num_queries):
    community = make_community(commune)
    list(selectors.communities_near(SAINT_MALO, 10))  # Django caches the SRID's units once
    with django_assert_num_queries(1):
        assert selectors.community_covering(SAINT_MALO) == community
    with django_assert_num_queries(1):
        assert selectors.community_covering(offset(SAINT_MALO, 300)) is None
    with django_assert_num_queries(1):
        assert list(selectors.communities_near(offset(SAINT_MALO, 700), 600)) == [community]
    assert list(selectors.communities_near(offset(SAINT_MALO, 900), 600)) == []


def test_covering_and_near_use_the_spatial_index(commune):
    make_community(commune)
    for queryset in (
        Community.objects.filter(area__contains=Point(*SAINT_MALO, srid=4326)),
        selectors.communities_near(SAINT_MALO, 1000),
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Scan using communities_community_area" in plan, plan


# --- CTY-4 / CTY-6: membership ----------------------------------------------------------------


def test_request_needs_a_home_inside_the_boundary(commune):
    community = make_community(commune)
    outside = person_at(commune, offset(SAINT_MALO, 900))
    with pytest.raises(ValidationError) as error:
        services.membership_request(user=outside, community=community)
    assert "hors de cette communauté" in str(error.value)


def test_referent_accepts_a_request_and_it_is_recorded(commune, django_capture_on_commit_callbacks):
    community = make_community(commune)
    neighbour = person_at(commune, offset(SAINT_MALO, 20), first_name="Noé")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=neighbour, community=community)
    assert membership.status == Membership.Status.PENDING
    assert [m.to for m in mail.outbox] == [[referent_of(community).email]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(membership=membership, by=referent_of(community), accept=True)
    assert selectors.is_member(neighbour, community)
    assert kinds(community)[-1] == HistoryEntry.Kind.JOINED
    assert mail.outbox[0].to == [neighbour.email]
    assert "membre" in mail.outbox[0].body


def test_refusal_carries_a_reason_sent_to_the_requester(
    commune, django_capture_on_commit_callbacks
):
    community = make_community(commune)
    neighbour = person_at(commune, offset(SAINT_MALO, 20))
    membership = services.membership_request(user=neighbour, community=community)
    with pytest.raises(ValidationError) as error:
        services.membership_decide(membership=membership, by=referent_of(community), accept=False)
    assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(
            membership=membership,
            by=referent_of(community),
            accept=False,
            reason="Nous ne vous connaissons pas.",
        )
    assert "Nous ne vous connaissons pas." in mail.outbox[-1].body
    assert mail.outbox[-1].to == [neighbour.email]
    # A refused person may ask again.
    again = services.membership_request(user=neighbour, community=community)
    assert again.status == Membership.Status.PENDING


def test_any_referent_may_decide_but_not_a_plain_member(commune):
    community = make_community(commune, members=2)
    second = selectors.members_of(community).filter(is_referent=False).first()
    member = selectors.members_of(community).filter(is_referent=False).last()
    services.referent_grant(by=referent_of(community), community=community, user=second)
    neighbour = person_at(commune, offset(SAINT_MALO, 30))
    membership = services.membership_request(user=neighbour, community=community)
    with pytest.raises(PermissionDenied):
        services.membership_decide(membership=membership, by=member, accept=True)
    services.membership_decide(membership=membership, by=second, accept=True)
    with pytest.raises(ValidationError):
        services.membership_decide(membership=membership, by=second, accept=True)


def test_platform_staff_mode_takes_the_decision_from_referents(commune, staff):
    community = make_community(commune)
    services.community_set_validation_mode(
        by=staff, community=community, mode=ValidationMode.PLATFORM_STAFF
    )
    neighbour = person_at(commune, offset(SAINT_MALO, 30))
    membership = services.membership_request(user=neighbour, community=community)
    with pytest.raises(PermissionDenied):
        services.membership_decide(membership=membership, by=referent_of(community), accept=True)
    services.membership_decide(membership=membership, by=staff, accept=True)


def test_partner_town_hall_chooses_the_mode_of_its_communities(commune, staff):
    community = make_community(commune)
    commune.is_partner = True
    commune.community_validation_mode = ValidationMode.PLATFORM_STAFF
    commune.save()
    community.refresh_from_db()
    assert community.effective_validation_mode == ValidationMode.PLATFORM_STAFF
    membership = services.membership_request(
        user=person_at(commune, offset(SAINT_MALO, 30)), community=community
    )
    assert not selectors.can_decide(referent_of(community), membership)
    # A commune that is not a partner has no say.
    commune.is_partner = False
    commune.save()
    community.refresh_from_db()
    assert community.effective_validation_mode == ValidationMode.REFERENT


def test_one_community_per_account(commune):
    west = make_community(commune, name="Ouest")
    east_center = offset(SAINT_MALO, 400)
    east = make_community(commune, east_center, name="Est")
    member = join(west, person_at(commune, offset(SAINT_MALO, 190)))
    with pytest.raises(ValidationError):
        services.membership_request(user=member, community=east)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=member, community=east)


def test_leaving_then_joining_another(commune):
    west = make_community(commune, name="Ouest")
    east = make_community(commune, offset(SAINT_MALO, 400), name="Est")
    member = join(west, person_at(commune, offset(SAINT_MALO, 190)))
    services.membership_leave(user=member)
    assert kinds(west)[-1] == HistoryEntry.Kind.LEFT
    address_update(user=member, address="2 rue de l'Est", location=Point(*offset(SAINT_MALO, 410)))
    join(east, member)
    assert selectors.community_of(member) == east


def test_withdrawing_a_pending_request(commune):
    community = make_community(commune)
    neighbour = person_at(commune, offset(SAINT_MALO, 20))
    services.membership_request(user=neighbour, community=community)
    assert services.membership_withdraw(user=neighbour)
    assert selectors.current_membership(neighbour) is None


# --- CTY-7: référents ------------------------------------------------------------------------


def test_grant_transfer_give_up_and_remove(commune):
    community = make_community(commune, members=2)
    first = referent_of(community)
    a, b = list(selectors.members_of(community).filter(is_referent=False))
    services.referent_grant(by=first, community=community, user=a)
    services.referent_remove(by=a, community=community, user=first)
    assert not selectors.is_referent(first, community)
    services.referent_transfer(by=a, community=community, user=b)
    assert selectors.is_referent(b, community) and not selectors.is_referent(a, community)
    with pytest.raises(ValidationError):
        services.referent_give_up(by=b, community=community)
    assert kinds(community)[-3:] == [
        HistoryEntry.Kind.REFERENT_GRANTED,
        HistoryEntry.Kind.REFERENT_REMOVED,
        HistoryEntry.Kind.REFERENT_TRANSFERRED,
    ]


def test_a_plain_member_cannot_touch_roles(commune):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    with pytest.raises(PermissionDenied):
        services.referent_grant(by=member, community=community, user=member)
    with pytest.raises(PermissionDenied):
        services.referent_remove(by=member, community=community, user=referent_of(community))


def _referent_count(community) -> int:
    return Membership.objects.referents().filter(community=community).count()


def _invariant(community) -> None:
    if not Community.objects.filter(pk=community.pk).exists():
        return
    if Membership.objects.members().filter(community=community).exists():
        assert _referent_count(community) >= 1


def test_every_path_to_zero_referents_is_closed(commune, staff):
    """Each way a référent can stop being one, tried on the only référent of a community."""
    community = make_community(commune, members=2)
    only = referent_of(community)
    member = selectors.members_of(community).filter(is_referent=False).first()

    with pytest.raises(ValidationError):
        services.referent_give_up(by=only, community=community)
    with pytest.raises(ValidationError):
        services.referent_remove(by=only, community=community, user=only)
    with pytest.raises(ValidationError):
        services.membership_leave(user=only)
    _invariant(community)

    # Excluded by staff: the longest-standing member takes over.
    exclusion = services.exclusion_request(
        by=only, community=community, member=member, reason="Test"
    )
    services.exclusion_decide(by=staff, exclusion=exclusion, execute=True)
    _invariant(community)
    services.referent_transfer(
        by=only,
        community=community,
        user=selectors.members_of(community).exclude(pk=only.pk).first(),
    )
    _invariant(community)

    # The only référent closes their account: a successor is promoted.
    current = referent_of(community)
    account_close(user=current, password=PASSWORD)
    _invariant(community)
    assert _referent_count(community) == 1

    # A transfer never leaves zero (the target must be a member).
    with pytest.raises(ValidationError):
        services.referent_transfer(
            by=referent_of(community), community=community, user=UserFactory()
        )
    _invariant(community)


def test_random_sequences_of_role_changes_never_leave_members_without_a_referent(commune, staff):
    """Property test: any sequence of operations keeps at least one référent."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    operations = st.sampled_from(
        ["grant", "transfer", "give_up", "remove", "leave", "exclude", "close"]
    )
    steps = st.lists(
        st.tuples(operations, st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=10
    )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps)
    def run(sequence):
        with transaction.atomic():
            community = make_community(commune, members=3)
            people = list(selectors.members_of(community))
            for operation, i, j in sequence:
                actor, target = people[i], people[j]
                actor.refresh_from_db()
                try:
                    with transaction.atomic():
                        if operation == "grant":
                            services.referent_grant(by=actor, community=community, user=target)
                        elif operation == "transfer":
                            services.referent_transfer(by=actor, community=community, user=target)
                        elif operation == "give_up":
                            services.referent_give_up(by=actor, community=community)
                        elif operation == "remove":
                            services.referent_remove(by=actor, community=community, user=target)
                        elif operation == "leave":
                            services.membership_leave(user=actor)
                        elif operation == "exclude":
                            exclusion = services.exclusion_request(
                                by=actor, community=community, member=target, reason="r"
                            )
                            services.exclusion_decide(by=staff, exclusion=exclusion, execute=True)
                        elif operation == "close" and actor.closed_at is None:
                            account_close(user=actor, password=PASSWORD)
                except (ValidationError, PermissionDenied):
                    pass
                _invariant(community)
                if not Community.objects.filter(pk=community.pk).exists():
                    break  # its last member left: nothing more to change in it
            transaction.set_rollback(True)

    run()


# --- CTY-8: exclusion -------------------------------------------------------------------------


def test_exclusion_is_asked_by_a_referent_and_executed_by_staff(
    commune, staff, django_capture_on_commit_callbacks
):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    with pytest.raises(ValidationError):
        services.exclusion_request(
            by=referent_of(community), community=community, member=member, reason=""
        )
    with django_capture_on_commit_callbacks(execute=True):
        exclusion = services.exclusion_request(
            by=referent_of(community), community=community, member=member, reason="Insultes"
        )
    assert mail.outbox[-1].to == [staff.email]
    assert selectors.is_member(member, community)  # nothing happens before staff decide
    with pytest.raises(PermissionDenied):
        services.exclusion_decide(by=referent_of(community), exclusion=exclusion, execute=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.exclusion_decide(by=staff, exclusion=exclusion, execute=True)
    assert not selectors.is_member(member, community)
    assert Membership.objects.filter(user=member, status=Membership.Status.EXCLUDED).exists()
    assert kinds(community)[-1] == HistoryEntry.Kind.EXCLUDED
    recipients = {m.to[0] for m in mail.outbox}
    assert {member.email, referent_of(community).email} <= recipients
    assert any("Insultes" in m.body for m in mail.outbox if m.to == [member.email])


def test_an_excluded_member_cannot_ask_again_without_staff(commune, staff):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    exclusion = services.exclusion_request(
        by=referent_of(community), community=community, member=member, reason="r"
    )
    services.exclusion_decide(by=staff, exclusion=exclusion, execute=True)
    with pytest.raises(PermissionDenied):
        services.membership_request(user=member, community=community)
    services.exclusion_lift(by=staff, exclusion=Exclusion.objects.get(pk=exclusion.pk))
    assert services.membership_request(user=member, community=community).status == "pending"


def test_staff_may_reject_an_exclusion_request(commune, staff):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    exclusion = services.exclusion_request(
        by=referent_of(community), community=community, member=member, reason="r"
    )
    services.exclusion_decide(by=staff, exclusion=exclusion, execute=False, note="Pas assez")
    assert selectors.is_member(member, community)
    assert Exclusion.objects.get(pk=exclusion.pk).status == Exclusion.Status.REJECTED


# --- CTY-10: invitations ------------------------------------------------------------------------


def test_invitation_by_email_carries_a_signed_link_and_registers_nobody(
    commune, django_capture_on_commit_callbacks, django_user_model
):
    community = make_community(commune)
    people = django_user_model.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(
            by=referent_of(community),
            community=community,
            channel="email",
            recipient="voisine@example.org",
        )
    assert django_user_model.objects.count() == people
    message = mail.outbox[-1]
    assert message.to == ["voisine@example.org"]
    token = message.body.split("/communautes/invitation/")[1].split("/")[0]
    assert selectors.invitation_community(token) == community
    assert selectors.invitation_community(token[:-2] + "xx") is None
    # The address is not kept in clear.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM communities_invitation")
        assert "voisine" not in repr(cursor.fetchall())


def test_invitation_link_expires(commune, settings):
    community = make_community(commune)
    invitation = services.invitation_send(
        by=referent_of(community), community=community, channel="email", recipient="a@example.org"
    )
    token = selectors.invitation_token(invitation)
    settings.COMMUNITY_INVITATION_MAX_AGE = -1
    assert selectors.invitation_community(token) is None


def test_invitation_by_sms_goes_through_the_sms_channel(
    commune, sms_outbox, django_capture_on_commit_callbacks
):
    community = make_community(commune)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(
            by=referent_of(community),
            community=community,
            channel="sms",
            recipient="06 12 34 56 78",
        )
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == "+33612345678"
    assert sms_outbox[0].purpose == sms.SmsPurpose.INVITATION
    assert "/communautes/invitation/" in sms_outbox[0].body


def test_invitations_are_rate_limited_per_sender(commune, settings):
    settings.COMMUNITY_INVITATIONS_PER_DAY = 2
    community = make_community(commune)
    referent = referent_of(community)
    for n in range(2):
        services.invitation_send(
            by=referent, community=community, channel="email", recipient=f"n{n}@example.org"
        )
    with pytest.raises(ValidationError) as error:
        services.invitation_send(
            by=referent, community=community, channel="email", recipient="n3@example.org"
        )
    assert "24 heures" in str(error.value)


def test_same_person_is_not_invited_twice_a_day(commune):
    community = make_community(commune)
    referent = referent_of(community)
    services.invitation_send(
        by=referent, community=community, channel="email", recipient="Voisin@Example.org"
    )
    with pytest.raises(ValidationError):
        services.invitation_send(
            by=referent, community=community, channel="email", recipient="voisin@example.org"
        )


def test_only_members_invite(commune):
    community = make_community(commune)
    with pytest.raises(PermissionDenied):
        services.invitation_send(
            by=person_at(commune, SAINT_MALO),
            community=community,
            channel="email",
            recipient="x@example.org",
        )
    assert not Invitation.objects.exists()


def test_bad_invitation_input_is_a_field_error(commune):
    community = make_community(commune)
    for channel, recipient, field in [
        ("email", "pas-une-adresse", "recipient"),
        ("sms", "123", "recipient"),
        ("fax", "x", "channel"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.invitation_send(
                by=referent_of(community),
                community=community,
                channel=channel,
                recipient=recipient,
            )
        assert field in error.value.message_dict


def test_sms_are_never_sent_for_anything_but_alerts_invitations_and_replies(sms_outbox):
    with pytest.raises(sms.SmsNotAllowed):
        sms.send_sms("+33612345678", "Nouvelle actualité", purpose="news")
    assert sms_outbox == []


# --- CTY-12: rename and merge ------------------------------------------------------------------


def test_referent_renames_and_the_public_page_follows(commune):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    with pytest.raises(PermissionDenied):
        services.community_rename(by=member, community=community, name="Autre")
    services.community_rename(by=referent_of(community), community=community, name="Nouveau nom")
    assert CommunityPage.objects.get(community=community).title == "Nouveau nom"
    entry = HistoryEntry.objects.filter(community=community).first()
    assert entry.kind == HistoryEntry.Kind.RENAMED and entry.data["old"] == "Intra-muros"


def test_presentation_is_at_most_1000_characters(commune):
    community = make_community(commune)
    with pytest.raises(ValidationError):
        services.community_update_showcase(
            by=referent_of(community), community=community, presentation="x" * 1001
        )
    services.community_update_showcase(
        by=referent_of(community), community=community, presentation="x" * 1000, show_photo=True
    )
    page = CommunityPage.objects.get(community=community)
    assert len(page.search_description) <= 300


def test_merge_after_both_sides_agree_moves_members_and_history(
    commune, staff, django_capture_on_commit_callbacks
):
    west = make_community(commune, name="Ouest", members=1)
    east = make_community(commune, offset(SAINT_MALO, 400), name="Est", members=1)
    east_member = selectors.members_of(east).filter(is_referent=False).first()
    proposal = services.merge_propose(by=referent_of(east), community=east, other=west)
    with pytest.raises(ValidationError):
        services.merge_execute(by=staff, proposal=proposal)
    with pytest.raises(PermissionDenied):
        services.merge_agree(by=east_member, proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.merge_agree(by=referent_of(west), proposal=proposal)
    assert proposal.status == MergeProposal.Status.AGREED
    assert [staff.email] in [message.to for message in mail.outbox]
    with pytest.raises(PermissionDenied):
        services.merge_execute(by=referent_of(west), proposal=proposal)
    kept = services.merge_execute(by=staff, proposal=proposal)
    assert kept == west and not Community.objects.filter(pk=east.pk).exists()
    assert selectors.members_of(west).count() == 4
    assert selectors.referents_of(west).count() == 2
    assert kept.area_m2 == pytest.approx(320_000, rel=0.01)
    assert HistoryEntry.Kind.CREATED in kinds(west)  # both histories, now one
    assert kinds(west).count(HistoryEntry.Kind.CREATED) == 2
    assert kinds(west)[-1] == HistoryEntry.Kind.MERGED
    assert not CommunityPage.objects.filter(community__isnull=True).exists()
    assert CommunityPage.objects.count() == 1


def test_communities_that_do_not_touch_cannot_merge(commune, staff):
    west = make_community(commune, name="Ouest")
    far = make_community(commune, offset(SAINT_MALO, 900), name="Loin")
    proposal = services.merge_propose(by=referent_of(far), community=far, other=west)
    proposal = services.merge_agree(by=referent_of(west), proposal=proposal)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.merge_execute(by=staff, proposal=proposal)
    assert error.value.message_dict == {
        "area": [
            "“Loin” does not share a border with the other communities of the merge: "
            "redraw it so that they touch, then merge."
        ]
    }
    assert Community.objects.count() == 2


# --- ACC-7 and ACC-12 ---------------------------------------------------------------------------


def test_a_member_moves_their_home_inside_the_community_only(commune):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    address_update(user=member, address="1 rue", location=Point(*offset(SAINT_MALO, 100, 100)))
    with pytest.raises(ValidationError) as error:
        address_update(user=member, address="loin", location=Point(*offset(SAINT_MALO, 800)))
    assert "Intra-muros" in str(error.value)


def test_last_member_closing_their_account_deletes_the_community(commune):
    community = make_community(commune)
    account_close(user=referent_of(community), password=PASSWORD)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert not CommunityPage.objects.exists()


def test_closing_a_members_account_keeps_the_community(commune):
    community = make_community(commune, members=1)
    member = selectors.members_of(community).filter(is_referent=False).first()
    account_close(user=member, password=PASSWORD)
    assert selectors.members_of(community).count() == 1
    assert kinds(community)[-1] == HistoryEntry.Kind.LEFT


def test_the_personal_data_export_lists_memberships(commune):
    community = make_community(commune)
    data = account_export(referent_of(community))
    assert data["sections"]["communities"]["memberships"][0]["community"] == "Intra-muros"
    assert data["sections"]["communities"]["memberships"][0]["referent"] is True


def test_root_is_platform_staff_for_helpers(db):
    # tests.communities.join falls back on the superuser when référents may not decide.
    from accounts.staff import is_platform_staff

    assert is_platform_staff(root())
