"""Merges of several communities in the API (CTY-12): the référents' routes and the
platform staff's ``/api/v1/platform/merge-proposals/``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.staff import platform_staff_group
from communities import services
from communities.models import Community, Membership, MergeProposal
from tests.api.conftest import token_client
from tests.communities import COCODY, make_community, referent_of
from tests.factories import UserFactory
from tests.merges import strip

PLATFORM = "/api/v1/platform/merge-proposals/"


def proposals_url(community) -> str:
    return f"/api/v1/communities/{community.pk}/merge-proposals/"


@pytest.fixture
def row(commune):
    return strip(commune, ["Alpha", "Bravo", "Charlie"])


@pytest.fixture
def staff(db):
    person = UserFactory(first_name="Sam", last_name="Support")
    platform_staff_group().user_set.add(person)
    return person


@pytest.fixture
def staff_api(staff):
    return token_client(staff)


def sides_of(body) -> list[tuple]:
    return [(s["community"]["id"], s["name"], s["kept"], s["agreed"]) for s in body["sides"]]


def propose(row, **payload):
    a = row[0]
    return token_client(referent_of(a)).post(proposals_url(a), payload, format="json")


def test_a_referent_proposes_three_communities_and_each_side_agrees(row):
    a, b, c = row
    response = propose(row, absorbed=[b.pk, c.pk])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["kept"]["id"]) == ("open", a.pk)
    assert sides_of(body) == [
        (a.pk, "Alpha", True, True),
        (b.pk, "Bravo", False, False),
        (c.pk, "Charlie", False, False),
    ]
    assert body["sides"][0]["agreed_at"] is not None and body["sides"][1]["agreed_at"] is None
    # The deprecated pair fields still read sensibly.
    assert (body["absorbed"]["id"], body["absorbed_name"]) == (b.pk, "Bravo, Charlie")
    assert (body["kept_agreed"], body["absorbed_agreed"]) == (True, False)

    agree = f"/api/v1/merge-proposals/{body['id']}/agree/"
    assert token_client(referent_of(a)).post(agree).status_code == 403  # already agreed
    response = token_client(referent_of(b)).post(agree)
    assert response.status_code == 200
    assert (response.json()["status"], sides_of(response.json())[1][3]) == ("open", True)
    assert token_client(referent_of(b)).post(agree).status_code == 403
    listed = token_client(referent_of(c)).get(proposals_url(c)).json()["results"]
    assert [p["id"] for p in listed] == [body["id"]]
    response = token_client(referent_of(c)).post(agree)
    assert (response.status_code, response.json()["status"]) == (200, "agreed")
    assert response.json()["absorbed_agreed"] is True


def test_the_kept_community_may_be_another_one(row):
    a, b, c = row
    response = propose(row, absorbed=[a.pk, c.pk], kept=b.pk)
    assert response.status_code == 201, response.json()
    assert sides_of(response.json()) == [
        (b.pk, "Bravo", True, False),
        (a.pk, "Alpha", False, True),
        (c.pk, "Charlie", False, False),
    ]


def test_the_old_pair_form_still_works(row):
    a, b, _ = row
    response = propose(row, other=b.pk, keep="other")
    assert response.status_code == 201, response.json()
    assert sides_of(response.json()) == [(b.pk, "Bravo", True, False), (a.pk, "Alpha", False, True)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "absorbed"),
        ({"absorbed": []}, "absorbed"),
        ({"absorbed": "b"}, "absorbed"),
        ({"absorbed": [True]}, "absorbed"),
        ({"absorbed": [999999]}, "absorbed"),
        ({"absorbed": ["b", "b"]}, "absorbed"),
        ({"absorbed": ["b"], "kept": "c"}, "absorbed"),  # Alpha would be in none
        ({"absorbed": ["b"], "kept": 999999}, "kept"),
        ({"absorbed": ["b", 1, 2, 3, 4, 5]}, "absorbed"),  # more than 5
        ({"absorbed": ["b"], "other": "b", "keep": "this"}, "other"),
        ({"other": "a", "keep": "this"}, "other"),
    ],
)
def test_bad_proposals_are_400_on_the_field(row, payload, field):
    ids = {"a": row[0].pk, "b": row[1].pk, "c": row[2].pk}

    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return ids.get(value, value) if isinstance(value, str) and len(value) == 1 else value

    response = propose(row, **{k: resolve(v) for k, v in payload.items()})
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not MergeProposal.objects.exists()


def test_a_community_of_another_commune_or_in_another_proposal_is_refused(row, other_commune):
    _, b, c = row
    abidjan = make_community(other_commune, COCODY, name="Riviera")
    response = propose(row, absorbed=[b.pk, abidjan.pk])
    assert (response.status_code, set(response.json())) == (400, {"absorbed"})
    services.merge_propose(by=referent_of(c), community=c, absorbed=[b])
    response = propose(row, absorbed=[b.pk])
    assert response.status_code == 400
    ((message,),) = response.json().values()
    assert set(response.json()) == {"absorbed"} and "Bravo" in message


def test_the_wrong_side(row, staff_api):
    a, b, c = row
    member = Membership.objects.members().filter(community=a, is_referent=False).first().user
    assert (
        token_client(member).post(proposals_url(a), {"absorbed": [b.pk]}, format="json").status_code
        == 403
    )
    assert (
        APIClient().post(proposals_url(a), {"absorbed": [b.pk]}, format="json").status_code == 401
    )
    # A référent of Bravo cannot propose for Alpha.
    response = token_client(referent_of(b)).post(
        proposals_url(a), {"absorbed": [b.pk]}, format="json"
    )
    assert response.status_code == 403
    proposal = services.merge_propose(by=referent_of(a), community=a, absorbed=[b])
    # Charlie's référent is no party: 404 on agree, cancel and the list of Alpha.
    charlie = token_client(referent_of(c))
    for action in ("agree", "cancel"):
        assert charlie.post(f"/api/v1/merge-proposals/{proposal.pk}/{action}/").status_code == 404
    assert charlie.get(proposals_url(a)).status_code == 404
    assert token_client(member).get(proposals_url(a)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.OPEN


# --- platform staff ---------------------------------------------------------------------------


def agreed(row, absorbed=None) -> MergeProposal:
    a, *others = row
    absorbed = absorbed or others
    proposal = services.merge_propose(by=referent_of(a), community=a, absorbed=absorbed)
    for community in absorbed:
        proposal = services.merge_agree(by=referent_of(community), proposal=proposal)
    return proposal


def test_only_the_platform_staff_list_and_act(row, resident):
    proposal = agreed(row)
    a = row[0]
    assert APIClient().get(PLATFORM).status_code == 401
    for person in (resident, referent_of(a)):
        client = token_client(person)
        assert client.get(PLATFORM).status_code == 403
        for action in ("execute", "cancel"):
            assert client.post(f"{PLATFORM}{proposal.pk}/{action}/").status_code == 403
    assert APIClient().post(f"{PLATFORM}{proposal.pk}/execute/").status_code == 401
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.AGREED


def test_the_staff_list_puts_agreed_proposals_first_and_filters(commune, row, staff_api, staff):
    d, e = strip(commune, ["Delta", "Echo"], north_m=1200, members=0)
    open_one = services.merge_propose(by=referent_of(d), community=d, absorbed=[e])
    agreed_one = agreed(row)
    body = staff_api.get(PLATFORM).json()
    assert [p["id"] for p in body["results"]] == [agreed_one.pk, open_one.pk]
    first = body["results"][0]
    assert [s["agreed_by"]["display_name"] is not None for s in first["sides"]] == [True] * 3
    assert body["results"][1]["sides"][1]["agreed_by"] is None
    assert first["proposed_by"]["display_name"]
    people = [first["proposed_by"], *(s["agreed_by"] for s in first["sides"])]
    assert [person["email"] for person in people] == [None] * 4  # staff never see e-mails
    listed = staff_api.get(PLATFORM, {"status": "open"}).json()["results"]
    assert [p["id"] for p in listed] == [open_one.pk]
    assert staff_api.get(PLATFORM, {"status": "nope"}).status_code == 400


def test_the_staff_execute_a_merge_of_three(row, staff_api):
    a, b, c = row
    proposal = services.merge_propose(by=referent_of(a), community=a, absorbed=[b, c])
    services.merge_agree(by=referent_of(b), proposal=proposal)
    # Charlie has not agreed: 400, nothing moves.
    response = staff_api.post(f"{PLATFORM}{proposal.pk}/execute/")
    assert (response.status_code, set(response.json())) == (400, {"non_field_errors"})
    assert Community.objects.count() == 3
    services.merge_agree(by=referent_of(c), proposal=proposal)
    response = staff_api.post(f"{PLATFORM}{proposal.pk}/execute/")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["name"]) == (a.pk, "Alpha")
    assert list(Community.objects.values_list("pk", flat=True)) == [a.pk]
    assert Membership.objects.members().filter(community=a).count() == 6
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.EXECUTED
    assert staff_api.post(f"{PLATFORM}{proposal.pk}/execute/").status_code == 400
    assert staff_api.post(f"{PLATFORM}{proposal.pk}/cancel/").status_code == 400


def test_a_community_apart_is_named_on_area(commune, row, staff_api):
    a, b, _ = row
    (far,) = strip(commune, ["Zoulou"], north_m=2000, members=0)
    proposal = agreed([a, b, far])
    response = staff_api.post(f"{PLATFORM}{proposal.pk}/execute/")
    assert response.status_code == 400
    ((message,),) = response.json().values()
    assert set(response.json()) == {"area"} and "Zoulou" in message and "Bravo" not in message
    assert Community.objects.count() == 4


def test_the_staff_cancel_and_unknown_ids_are_404(row, staff_api, staff):
    proposal = agreed(row)
    response = staff_api.post(f"{PLATFORM}{proposal.pk}/cancel/")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert response.json()["sides"][0]["agreed_by"]["display_name"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (MergeProposal.Status.CANCELLED, staff)
    for action in ("execute", "cancel"):
        assert staff_api.post(f"{PLATFORM}999999/{action}/").status_code == 404
    assert staff_api.get(f"{PLATFORM}{proposal.pk}/execute/").status_code == 405
