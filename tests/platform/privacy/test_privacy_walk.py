"""PRIV walk: no page and no API response shows a person's email, phones or address to a
viewer the matrix forbids.

Nothing here lists endpoints by hand: the API's GET operations come from the OpenAPI
schema (path parameters filled with every id and slug of the world below), and the
site's pages from crawling links as each viewer, the Wagtail admin included for staff.
A new endpoint or page is walked as soon as it exists.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.staff import platform_staff_group
from communes.models import Follow, NewsPage, StaffRole
from communes.services import staff_role_grant
from communities.models import (
    Community,
    Exclusion,
    Membership,
    MergeProposal,
    ReferentKitDocument,
)
from communities.services import exclusion_request, membership_request
from conversations.models import Comment
from conversations.services import comment_create
from gazette.models import Post, PostFile, PostPhoto
from gazette.services import comment_create as gazette_comment
from gazette.services import post_create as gazette_post_create
from messaging.models import Thread
from messaging.services import (
    message_send,
    thread_start,
    town_hall_reply,
    town_hall_thread_start,
)
from moderation.models import PERSON_KIND, Case, Report, Suspension
from moderation.services import decide as moderation_decide
from moderation.services import report as moderation_report
from modules.classifieds.services import classified_create
from modules.groups.models import Group, GroupMember
from modules.groups.services import group_create, group_join, membership_decide, post_create
from modules.polls.models import Poll
from modules.reports.models import Report as Problem
from modules.suggestions.models import Category, Suggestion
from modules.suggestions.services import suggestion_propose, vote_cast
from modules.twinning.models import Twinning
from modules.twinning.services import twinning_decide, twinning_propose
from privacy.matrix import person_card
from tests.communities import SAINT_MALO, join, make_community, offset, person_at, referent_of
from tests.factories import UserFactory
from tests.participation import answered_poll, followed_problem, published_suggestion
from tests.platform.gazette.conftest import jpeg, pdf
from tests.two_factor import verified_login

TWINNED = "twinned"  # the relation the twinning module declares

HOST = "saint-malo.localhost"
MAX_PAGES = 120
# Links a crawler must not follow: they change state or leave the session.
SKIP = re.compile(r"/(deconnexion|logout)/|^/(static|media|documents)/|/admin/logout/|\?.*delete")

SECRETS = {
    "email": ["secret.subject@example.org"],
    "phones": ["+33611223344", "06 11 22 33 44", "0611223344", "+33299001122", "02 99 00 11 22"],
    "address": ["17 Rue Secrète", "Secrète"],
    "birth_date": ["1961-07-14", "14/07/1961", "14 juillet 1961"],
}

# What each viewer may NOT see of the subject (PRODUCT.md, PRIV).
FORBIDDEN = {
    "anonymous": {"email", "phones", "address", "birth_date"},
    "fellow_resident": {"email", "phones", "address", "birth_date"},
    "other_commune_staff": {"email", "phones", "address", "birth_date"},
    "commune_staff": {"email", "phones", "birth_date"},
    "platform_staff": {"email", "phones", "address", "birth_date"},
    # The police of the partner town hall (COM-2): the référents' names, the alerts' authors.
    "police": {"email", "phones", "address", "birth_date"},
    # A fellow member of the subject's community (CTY-13): phones (not hidden) and address.
    "same_community": {"email", "birth_date"},
    # Its référent, who also reads the pending requests (CTY-4): as a fellow member.
    "referent": {"email", "birth_date"},
    # Asked to join the subject's community, not accepted yet: nothing (CTY-4).
    "pending_member": {"email", "phones", "address", "birth_date"},
    # A member of a community twinned with the subject's (TWN-3): pseudonym and photo only.
    "twinned": {"email", "phones", "address", "birth_date"},
    "self": set(),
}

# Path parameters naming one kind of object get those kinds' ids only (fewer requests);
# a name several apps use lists each app's model.
PARAMETER_MODELS = {
    "community_id": (Community,),
    "request_id": (Membership, GroupMember),
    "proposal_id": (MergeProposal,),
    "twinning_id": (Twinning,),
    "page_id": (NewsPage,),
    "comment_id": (Comment,),
    "group_id": (Group,),
    "post_id": (Post, Comment),  # the gazette's posts, and groups' posts (comments)
    "photo_id": (PostPhoto,),
    "file_id": (PostFile,),
    "thread_id": (Thread,),
    "report_id": (Report,),
    "case_id": (Case,),
    "decision_id": (Case,),
    "suspension_id": (Suspension,),
    "poll_id": (Poll,),
    "suggestion_id": (Suggestion,),
    "category_id": (Category,),
    "problem_id": (Problem,),
    "exclusion_id": (Exclusion,),
    "document_id": (ReferentKitDocument,),
    "role_id": (StaffRole,),
}
# The person who reports the subject (issue 17): named to the platform's moderators only.
REPORTER = ("Vigie", "Discrète")


@pytest.fixture
def world(commune, other_commune):
    subject = UserFactory(
        first_name="Sujet",
        last_name="Témoin",
        email="secret.subject@example.org",
        mobile="+33611223344",
        landline="+33299001122",
        address="17 Rue Secrète 35400 Saint-Malo",
        birth_date=date(1961, 7, 14),
        presentation="Présentation du sujet.",
        location=Point(*offset(SAINT_MALO, 40, -30), srid=4326),
    )
    Follow.objects.create(user=subject, commune=commune, status=Follow.Status.VALIDATED)
    # The subject's community: a référent, the subject, a fellow member; a neighbour's
    # request is pending. Another community nearby, so that ids of both are walked.
    community = make_community(commune)
    join(community, subject)
    same_community = join(community, person_at(commune, offset(SAINT_MALO, -60, 10)))
    pending_member = person_at(commune, offset(SAINT_MALO, 70, 70))
    membership_request(user=pending_member, community=community)
    servan = make_community(commune, offset(SAINT_MALO, 900, 0), name="Saint-Servan", members=1)
    # Saint-Servan is twinned with the subject's community (TWN-1): its plain member is
    # the "twinned" viewer.
    twinning_decide(
        by=referent_of(servan),
        twinning=twinning_propose(by=referent_of(community), community=community, other=servan),
        accept=True,
    )
    twinned = Membership.objects.members().filter(community=servan, is_referent=False).get().user
    classified_create(
        commune=commune,
        author=subject,
        kind="offer",
        title="Annonce du sujet",
        description="Aide au jardinage.",
        contact="Sonnez au portail vert",
        days=10,
    )
    # The subject posts in the community's gazette with a photo and a file, and a fellow
    # member comments (CNT-2).
    post = gazette_post_create(
        community=community,
        author=subject,
        category="information",
        title="Gazette du sujet",
        body="Texte.",
        photos=[jpeg()],
        files=[pdf()],
    )
    gazette_comment(post=post, author=same_community, body="Bravo.")
    fellow = UserFactory(first_name="Voisin", last_name="Lambda")
    Follow.objects.create(user=fellow, commune=commune, status=Follow.Status.VALIDATED)
    # The subject comments on a news item of the home page and a neighbour answers (CNT-1).
    news = NewsPage(title="Travaux", slug="travaux", body="<p>Rue fermée.</p>")
    commune.site.root_page.add_child(instance=news)
    topic = comment_create(target=news, commune=commune, author=subject, body="Commentaire.")
    comment_create(target=news, commune=commune, author=fellow, body="Réponse.", parent=topic)
    root = UserFactory(is_superuser=True, is_staff=True)
    mayor = UserFactory(first_name="Maire", last_name="Local")
    staff_role_grant(commune=commune, user=mayor, role=StaffRole.Role.MAYOR, by=root)
    other_mayor = UserFactory(first_name="Maire", last_name="Ailleurs")
    staff_role_grant(commune=other_commune, user=other_mayor, role=StaffRole.Role.MAYOR, by=root)
    # Issue 20: the commune is a partner town hall with a police account (COM-2).
    commune.is_partner = True
    commune.save(update_fields=["is_partner"])
    police = UserFactory(first_name="Police", last_name="Municipale")
    staff_role_grant(commune=commune, user=police, role=StaffRole.Role.POLICE, by=root)
    # Discussion groups (CNT-4): the subject posts in an open group, a neighbour and the
    # town hall answer; the subject is an accepted member of a group on request, where the
    # neighbour's request is pending.
    open_group = group_create(commune=commune, by=mayor, title="Jardins", description="Parcelles.")
    topic = post_create(group=open_group, author=subject, body="Message du sujet.")
    post_create(group=open_group, author=fellow, body="Réponse.", parent=topic)
    post_create(
        group=open_group, author=mayor, body="La mairie répond.", parent=topic, as_town_hall=True
    )
    private = group_create(
        commune=commune,
        by=mayor,
        title="Conseil de quartier",
        description="Sur demande.",
        access=Group.Access.ON_REQUEST,
    )
    membership_decide(member=group_join(group=private, user=subject), by=mayor, accept=True)
    post_create(group=private, author=subject, body="Message privé du sujet.")
    group_join(group=private, user=fellow)
    # Private messages (CNT-3): the subject writes to a fellow member and the twinned
    # member, who answers, and to the town hall, which answers.
    thread = thread_start(author=subject, recipients=[same_community, twinned], body="Bonjour.")
    message_send(thread=thread, author=twinned, body="Bonjour à vous.")
    town = town_hall_thread_start(author=subject, commune=commune, body="Une question.")
    town_hall_reply(thread=town, by=mayor, body="Une réponse.")
    moderator = UserFactory(first_name="Modé", last_name="Ratrice")
    moderator.groups.add(platform_staff_group())
    # Moderation (CNT-5): a fellow member reports the subject's news comment (the town
    # hall's case), gazette post (the platform's) and the subject as a person; the
    # platform's moderator hides the comment (a decision about the subject).
    vigie = join(
        community,
        person_at(
            commune, offset(SAINT_MALO, 30, -50), first_name=REPORTER[0], last_name=REPORTER[1]
        ),
    )
    news_comment = Comment.objects.get(author=subject, body="Commentaire.")
    on_comment = moderation_report(
        reporter=vigie,
        kind="conversations.comment",
        object_id=news_comment.pk,
        reason="harassment",
        text="Propos blessants.",
    )
    moderation_report(reporter=vigie, kind="gazette.post", object_id=post.pk, reason="spam")
    moderation_report(
        reporter=vigie, kind=PERSON_KIND, object_id=subject.pk, reason="behaviour", text="Insiste."
    )
    moderation_decide(by=moderator, case=on_comment.case, action="hide", note="Blessant.")
    # Polls and suggestions (issue 18): the subject answers the town hall's poll; the
    # subject's suggestion is published and a neighbour votes against it with a comment;
    # a second one of the subject's waits for the town hall.
    answered_poll(commune, by=mayor, voter=subject)
    idea, category = published_suggestion(
        commune, author=subject, by=mayor, against=fellow, title="Suggestion du sujet"
    )
    vote_cast(suggestion=idea, user=subject, in_favour=True)
    suggestion_propose(
        commune=commune,
        author=subject,
        category_id=category.pk,
        title="Idée en attente",
        description="Un abri vélo.",
    )
    # Reports of problems (issue 19): the subject reports a pothole (named to the staff
    # who handle it only: "un habitant" to everyone else), which a neighbour follows.
    followed_problem(commune, author=subject, by=mayor, follower=fellow, photo=jpeg())
    # Issue 20: the référent asks for the subject's exclusion (the platform's staff decide).
    exclusion_request(
        by=referent_of(community), community=community, member=subject, reason="Conflit."
    )
    DeviceToken.issue(user=subject, name="Téléphone du sujet")
    return {
        "anonymous": AnonymousUser(),
        "fellow_resident": fellow,
        "other_commune_staff": other_mayor,
        "commune_staff": mayor,
        "platform_staff": moderator,
        "police": police,
        "same_community": same_community,
        "referent": referent_of(community),
        "pending_member": pending_member,
        "twinned": twinned,
        "self": subject,
        "_subject": subject,
        "_community": community,
    }


def _leaks(body: str, relation: str) -> list[str]:
    found = []
    for field in FORBIDDEN[relation]:
        found += [f"{field}: {value!r}" for value in SECRETS[field] if value in body]
    return found


def _api_paths(world) -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    from django.apps import apps

    from communes.models import Commune

    ids = sorted(
        {
            pk
            for model in apps.get_models()
            if model._meta.app_label in {"accounts", "communes", "classifieds", "twinning"}
            for pk in model.objects.values_list("pk", flat=True)[:50]
            if isinstance(pk, int)
        }
    )
    slugs = list(Commune.objects.values_list("slug", flat=True))
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations or path.endswith(("/schema/", "/docs/", "/redoc/")):
            continue
        params = re.findall(r"{([^}]+)}", path)
        candidates = [path]
        for param in params:
            if param in PARAMETER_MODELS:
                values = [
                    str(pk)
                    for model in PARAMETER_MODELS[param]
                    for pk in model.objects.values_list("pk", flat=True)
                ]
            else:
                values = slugs if "slug" in param else [str(i) for i in ids]
            candidates = [c.replace("{" + param + "}", v) for c in candidates for v in values]
        paths += candidates
    return paths


@pytest.mark.parametrize("relation", list(FORBIDDEN))
def test_no_api_response_leaks_forbidden_fields(world, relation):
    client = APIClient()
    viewer = world[relation]
    if viewer.is_authenticated:
        client.force_authenticate(viewer)
    walked = leaks = 0
    problems = []
    for path in _api_paths(world):
        response = client.get(path, HTTP_HOST=HOST)
        walked += 1
        if response.status_code >= 500:
            problems.append(f"{path}: HTTP {response.status_code}")
            continue
        body = _body(response)  # a gazette photo or file streams
        for leak in _leaks(body, relation):
            leaks += 1
            problems.append(f"{path}: {leak}")
    assert walked > 10
    assert not problems, "\n".join(problems)


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _crawl(client, start_paths: list[str]) -> tuple[int, list[str], dict[str, str]]:
    seen: set[str] = set()
    queue = deque(start_paths)
    bodies: dict[str, str] = {}
    errors = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path, HTTP_HOST=HOST)
        if response.status_code >= 500:
            errors.append(f"{path}: HTTP {response.status_code}")
            continue
        if response.status_code in (301, 302):
            location = urlsplit(urljoin(path, response["Location"]))
            if location.netloc in ("", HOST):
                queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        if "html" not in response.get("Content-Type", ""):
            bodies[path] = _body(response)  # the favicon, a kit's PDF… are files
            continue
        body = response.content.decode(errors="replace")
        bodies[path] = body
        for href in re.findall(r'href="([^"#]+)"', body):
            target = urlsplit(urljoin(path, href.replace("&amp;", "&")))
            if target.netloc in ("", HOST) and target.path.startswith("/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return len(seen), errors, bodies


@pytest.mark.parametrize("relation", list(FORBIDDEN))
def test_no_page_leaks_forbidden_fields(client, world, relation):
    viewer = world[relation]
    start = ["/", "/annonces/", "/jumelages/", "/compte/profil/", "/compte/communes/"]
    start += ["/groupes/", "/messages/", "/messages/nouveau/?q=Sujet", "/gazette/"]
    start += ["/sondages/", "/suggestions/", "/suggestions/mes-suggestions/", "/problemes/"]
    start += [f"/problemes/{problem.pk}/" for problem in Problem.objects.all()]
    start += [f"/suggestions/{idea.pk}/" for idea in Suggestion.objects.all()]
    start += [f"/gazette/{post.pk}/" for post in Post.objects.all()]
    start += [f"/groupes/{group.pk}/" for group in Group.objects.all()]
    start += [f"/messages/{thread.pk}/" for thread in Thread.objects.all()]
    # The subject's community's members-only pages, whether or not the viewer has a link.
    pk = world["_community"].pk
    start += [reverse(f"communities:{n}", args=[pk]) for n in ("directory", "history", "requests")]
    start.append(reverse("twinning:community", args=[pk]))
    if viewer.is_authenticated:
        if relation == "police":
            verified_login(client, viewer)
            start += ["/admin/", "/admin/alerts/", reverse("communities_partner_home")]
            start += ["/admin/messagerie/"]
        elif relation in {"commune_staff", "other_commune_staff", "platform_staff"}:
            verified_login(client, viewer)
            start += ["/admin/", reverse("residents_to_validate"), "/admin/classifieds/"]
            start += ["/admin/comments/", "/admin/messagerie/", "/admin/groups/"]
            start.append("/admin/group_requests/")
            start += ["/admin/polls/", "/admin/suggestions/", "/admin/reports/"]
            start += [f"/admin/reports/{problem.pk}/" for problem in Problem.objects.all()]
            start += ["/admin/reports/dashboard/"]
            start += [f"/admin/messagerie/{thread.pk}/" for thread in Thread.objects.all()]
        else:
            client.force_login(viewer)
    walked, errors, bodies = _crawl(client, start)
    problems = list(errors)
    for path, body in bodies.items():
        problems += [f"{path}: {leak}" for leak in _leaks(body, relation)]
    assert walked > 5
    assert not problems, "\n".join(problems)


def test_the_walk_would_see_a_leak(client, world):
    """The walk is not blind: the person's own profile shows what others must not see."""
    client.force_login(world["self"])
    _walked, _errors, bodies = _crawl(client, ["/compte/profil/"])
    leaked = _leaks(bodies["/compte/profil/"], "fellow_resident")
    assert any(leak.startswith("email") for leak in leaked)
    assert any(leak.startswith("phones") for leak in leaked)
    assert any(leak.startswith("address") for leak in leaked)


def test_commune_staff_do_see_the_address_they_need(client, world):
    """The matrix is not just "hide everything": the town hall validates with the address."""
    Follow.objects.filter(user=world["_subject"]).update(status=Follow.Status.PENDING)
    verified_login(client, world["commune_staff"])
    _walked, _errors, bodies = _crawl(client, [reverse("residents_to_validate")])
    assert any("17 Rue Secrète" in body for body in bodies.values())
    assert not any("secret.subject@example.org" in body for body in bodies.values())


def test_a_fellow_member_sees_the_directory_the_walk_covers(world):
    """The walk reaches the members-only endpoints: a fellow member does see what they may."""
    client = APIClient()
    client.force_authenticate(world["same_community"])
    paths = [p for p in _api_paths(world) if p.endswith("/members/")]
    bodies = [client.get(p, HTTP_HOST=HOST) for p in paths]
    seen = [r.content.decode() for r in bodies if r.status_code == 200]
    assert len(seen) == 1
    assert "17 Rue Secrète" in seen[0] and "+33611223344" in seen[0]
    assert "secret.subject@example.org" not in seen[0]
    client.force_authenticate(world["pending_member"])
    assert all(client.get(p, HTTP_HOST=HOST).status_code == 404 for p in paths)


def test_a_twinned_member_is_seen_as_twinned(world):
    """The walk's "twinned" viewer does hold the relation: a pseudonym, no contact."""
    card = person_card(world["twinned"], world["_subject"])
    assert card.relation == TWINNED
    assert card.id == world["_subject"].pk
    assert card.email is None and card.mobile is None and card.address is None
    client = APIClient()
    client.force_authenticate(world["twinned"])
    # Twinned is not a member: the subject's directory stays closed (CTY-13).
    members = f"/api/v1/communities/{world['_community'].pk}/members/"
    assert client.get(members, HTTP_HOST=HOST).status_code == 404


def _names_reporter(body: str) -> bool:
    return any(name in body for name in REPORTER)


@pytest.mark.parametrize("relation", ["self", "commune_staff", "other_commune_staff"])
def test_no_api_response_names_a_reporter(world, relation):
    """Neither the reported author nor a town hall learns who reported (CNT-5): a path
    that names the reporter must still name them once the reports are gone (the subject
    meets them in the community's directory, say), else the reports put them there."""
    client = APIClient()
    client.force_authenticate(world[relation])
    naming = [
        path
        for path in _api_paths(world)
        if _names_reporter(_body(client.get(path, HTTP_HOST=HOST)))
    ]
    Report.objects.all().delete()
    leaks = [p for p in naming if not _names_reporter(_body(client.get(p, HTTP_HOST=HOST)))]
    assert not leaks, "\n".join(leaks)


def test_the_reporter_walk_would_see_a_leak(world):
    """The platform's moderators are told who reported: the walk above is not blind."""
    client = APIClient()
    client.force_authenticate(world["platform_staff"])
    cases = [p for p in _api_paths(world) if re.fullmatch(r"/api/v1/moderation/cases/\d+/", p)]
    assert len(cases) == 3
    assert all(_names_reporter(_body(client.get(p, HTTP_HOST=HOST))) for p in cases)
    client.force_authenticate(world["commune_staff"])
    seen = [client.get(p, HTTP_HOST=HOST) for p in cases]
    assert sorted(r.status_code for r in seen) == [200, 404, 404]  # the news comment's case
