"""Following communes (ACC-9) and the town hall's validation (ACC-10): services, selectors,
emails, the "My communes" pages, the commune home page, and residents-only classifieds."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from communes.models import Follow, StaffRole
from communes.selectors import (
    access_follow,
    follows_of,
    is_validated_resident,
    pending_follows,
    resident_communes,
)
from communes.services import follow_decide, follow_end, follow_request, notify_follow_request
from modules.classifieds.services import classified_create
from tests.factories import PASSWORD, HostingPartnerFactory, UserFactory
from tests.follows import grant, pending, refused, root, validated
from tests.signed_links import link_targets
from tests.two_factor import verified_login

Role = StaffRole.Role
HOST = "saint-malo.localhost"


@pytest.fixture
def council(commune):
    return grant(commune, UserFactory(first_name="Yves", last_name="Morvan"), Role.COUNCIL).user


@pytest.fixture
def mayor(commune):
    return grant(commune, UserFactory(first_name="Gilles", last_name="Lurton"), Role.MAYOR).user


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services send after their transaction commits (emails)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


# --- follow_request ---------------------------------------------------------------------


def test_following_makes_a_pending_request_and_tells_the_validators(
    commune, resident, council, mayor, partner, on_commit, mailoutbox
):
    grant(commune, UserFactory(), Role.TECHNICAL)  # does not validate residents
    partner.staff.add(UserFactory())  # partner staff are not the town hall's team
    with on_commit():
        follow, created = follow_request(user=resident, commune=commune)
    assert created
    assert follow.status == Follow.Status.PENDING
    assert follow.decided_at is None
    assert sorted(m.to[0] for m in mailoutbox) == sorted([council.email, mayor.email])
    message = mailoutbox[0]
    assert len(message.to) == 1
    assert message.subject == "Saint-Malo : un nouvel habitant attend sa validation"
    assert "Une personne a demandé à suivre Saint-Malo." in message.body
    assert "1 demande attend votre décision." in message.body
    # The engine's signed link, to "Habitants à valider" on the commune's host.
    assert link_targets(message.body) == [
        "http://saint-malo.localhost/admin/residents-to-validate/"
    ]
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://saint-malo.localhost/n/desabonnement/"
    )
    # The email names nobody: the request is read in the admin.
    assert "Durand" not in message.body and resident.email not in message.body
    entry = ModelLogEntry.objects.get(action="communes.follow_request")
    assert entry.user_id == resident.pk and entry.object_id == str(commune.pk)


def test_validators_email_counts_the_pending_requests(commune, council, on_commit, mailoutbox):
    pending(UserFactory(), commune)
    with on_commit():
        pending(UserFactory(), commune)
    assert "2 demandes attendent votre décision." in mailoutbox[-1].body


@pytest.mark.parametrize("count", [3, 30])
def test_the_validators_email_takes_the_same_queries_for_3_or_30_validators(
    commune, count, mailoutbox, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(count):
        grant(commune, UserFactory(), Role.COUNCIL)
    notify_follow_request(pending(UserFactory(), commune))  # warm the content type cache
    follow = pending(UserFactory(), commune)
    mailoutbox.clear()
    # The pending count, then the event (savepoints, dedupe check, an INSERT … SELECT
    # per table): constant whatever the audience. The e-mails leave from the engine's
    # task, once the request commits.
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(11):
        notify_follow_request(follow)
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == count
    assert all("2 demandes attendent votre décision." in m.body for m in mailoutbox)


def test_a_validator_following_their_own_commune_is_not_told_of_it(
    commune, council, on_commit, mailoutbox
):
    with on_commit():
        follow_request(user=council, commune=commune)
    assert mailoutbox == []


@pytest.mark.parametrize("status", ["pending", "validated"])
def test_following_again_changes_nothing(commune, resident, council, status, on_commit, mailoutbox):
    follow = pending(resident, commune)
    if status == "validated":
        follow = follow_decide(follow=follow, by=council, accept=True)
    with on_commit():
        again, created = follow_request(user=resident, commune=commune)
    assert not created
    assert again.pk == follow.pk and again.status == status
    assert mailoutbox == []


def test_following_again_after_a_refusal_asks_again(commune, resident, council, on_commit):
    follow = refused(resident, commune, reason="Adresse hors commune")
    with on_commit():
        again, created = follow_request(user=resident, commune=commune)
    assert created and again.pk == follow.pk
    again.refresh_from_db()
    assert again.status == Follow.Status.PENDING
    assert (again.decided_at, again.decided_by, again.reason) == (None, None, "")
    assert again.created_at > follow.created_at


@pytest.mark.parametrize("state", ["closed", "inactive", "anonymous"])
def test_a_closed_inactive_or_anonymous_account_cannot_follow(commune, resident, state):
    if state == "closed":
        resident.closed_at = timezone.now()
        resident.save()
    elif state == "inactive":
        resident.is_active = False
        resident.save()
    user = AnonymousUser() if state == "anonymous" else resident
    with pytest.raises(PermissionDenied):
        follow_request(user=user, commune=commune)
    assert not Follow.objects.exists()


def test_following_several_communes(commune, other_commune, resident):
    pending(resident, commune)
    validated(resident, other_commune)
    assert [(f.commune, f.status) for f in follows_of(resident)] == [
        (other_commune, "validated"),  # Cocody before Saint-Malo
        (commune, "pending"),
    ]
    assert list(resident_communes(resident)) == [other_commune]
    assert is_validated_resident(resident, other_commune)
    assert not is_validated_resident(resident, commune)
    assert not is_validated_resident(AnonymousUser(), other_commune)


def test_unfollowing_forgets_the_request(commune, other_commune, resident):
    validated(resident, commune)
    pending(resident, other_commune)
    assert follow_end(user=resident, commune=commune) is True
    assert list(Follow.objects.filter(user=resident).values_list("commune", flat=True)) == [
        other_commune.pk
    ]
    assert follow_end(user=resident, commune=commune) is False
    assert ModelLogEntry.objects.filter(action="communes.follow_end").count() == 1


# --- follow_decide -----------------------------------------------------------------------


def test_the_council_validates_and_the_resident_is_told_in_french(
    commune, resident, council, on_commit, mailoutbox
):
    follow = pending(resident, commune)
    with on_commit():
        decided = follow_decide(follow=follow, by=council, accept=True)
    assert decided.status == Follow.Status.VALIDATED
    assert decided.decided_by == council and decided.decided_at is not None
    assert is_validated_resident(resident, commune)
    [message] = mailoutbox
    assert message.to == [resident.email]
    assert message.subject == "Vous suivez désormais Saint-Malo"
    assert message.body.startswith("Bonjour Marie,")
    assert "La mairie de Saint-Malo a validé votre demande" in message.body
    # The engine's signed links: the commune's site, then "My communes".
    assert link_targets(message.body) == [
        "http://saint-malo.localhost/",
        "http://saint-malo.localhost/compte/communes/",
    ]
    entry = ModelLogEntry.objects.get(action="communes.follow_validate")
    assert entry.user_id == council.pk


def test_a_refusal_carries_its_reason_to_the_resident(
    commune, resident, council, on_commit, mailoutbox
):
    follow = pending(resident, commune)
    with on_commit():
        decided = follow_decide(
            follow=follow, by=council, accept=False, reason="  Adresse hors commune  "
        )
    assert decided.status == Follow.Status.REFUSED
    assert decided.reason == "Adresse hors commune"
    [message] = mailoutbox
    assert message.subject == "Votre demande de suivi de Saint-Malo"
    assert "La mairie de Saint-Malo n’a pas validé votre demande" in message.body
    assert "Le motif indiqué :\nAdresse hors commune" in message.body
    assert link_targets(message.body)[-1] == "http://saint-malo.localhost/compte/communes/"
    assert ModelLogEntry.objects.filter(action="communes.follow_refuse").exists()


def test_a_refusal_without_reason_says_no_reason(commune, resident, council, on_commit, mailoutbox):
    with on_commit():
        follow_decide(follow=pending(resident, commune), by=council, accept=False)
    assert "motif" not in mailoutbox[0].body


def test_an_acceptance_carries_no_reason(commune, resident, council):
    follow = pending(resident, commune)
    with pytest.raises(ValidationError) as error:
        follow_decide(follow=follow, by=council, accept=True, reason="Bienvenue")
    assert "reason" in error.value.message_dict
    follow.refresh_from_db()
    assert follow.status == Follow.Status.PENDING


def test_a_reason_has_a_maximum_length(commune, resident, council):
    with pytest.raises(ValidationError) as error:
        follow_decide(
            follow=pending(resident, commune), by=council, accept=False, reason="x" * 1001
        )
    assert "reason" in error.value.message_dict


def test_a_decided_request_cannot_be_decided_again(
    commune, resident, council, on_commit, mailoutbox
):
    follow = pending(resident, commune)
    follow_decide(follow=follow, by=council, accept=True)
    with on_commit(), pytest.raises(ValidationError):
        follow_decide(follow=follow, by=council, accept=False)
    assert mailoutbox == []
    follow.refresh_from_db()
    assert follow.status == Follow.Status.VALIDATED


def test_deciding_on_a_request_withdrawn_meanwhile_is_an_error(commune, resident, council):
    follow = pending(resident, commune)
    follow_end(user=resident, commune=commune)
    with pytest.raises(ValidationError):
        follow_decide(follow=follow, by=council, accept=True)


def test_the_hosting_partner_and_superusers_validate_too(commune, partner, resident):
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    assert follow_decide(follow=pending(resident, commune), by=partner_staff, accept=True)
    other = UserFactory()
    assert follow_decide(follow=pending(other, commune), by=root(), accept=False)


@pytest.mark.parametrize(
    "who", ["technical", "communication", "other_council", "resident", "rival_partner", "anon"]
)
def test_those_who_do_not_validate_residents_cannot_decide(commune, other_commune, who):
    follow = pending(UserFactory(), commune)
    if who in ("technical", "communication"):
        decider = grant(commune, UserFactory(), who).user
    elif who == "other_council":
        decider = grant(other_commune, UserFactory(), Role.COUNCIL).user
    elif who == "resident":
        decider = validated(UserFactory(), commune)
    elif who == "rival_partner":
        decider = UserFactory()
        HostingPartnerFactory(staff=[decider])
    else:
        decider = AnonymousUser()
    with pytest.raises(PermissionDenied):
        follow_decide(follow=follow, by=decider, accept=True)
    with pytest.raises(PermissionDenied):
        pending_follows(commune=commune, viewer=decider)
    with pytest.raises(Http404):
        access_follow(viewer=decider, pk=follow.pk)
    follow.refresh_from_db()
    assert follow.status == Follow.Status.PENDING


def test_pending_follows_of_a_commune_oldest_first(commune, other_commune, council):
    first = pending(UserFactory(), commune)
    second = pending(UserFactory(), commune)
    validated(UserFactory(), commune)
    pending(UserFactory(), other_commune)
    assert list(pending_follows(commune=commune, viewer=council)) == [first, second]


def test_access_follow_finds_own_and_validated_communes_requests_only(
    commune, other_commune, resident, council
):
    mine = pending(resident, commune)
    elsewhere = pending(UserFactory(), other_commune)
    assert access_follow(viewer=resident, pk=mine.pk) == mine
    assert access_follow(viewer=council, pk=mine.pk) == mine
    assert access_follow(viewer=council, pk=str(mine.pk), commune=commune) == mine
    for viewer, pk, commune_filter in [
        (council, elsewhere.pk, None),  # another commune's request
        (council, mine.pk, other_commune),  # the wrong commune in the path
        (council, 999_999, None),  # no such request
        (council, "abc", None),
        (council, 2**63, None),
        (resident, elsewhere.pk, None),
    ]:
        with pytest.raises(Http404):
            access_follow(viewer=viewer, pk=pk, commune=commune_filter)


# --- "My communes" pages (/compte/communes/) ------------------------------------------------


@pytest.fixture
def site(resident):
    client = Client()
    client.force_login(resident)
    return client


def test_my_communes_lists_follows_with_their_status(commune, other_commune, resident, site):
    pending(resident, commune)
    refused(resident, other_commune, reason="Hors territoire")
    response = site.get("/compte/communes/")
    assert response.status_code == 200
    text = response.text
    assert "Mes communes" in text
    assert "Saint-Malo" in text and "En attente de validation" in text
    assert "Cocody" in text and "Refusée" in text and "Hors territoire" in text
    assert "Demander à nouveau" in text
    assert "/compte/communes/saint-malo/ne-plus-suivre/" in text


def test_my_communes_works_on_a_commune_host_too(commune, resident):
    validated(resident, commune)
    client = Client(HTTP_HOST=HOST)
    client.force_login(resident)
    response = client.get("/compte/communes/")
    assert response.status_code == 200
    assert "Validée" in response.text


def test_my_communes_needs_a_login(db):
    response = Client().get("/compte/communes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_search_communes_to_follow_by_name_or_postal_code(commune, other_commune, site):
    by_name = site.get("/compte/communes/", {"q": "coco"}).text
    assert "Cocody" in by_name and "Saint-Malo" not in by_name
    by_code = site.get("/compte/communes/", {"q": "35400"}).text
    assert "Saint-Malo" in by_code and "Cocody" not in by_code
    nothing = site.get("/compte/communes/", {"q": "Brest"}).text
    assert "Aucune commune ne correspond à « Brest »." in nothing


def test_a_followed_commune_is_not_offered_again(commune, other_commune, resident, site):
    pending(resident, commune)
    text = site.get("/compte/communes/").text
    assert 'name="commune" value="saint-malo"' not in text
    assert 'name="commune" value="cocody"' in text


def test_follow_from_the_list(commune, resident, site):
    response = site.post("/compte/communes/suivre/", {"commune": "saint-malo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/compte/communes/"
    assert "Votre demande de suivi de Saint-Malo est envoyée." in response.text
    assert Follow.objects.get(user=resident).status == Follow.Status.PENDING
    again = site.post("/compte/communes/suivre/", {"commune": "saint-malo"}, follow=True)
    assert "est en attente de validation" in again.text
    assert Follow.objects.filter(user=resident).count() == 1


def test_follow_needs_post_a_known_commune_and_a_login(commune, site):
    assert site.get("/compte/communes/suivre/").status_code == 405
    assert site.post("/compte/communes/suivre/", {"commune": "nowhere"}).status_code == 404
    assert site.post("/compte/communes/suivre/", {}).status_code == 404
    anonymous = Client().post("/compte/communes/suivre/", {"commune": "saint-malo"})
    assert anonymous.status_code == 302
    assert not Follow.objects.exists()


def test_follow_goes_back_to_a_safe_next_page_only(commune, site):
    ok = site.post("/compte/communes/suivre/", {"commune": "saint-malo", "next": "/annonces/"})
    assert ok["Location"] == "/annonces/"
    follow_end(user=Follow.objects.get().user, commune=commune)
    evil = site.post(
        "/compte/communes/suivre/", {"commune": "saint-malo", "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/compte/communes/"


def test_unfollow_asks_for_confirmation_then_forgets(commune, resident, site):
    validated(resident, commune)
    confirm = site.get("/compte/communes/saint-malo/ne-plus-suivre/")
    assert confirm.status_code == 200
    assert "Ne plus suivre Saint-Malo ?" in confirm.text
    assert Follow.objects.filter(user=resident).exists()
    response = site.post(
        "/compte/communes/saint-malo/ne-plus-suivre/", {"password": PASSWORD}, follow=True
    )
    assert "Vous ne suivez plus Saint-Malo." in response.text
    assert not Follow.objects.filter(user=resident).exists()


def test_unfollowing_a_commune_one_does_not_follow_is_a_404(commune, other_commune, site):
    pending(UserFactory(), other_commune)
    assert site.get("/compte/communes/cocody/ne-plus-suivre/").status_code == 404
    assert site.post("/compte/communes/cocody/ne-plus-suivre/").status_code == 404
    assert site.post("/compte/communes/nowhere/ne-plus-suivre/").status_code == 404
    assert Follow.objects.count() == 1


@pytest.mark.parametrize("count", [3, 30])
def test_my_communes_page_queries_do_not_grow(count, resident, site, django_assert_max_num_queries):
    from tests.factories import make_commune

    partner = HostingPartnerFactory()
    for number in range(count):
        commune = make_commune(partner, name=f"Commune {number:02d}")
        pending(resident, commune)
    # Session, user, staff checks (two factors), site, commune, follows, count of others.
    with django_assert_max_num_queries(10):  # 9 + the header's unread notifications
        assert site.get("/compte/communes/").status_code == 200


# --- the commune's home page --------------------------------------------------------------


def home(user=None) -> str:
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def test_home_page_offers_to_follow_to_logged_in_non_followers(commune, resident):
    text = home(resident)
    assert "Suivre cette commune" in text
    assert 'name="commune" value="saint-malo"' in text


def test_home_page_says_a_request_is_pending(commune, resident):
    pending(resident, commune)
    text = home(resident)
    assert "Votre demande est en attente de validation par la mairie." in text
    assert "Suivre cette commune" not in text


def test_home_page_of_a_validated_resident(commune, resident):
    validated(resident, commune)
    text = home(resident)
    assert "Vous suivez Saint-Malo." in text
    assert "Suivre cette commune" not in text


def test_home_page_shows_no_follow_button_to_visitors(commune):
    assert "Suivre cette commune" not in home()


def test_home_page_of_the_bocage_theme_has_the_button_too(commune, resident):
    commune.theme = "bocage"
    commune.save()
    assert "Suivre cette commune" in home(resident)


# --- residents-only content: classifieds (site) ---------------------------------------------


@pytest.fixture
def classified(commune):
    author = validated(UserFactory(), commune)
    return classified_create(
        commune=commune,
        author=author,
        kind="offer",
        title="Garde de chat",
        description="Je garde votre chat.",
        contact="Au 06 00 00 00 00",
    )


def classifieds_page(user, path="/annonces/", *, staff=False):
    client = Client(HTTP_HOST=HOST)
    if staff:
        verified_login(client, user)
    else:
        client.force_login(user)
    return client.get(path)


@pytest.mark.parametrize("path", ["/annonces/", "/annonces/publier/", "/annonces/mes-annonces/"])
def test_a_resident_who_does_not_follow_is_invited_to(commune, resident, classified, path):
    response = classifieds_page(resident, path)
    assert response.status_code == 403
    assert "Réservé aux habitants de la commune" in response.text
    assert "Suivre cette commune" in response.text
    assert "Garde de chat" not in response.text


def test_a_pending_resident_sees_no_classified(commune, resident, classified):
    pending(resident, commune)
    for path in ["/annonces/", f"/annonces/{classified.pk}/"]:
        response = classifieds_page(resident, path)
        assert response.status_code == 403
        assert "Votre demande est en attente de validation par la mairie." in response.text
        assert "Garde de chat" not in response.text


def test_a_pending_resident_cannot_publish(commune, resident):
    pending(resident, commune)
    client = Client(HTTP_HOST=HOST)
    client.force_login(resident)
    response = client.post(
        "/annonces/publier/",
        {"kind": "offer", "title": "Essai", "description": "Essai", "contact": "Ici", "days": 7},
    )
    assert response.status_code == 403
    from modules.classifieds.models import Classified

    assert not Classified.objects.filter(title="Essai").exists()


def test_a_refused_resident_may_ask_again_from_the_page(commune, resident, classified):
    refused(resident, commune)
    response = classifieds_page(resident)
    assert response.status_code == 403
    assert "Demander à nouveau" in response.text


def test_validation_in_another_commune_does_not_count(commune, other_commune, resident, classified):
    validated(resident, other_commune)
    assert classifieds_page(resident).status_code == 403


def test_a_validated_resident_sees_the_classifieds(commune, resident, classified):
    validated(resident, commune)
    response = classifieds_page(resident)
    assert response.status_code == 200
    assert "Garde de chat" in response.text


def test_the_communes_staff_see_the_classifieds_without_following(commune, council, classified):
    response = classifieds_page(council, staff=True)
    assert response.status_code == 200
    assert "Garde de chat" in response.text


def test_staff_of_another_commune_are_residents_like_others(other_commune, classified):
    outsider = grant(other_commune, UserFactory(), Role.MAYOR).user
    assert classifieds_page(outsider, staff=True).status_code == 403


def test_the_home_panel_of_classifieds_is_for_validated_residents(commune, resident, classified):
    pending(resident, commune)
    assert "Garde de chat" not in home(resident)
    follow_decide(follow=Follow.objects.get(user=resident), by=root(), accept=True)
    assert "Garde de chat" in home(resident)
