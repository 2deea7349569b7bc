"""Merging several communities at once (CTY-12): services, site, admin, data migration."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Polygon
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.staff import platform_staff_group
from communities import selectors, services
from communities.models import (
    Community,
    CommunityPage,
    HistoryEntry,
    Membership,
    MergeProposal,
    MergeSide,
)
from notifications.models import Event
from tests.communities import SAINT_MALO, make_community, offset, referent_of
from tests.factories import UserFactory
from tests.merges import strip
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"


@pytest.fixture
def staff(db):
    person = UserFactory(first_name="Sam", last_name="Support")
    platform_staff_group().user_set.add(person)
    return person


@pytest.fixture
def row(commune):
    """Three 400 m squares in a row, west to east: A touches B, B touches C, A and C do
    not touch; each has its référent and one member."""
    a, b, c = strip(commune, ["Alpha", "Bravo", "Charlie"])
    return SimpleNamespace(a=a, b=b, c=c)


def sides(proposal: MergeProposal) -> list[tuple]:
    proposal = MergeProposal.objects.prefetch_related("sides__community").get(pk=proposal.pk)
    return [(s.name, s.is_kept, s.agreed) for s in proposal.ordered_sides]


def propose_three(row) -> MergeProposal:
    return services.merge_propose(
        by=referent_of(row.a), community=row.a, kept=row.a, absorbed=[row.b, row.c]
    )


def history(community) -> list[tuple[str, dict]]:
    return list(
        HistoryEntry.objects.filter(community=community)
        .order_by("created_at", "pk")
        .values_list("kind", "data")
    )


# --- services -------------------------------------------------------------------------------


def test_three_communities_merge_once_every_side_agreed(
    row, staff, django_capture_on_commit_callbacks
):
    a_ref, b_ref, c_ref = referent_of(row.a), referent_of(row.b), referent_of(row.c)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose_three(row)
    assert sides(proposal) == [
        ("Alpha", True, True),
        ("Bravo", False, False),
        ("Charlie", False, False),
    ]
    # The référents of the other two sides are asked, each linked to their own page.
    asked = Event.objects.filter(kind="community.merge_proposed").order_by("url")
    assert [(e.url, e.data["absorbed"], e.data["kept"]) for e in asked] == [
        (f"/communautes/{row.b.pk}/fusion/", "Bravo, Charlie", "Alpha"),
        (f"/communautes/{row.c.pk}/fusion/", "Bravo, Charlie", "Alpha"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([b_ref.email, c_ref.email])

    # Bravo agrees: Charlie has not, so the staff cannot execute yet.
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.merge_agree(by=b_ref, proposal=proposal)
    assert proposal.status == MergeProposal.Status.OPEN
    assert sides(proposal)[1:] == [("Bravo", False, True), ("Charlie", False, False)]
    assert not Event.objects.filter(kind__in=["community.merge_agreed", "community.merge_ready"])
    with pytest.raises(ValidationError):
        services.merge_execute(by=staff, proposal=proposal)
    # Neither Bravo's référent again, nor Alpha's, nor Charlie's plain member may agree.
    c_member = selectors.members_of(row.c).filter(is_referent=False).first()
    for person in (b_ref, a_ref, c_member, staff):
        with pytest.raises(PermissionDenied):
            services.merge_agree(by=person, proposal=proposal)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.merge_agree(by=c_ref, proposal=proposal)
    assert proposal.status == MergeProposal.Status.AGREED
    assert Event.objects.get(kind="community.merge_agreed").data["absorbed"] == "Bravo, Charlie"
    assert Event.objects.filter(kind="community.merge_ready").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [staff.email, a_ref.email, b_ref.email, c_ref.email]
    )
    with pytest.raises(ValidationError):  # no longer open
        services.merge_agree(by=c_ref, proposal=proposal)
    with pytest.raises(PermissionDenied):
        services.merge_execute(by=a_ref, proposal=proposal)

    kept = services.merge_execute(by=staff, proposal=proposal)

    assert kept == row.a
    assert set(Community.objects.values_list("name", flat=True)) == {"Alpha"}
    assert Membership.objects.members().filter(community=kept).count() == 6
    assert set(selectors.referents_of(kept)) == {a_ref, b_ref, c_ref}
    kept.refresh_from_db()
    assert isinstance(kept.area, Polygon)
    assert kept.area_m2 == pytest.approx(3 * 160_000, rel=0.01)
    kinds = [kind for kind, _ in history(kept)]
    assert kinds.count(HistoryEntry.Kind.CREATED) == 3  # the three histories, now one
    assert [data for kind, data in history(kept) if kind == HistoryEntry.Kind.MERGED] == [
        {"absorbed": "Bravo"},
        {"absorbed": "Charlie"},
    ]
    assert list(CommunityPage.objects.values_list("community_id", flat=True)) == [kept.pk]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (MergeProposal.Status.EXECUTED, staff)
    assert sides(proposal) == [
        ("Alpha", True, True),
        ("Bravo", False, True),
        ("Charlie", False, True),
    ]
    assert MergeSide.objects.filter(community__isnull=True).count() == 2


def test_the_module_hooks_and_the_signal_run_once_per_absorbed_community(row, staff):
    calls = []

    def receiver(sender, absorbed, kept, **kwargs):
        calls.append((absorbed.name, kept.name))

    services.community_merged.connect(receiver)
    try:
        proposal = propose_three(row)
        services.merge_agree(by=referent_of(row.b), proposal=proposal)
        proposal = services.merge_agree(by=referent_of(row.c), proposal=proposal)
        services.merge_execute(by=staff, proposal=proposal)
    finally:
        services.community_merged.disconnect(receiver)
    assert calls == [("Bravo", "Alpha"), ("Charlie", "Alpha")]


def test_a_union_in_two_pieces_is_refused_naming_the_community_apart(commune, row, staff):
    (far,) = strip(commune, ["Zoulou"], north_m=2000, members=0)
    proposal = services.merge_propose(
        by=referent_of(row.b), community=row.b, kept=row.b, absorbed=[row.a, far]
    )
    services.merge_agree(by=referent_of(row.a), proposal=proposal)
    proposal = services.merge_agree(by=referent_of(far), proposal=proposal)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.merge_execute(by=staff, proposal=proposal)
    assert error.value.message_dict == {
        "area": [
            "“Zoulou” does not share a border with the other communities of the merge: "
            "redraw it so that they touch, then merge."
        ]
    }
    assert Community.objects.count() == 4
    assert Membership.objects.members().filter(community=row.b).count() == 2  # untouched
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.AGREED


def test_the_kept_community_may_be_in_the_middle_or_at_an_end(row, staff):
    """Charlie kept: Alpha touches only Bravo, the union still grows into one polygon."""
    proposal = services.merge_propose(
        by=referent_of(row.a), community=row.a, kept=row.c, absorbed=[row.a, row.b]
    )
    services.merge_agree(by=referent_of(row.b), proposal=proposal)
    proposal = services.merge_agree(by=referent_of(row.c), proposal=proposal)
    assert services.merge_execute(by=staff, proposal=proposal) == row.c
    assert list(Community.objects.values_list("name", flat=True)) == ["Charlie"]


def test_a_community_already_in_a_proposal_cannot_join_another(row):
    first = services.merge_propose(
        by=referent_of(row.a), community=row.a, kept=row.a, absorbed=[row.b]
    )
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.merge_propose(by=referent_of(row.c), community=row.c, kept=row.c, absorbed=[row.b])
    assert error.value.message_dict == {
        "absorbed": ["“Bravo” is already part of another merge proposal."]
    }
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.merge_propose(by=referent_of(row.c), community=row.c, kept=row.b, absorbed=[row.c])
    assert error.value.message_dict == {
        "kept": ["“Bravo” is already part of another merge proposal."]
    }
    # Agreed proposals hold their communities too; a cancelled one frees them.
    first = services.merge_agree(by=referent_of(row.b), proposal=first)
    with pytest.raises(ValidationError):
        services.merge_propose(by=referent_of(row.c), community=row.c, absorbed=[row.b])
    services.merge_cancel(by=referent_of(row.a), proposal=first)
    second = services.merge_propose(by=referent_of(row.c), community=row.c, absorbed=[row.b])
    assert sides(second) == [("Charlie", True, True), ("Bravo", False, False)]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("nothing", "absorbed"),
        ("twice", "absorbed"),
        ("kept_twice", "kept"),
        ("not_ours", "absorbed"),
        ("other_commune", "absorbed"),
        ("seven", "absorbed"),
    ],
)
def test_bad_proposals(commune, other_commune, row, case, field):
    from tests.communities import COCODY

    a, b, c = row.a, row.b, row.c
    kept, absorbed = a, [b]
    if case == "nothing":
        absorbed = []
    elif case == "twice":
        absorbed = [b, b]
    elif case == "kept_twice":
        absorbed = [a, b]
    elif case == "not_ours":
        kept, absorbed = b, [c]
    elif case == "other_commune":
        absorbed = [make_community(other_commune, COCODY, name="Riviera")]
    elif case == "seven":
        absorbed = [b, c, *strip(commune, ["N1", "N2", "N3", "N4"], north_m=800, members=0)]
        assert len(absorbed) == 6
    with pytest.raises(ValidationError) as error:
        services.merge_propose(by=referent_of(a), community=a, kept=kept, absorbed=absorbed)
    assert set(error.value.message_dict) == {field}
    assert not MergeProposal.objects.exists() and not MergeSide.objects.exists()


def test_only_a_referent_of_their_community_proposes(row):
    member = selectors.members_of(row.a).filter(is_referent=False).first()
    with pytest.raises(PermissionDenied):
        services.merge_propose(by=member, community=row.a, absorbed=[row.b])
    with pytest.raises(PermissionDenied):  # a référent of Bravo, for Alpha
        services.merge_propose(by=referent_of(row.b), community=row.a, absorbed=[row.b])
    assert not MergeProposal.objects.exists()


def test_a_referent_of_any_side_or_the_staff_cancels_nobody_else(row, staff):
    proposal = propose_three(row)
    outsider = UserFactory()
    member = selectors.members_of(row.c).filter(is_referent=False).first()
    for person in (outsider, member):
        with pytest.raises(PermissionDenied):
            services.merge_cancel(by=person, proposal=proposal)
    proposal = services.merge_cancel(by=referent_of(row.c), proposal=proposal)
    assert (proposal.status, proposal.decided_by) == (
        MergeProposal.Status.CANCELLED,
        referent_of(row.c),
    )
    with pytest.raises(ValidationError):
        services.merge_cancel(by=staff, proposal=proposal)


def test_candidates_reach_the_neighbours_of_neighbours(commune, row):
    far = strip(commune, ["Echo", "Delta"], north_m=1200, members=0)  # 1 km north
    assert far
    assert [c.name for c in selectors.merge_candidates(row.a)] == ["Bravo", "Charlie"]


# --- site -----------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_a_referent_proposes_three_communities_and_each_side_agrees_on_the_site(row):
    url = f"/communautes/{row.a.pk}/fusion/"
    page = client_for(referent_of(row.a)).get(url)
    assert page.status_code == 200
    assert f'value="{row.b.pk}"' in page.text and f'value="{row.c.pk}"' in page.text
    response = client_for(referent_of(row.a)).post(
        url, {"action": "propose", "absorbed": [row.b.pk, row.c.pk], "kept": str(row.b.pk)}
    )
    assert response.status_code == 302
    proposal = MergeProposal.objects.get()
    assert proposal.kept == row.b
    assert sides(proposal) == [
        ("Bravo", True, False),
        ("Alpha", False, True),
        ("Charlie", False, False),
    ]

    c_url = f"/communautes/{row.c.pk}/fusion/"
    with translation.override("en"):
        page = client_for(referent_of(row.c)).get(c_url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'data-proposal="{proposal.pk}"' in page.text
    assert 'name="action" value="agree"' in page.text
    # Alpha agreed by proposing: no "I agree" for its référent.
    page = client_for(referent_of(row.a)).get(url)
    assert 'name="action" value="agree"' not in page.text
    client_for(referent_of(row.c)).post(c_url, {"action": "agree", "proposal": proposal.pk})
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.OPEN
    b_url = f"/communautes/{row.b.pk}/fusion/"
    client_for(referent_of(row.b)).post(b_url, {"action": "agree", "proposal": proposal.pk})
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.AGREED


def test_the_kept_community_must_be_ticked(row):
    url = f"/communautes/{row.a.pk}/fusion/"
    response = client_for(referent_of(row.a)).post(
        url, {"action": "propose", "absorbed": [row.b.pk], "kept": str(row.c.pk)}
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not MergeProposal.objects.exists()


def test_a_busy_community_is_refused_on_the_form(row):
    services.merge_propose(by=referent_of(row.b), community=row.b, absorbed=[row.c])
    response = client_for(referent_of(row.a)).post(
        f"/communautes/{row.a.pk}/fusion/",
        {"action": "propose", "absorbed": [row.b.pk], "kept": "ours"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert MergeProposal.objects.count() == 1


def test_the_merge_page_is_for_referents_only(row):
    member = selectors.members_of(row.a).filter(is_referent=False).first()
    url = f"/communautes/{row.a.pk}/fusion/"
    assert client_for(member).get(url).status_code == 404
    assert client_for(referent_of(row.b)).get(url).status_code == 404
    # A référent of another side cannot act on a proposal through a page not theirs.
    proposal = propose_three(row)
    response = client_for(referent_of(row.b)).post(
        url, {"action": "agree", "proposal": proposal.pk}
    )
    assert response.status_code == 404


# --- admin ----------------------------------------------------------------------------------


def staff_client(staff) -> Client:
    client = Client(HTTP_HOST="localhost")
    verified_login(client, staff)
    return client


def test_the_staff_list_shows_every_side_and_executes_an_agreed_merge(row, staff):
    proposal = propose_three(row)
    services.merge_agree(by=referent_of(row.b), proposal=proposal)
    client = staff_client(staff)
    response = client.get(reverse("communities_admin_merges"))
    assert response.status_code == 200
    (listed,) = response.context["merges"]
    assert [(r["side"].name, r["agreed_by_card"] is not None) for r in listed.side_rows] == [
        ("Alpha", True),
        ("Bravo", True),
        ("Charlie", False),
    ]
    assert not listed.can_execute
    execute = reverse("communities_admin_merge_execute", args=[proposal.pk])
    assert execute not in response.content.decode()
    # Executing a partly agreed merge is a message, nothing moves.
    response = client.post(execute)
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert Community.objects.count() == 3

    services.merge_agree(by=referent_of(row.c), proposal=proposal)
    response = client.get(reverse("communities_admin_merges"))
    assert execute in response.content.decode()
    response = client.post(execute)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert list(Community.objects.values_list("pk", flat=True)) == [row.a.pk]


def test_the_staff_merge_pages_refuse_others(row):
    proposal = propose_three(row)
    client = staff_client(referent_of(row.a))
    response = client.post(reverse("communities_admin_merge_cancel", args=[proposal.pk]))
    assert response.status_code in (302, 403)
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.OPEN


# --- the data migration (0005) --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_existing_two_community_proposals_get_their_sides(commune):
    migration = importlib.import_module("communities.migrations.0005_merge_sides_from_pairs")
    before = [("communities", "0004_merge_sides")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        OldProposal = old.get_model("communities", "MergeProposal")
        OldCommunity = old.get_model("communities", "Community")
        OldUser = old.get_model("accounts", "User")
        west = make_community(commune, name="Ouest")
        east = make_community(commune, offset(SAINT_MALO, 400), name="Est")
        west_ref, east_ref = referent_of(west), referent_of(east)
        when = timezone.now()
        open_one = OldProposal.objects.create(
            kept=OldCommunity.objects.get(pk=west.pk),
            absorbed=OldCommunity.objects.get(pk=east.pk),
            absorbed_name="Est",
            proposed_by=OldUser.objects.get(pk=east_ref.pk),
            absorbed_agreed_by=OldUser.objects.get(pk=east_ref.pk),
            proposed_at=when,
            status="open",
        )
        merged = OldProposal.objects.create(
            kept=OldCommunity.objects.get(pk=west.pk),
            absorbed=None,
            absorbed_name="Disparue",
            proposed_by=None,
            kept_agreed_by=OldUser.objects.get(pk=west_ref.pk),
            proposed_at=when,
            status="executed",
        )

        migration.sides_from_pairs(old, None)
        migration.sides_from_pairs(old, None)  # once only, whatever happens

        OldSide = old.get_model("communities", "MergeSide")
        rows = list(
            OldSide.objects.order_by("proposal_id", "pk").values_list(
                "proposal_id", "community_id", "community_name", "agreed_by_id", "agreed_at"
            )
        )
        assert rows == [
            (open_one.pk, west.pk, "Ouest", None, None),
            (open_one.pk, east.pk, "Est", east_ref.pk, when),
            (merged.pk, west.pk, "Ouest", west_ref.pk, when),
            (merged.pk, None, "Disparue", None, when),  # agreed: it was executed
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    # Carried forward, the open proposal works with the new code.
    proposal = MergeProposal.objects.get(pk=open_one.pk)
    assert sides(proposal) == [("Ouest", True, False), ("Est", False, True)]
    proposal = services.merge_agree(by=west_ref, proposal=proposal)
    assert proposal.status == MergeProposal.Status.AGREED
