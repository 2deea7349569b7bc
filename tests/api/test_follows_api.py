"""API of follows (ACC-9, ACC-10): /api/v1/me/follows/ and /api/v1/communes/{slug}/follows/."""

import pytest
from rest_framework.test import APIClient

from communes.models import Follow, StaffRole
from tests.api.conftest import token_client
from tests.factories import PASSWORD, HostingPartnerFactory, UserFactory
from tests.follows import grant, pending, refused, validated

Role = StaffRole.Role
MINE = "/api/v1/me/follows/"
STAFF = "/api/v1/communes/saint-malo/follows/"
FIELDS = {"id", "commune", "status", "requested_at", "decided_at", "reason", "person"}


def decision_url(follow, slug="saint-malo") -> str:
    return f"/api/v1/communes/{slug}/follows/{follow.pk}/decision/"


@pytest.fixture
def council(commune):
    return grant(commune, UserFactory(first_name="Yves", last_name="Morvan"), Role.COUNCIL).user


@pytest.fixture
def council_api(council):
    return token_client(council)


@pytest.fixture
def applicant(commune):
    person = UserFactory(
        first_name="Marie",
        last_name="Durand",
        address="12 rue de la Pie, 35400 Saint-Malo",
        presentation="Infirmière.",
    )
    person.follow = pending(person, commune)
    return person


# --- my follows ---------------------------------------------------------------------------


def test_list_my_follows(commune, other_commune, resident, resident_api):
    pending(resident, commune)
    refused(resident, other_commune, reason="Hors territoire")
    pending(UserFactory(), commune)
    response = resident_api.get(MINE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert set(first) == FIELDS
    assert first["commune"] == {"slug": "cocody", "name": "Cocody", "hostname": "cocody.localhost"}
    assert (first["status"], first["reason"]) == ("refused", "Hors territoire")
    assert (second["commune"]["slug"], second["status"]) == ("saint-malo", "pending")
    assert first["person"]["relation"] == "self"


def test_follow_a_commune_then_again(
    commune, resident, resident_api, council, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = resident_api.post(MINE, {"commune": "saint-malo"}, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert created.json()["commune"]["slug"] == "saint-malo"
    assert [m.to for m in mailoutbox] == [[council.email]]
    again = resident_api.post(MINE, {"commune": "saint-malo"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert Follow.objects.filter(user=resident).count() == 1


def test_follow_again_after_a_refusal_is_a_new_request(commune, resident, resident_api):
    refused(resident, commune, reason="Adresse inconnue")
    response = resident_api.post(MINE, {"commune": "saint-malo"}, format="json")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["reason"]) == ("pending", "")


@pytest.mark.parametrize(
    "payload", [{}, {"commune": "nowhere"}, {"commune": 12}, {"commune": ["x"]}]
)
def test_follow_with_bad_input_is_a_400_on_the_field(commune, resident_api, payload):
    response = resident_api.post(MINE, payload, format="json")
    assert response.status_code == 400
    assert "commune" in response.json()
    assert not Follow.objects.exists()


def unfollow(client, slug: str, **data):
    return client.post(f"{MINE}{slug}/unfollow/", data, format="json")


def test_unfollow_with_the_password(commune, other_commune, resident, resident_api):
    validated(resident, commune)
    pending(resident, other_commune)
    response = unfollow(resident_api, "saint-malo", password=PASSWORD)
    assert response.status_code == 204
    assert list(Follow.objects.filter(user=resident).values_list("commune__slug", flat=True)) == [
        "cocody"
    ]
    assert unfollow(resident_api, "saint-malo", password=PASSWORD).status_code == 404
    assert unfollow(resident_api, "nowhere", password=PASSWORD).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Champ requis."),
        ({"password": ""}, "Ce champ ne peut être vide."),
        ({"password": "not my password"}, "Votre mot de passe est incorrect."),
    ],
)
def test_unfollow_without_the_right_password_is_a_400(
    commune, resident, resident_api, data, message
):
    validated(resident, commune)
    response = resident_api.post(f"{MINE}saint-malo/unfollow/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": [message]}
    assert Follow.objects.filter(user=resident, commune=commune).exists()


def test_wrong_passwords_lock_the_account_as_logins_do(commune, resident, resident_api):
    validated(resident, commune)
    for _ in range(4):
        assert unfollow(resident_api, "saint-malo", password="guess").status_code == 400
    locked = unfollow(resident_api, "saint-malo", password="guess")
    assert locked.status_code == 403
    assert locked.json()["detail"].startswith("Votre compte est verrouillé après 5 mots")
    assert unfollow(resident_api, "saint-malo", password=PASSWORD).status_code == 403
    assert Follow.objects.filter(user=resident, commune=commune).exists()


def test_an_account_without_a_password_must_choose_one(commune, resident, resident_api):
    validated(resident, commune)
    resident.set_unusable_password()
    resident.save()
    response = unfollow(resident_api, "saint-malo", password="anything")
    assert response.status_code == 400
    assert response.json() == {
        "password": [
            "Votre compte n’a pas encore de mot de passe : choisissez-en un avec le lien "
            "« Mot de passe oublié ? » de la page de connexion, puis réessayez."
        ]
    }
    assert Follow.objects.filter(user=resident, commune=commune).exists()


def test_unfollow_touches_only_my_own_follow(commune, resident_api):
    other = pending(UserFactory(), commune)
    assert unfollow(resident_api, "saint-malo", password=PASSWORD).status_code == 404
    assert Follow.objects.filter(pk=other.pk).exists()


def test_the_old_delete_is_gone(commune, resident, resident_api):
    validated(resident, commune)
    assert resident_api.delete(f"{MINE}saint-malo/").status_code == 404
    assert Follow.objects.filter(user=resident, commune=commune).exists()


def test_the_schema_documents_the_password(api_client, db):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/me/follows/{commune_slug}/unfollow/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["required"] == ["password"]
    assert set(operation["responses"]) >= {"204", "400", "404"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", MINE), ("post", MINE), ("post", f"{MINE}saint-malo/unfollow/"), ("get", STAFF)],
)
def test_anonymous_is_refused(commune, method, path):
    response = getattr(APIClient(), method)(path, {"commune": "saint-malo"}, format="json")
    assert response.status_code in (401, 403)
    assert not Follow.objects.exists()


# --- the town hall's side ------------------------------------------------------------------


def test_the_council_lists_pending_requests_through_the_privacy_matrix(
    commune, other_commune, council_api, applicant
):
    validated(UserFactory(), commune)
    pending(UserFactory(), other_commune)
    response = council_api.get(STAFF, {"status": "pending"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["results"]
    assert set(item) == FIELDS
    assert item["id"] == applicant.follow.pk
    person = item["person"]
    assert person["relation"] == "commune_staff"
    assert (person["first_name"], person["last_name"]) == ("Marie", "Durand")
    assert person["address"] == "12 rue de la Pie, 35400 Saint-Malo"
    assert person["presentation"] == "Infirmière."
    assert person["email"] is None and person["mobile"] is None
    assert council_api.get(STAFF).json()["count"] == 2  # every status without a filter


def test_a_bad_status_filter_is_a_400(commune, council_api):
    response = council_api.get(STAFF, {"status": "maybe"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_an_unknown_commune_is_a_404(commune, council_api):
    assert council_api.get("/api/v1/communes/nowhere/follows/").status_code == 404


@pytest.mark.parametrize("who", ["resident", "technical", "other_council", "rival_partner"])
def test_those_who_do_not_validate_residents_get_403(commune, other_commune, applicant, who):
    if who == "resident":
        user = validated(UserFactory(), commune)
    elif who == "technical":
        user = grant(commune, UserFactory(), Role.TECHNICAL).user
    elif who == "other_council":
        user = grant(other_commune, UserFactory(), Role.COUNCIL).user
    else:
        user = UserFactory()
        HostingPartnerFactory(staff=[user])
    client = token_client(user)
    response = client.get(STAFF, {"status": "pending"})
    assert response.status_code == 403
    assert "Durand" not in response.content.decode()
    decision = client.post(decision_url(applicant.follow), {"accept": True}, format="json")
    assert decision.status_code == 404
    applicant.follow.refresh_from_db()
    assert applicant.follow.status == Follow.Status.PENDING


def test_the_hosting_partner_lists_and_decides(commune, applicant, staff_api):
    assert staff_api.get(STAFF).json()["count"] == 1
    response = staff_api.post(decision_url(applicant.follow), {"accept": True}, format="json")
    assert response.status_code == 200


def test_the_rival_partner_cannot(commune, applicant, rival_api):
    assert rival_api.get(STAFF).status_code == 403


def test_accept(
    commune, council, council_api, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = council_api.post(decision_url(applicant.follow), {"accept": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "validated" and body["decided_at"]
    assert body["person"]["last_name"] == "Durand"
    applicant.follow.refresh_from_db()
    assert applicant.follow.decided_by == council
    assert [m.subject for m in mailoutbox] == ["Vous suivez désormais Saint-Malo"]


def test_refuse_with_a_reason(
    commune, council_api, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = council_api.post(
            decision_url(applicant.follow),
            {"accept": False, "reason": "Adresse hors commune"},
            format="json",
        )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "refused",
        "Adresse hors commune",
    )
    assert "Adresse hors commune" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "accept"),
        ({"accept": "maybe"}, "accept"),
        ({"accept": True, "reason": "Bienvenue"}, "reason"),
        ({"accept": False, "reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_decisions_are_400_on_the_field(commune, council_api, applicant, payload, field):
    response = council_api.post(decision_url(applicant.follow), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    applicant.follow.refresh_from_db()
    assert applicant.follow.status == Follow.Status.PENDING


def test_deciding_twice_is_a_400(commune, council_api, applicant):
    council_api.post(decision_url(applicant.follow), {"accept": True}, format="json")
    response = council_api.post(decision_url(applicant.follow), {"accept": False}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_request_of_another_commune_or_path_is_a_404(commune, other_commune, council_api):
    elsewhere = pending(UserFactory(), other_commune)
    assert (
        council_api.post(decision_url(elsewhere), {"accept": True}, format="json").status_code
        == 404
    )
    assert (
        council_api.post(
            decision_url(elsewhere, "cocody"), {"accept": True}, format="json"
        ).status_code
        == 404
    )
    mine = pending(UserFactory(), commune)
    assert (
        council_api.post(decision_url(mine, "cocody"), {"accept": True}, format="json").status_code
        == 404
    )
    assert (
        council_api.post(
            "/api/v1/communes/saint-malo/follows/999999/decision/", {"accept": True}, format="json"
        ).status_code
        == 404
    )


def test_a_resident_cannot_validate_their_own_request(commune, resident, resident_api):
    follow = pending(resident, commune)
    response = resident_api.post(decision_url(follow), {"accept": True}, format="json")
    assert response.status_code == 403
    follow.refresh_from_db()
    assert follow.status == Follow.Status.PENDING


@pytest.mark.parametrize("count", [3, 30])
def test_the_pending_list_queries_do_not_grow(
    commune, council_api, count, django_assert_max_num_queries
):
    for number in range(count):
        pending(UserFactory(address=f"{number} rue du Port"), commune)
    council_api.get(STAFF)  # warm the content type cache
    # 10 measured for 3 and for 30: host, token, commune, guardian (2), count, page,
    # platform-staff check and one query for the people's cards.
    with django_assert_max_num_queries(10):
        response = council_api.get(STAFF, {"status": "pending"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(count, 20)


# --- residents-only content: classifieds (API) ----------------------------------------------

CLASSIFIEDS = "/api/v1/communes/saint-malo/classifieds/"


def test_classifieds_refuse_a_resident_who_does_not_follow(commune, resident_api):
    response = resident_api.get(CLASSIFIEDS)
    assert response.status_code == 403
    assert "habitants validés par la mairie" in response.json()["detail"]


def test_classifieds_refuse_a_pending_resident(commune, resident, resident_api):
    pending(resident, commune)
    for method, path, payload in [
        ("get", CLASSIFIEDS, None),
        ("get", f"{CLASSIFIEDS}mine/", None),
        (
            "post",
            CLASSIFIEDS,
            {"kind": "offer", "title": "Essai", "description": "Essai", "contact": "Ici"},
        ),
    ]:
        response = getattr(resident_api, method)(path, payload, format="json")
        assert response.status_code == 403, path
        assert "Suivez la commune" in response.json()["detail"]


def test_classifieds_open_to_a_validated_resident_and_to_staff(
    commune, resident, resident_api, council_api, staff_api
):
    validated(resident, commune)
    assert resident_api.get(CLASSIFIEDS).status_code == 200
    assert council_api.get(CLASSIFIEDS).status_code == 200
    assert staff_api.get(CLASSIFIEDS).status_code == 200


def test_validation_in_another_commune_does_not_open_classifieds(
    commune, other_commune, resident, resident_api
):
    validated(resident, other_commune)
    assert resident_api.get(CLASSIFIEDS).status_code == 403
