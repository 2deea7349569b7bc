"""The API honours its OpenAPI description: every operation, fuzzed by schemathesis.

For each operation of /api/v1/schema/, as a resident and as a hosting partner's
staff, schemathesis generates requests (path parameters mostly pointing at real
objects: the commune of Saint-Malo, its classifieds, the partner's plan) and
checks that no answer is a 5xx and every answer is documented: status code,
content type, headers and body schema. Each example runs in a rolled-back
savepoint, so examples do not pile data on each other.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import DeviceToken
from accounts.staff import platform_staff_group
from communes.models import NewsPage, StaffRole
from communities.models import Membership, ReferentKitDocument
from communities.services import exclusion_request
from conversations.services import comment_create
from gazette.services import comment_create as gazette_comment
from gazette.services import post_create as gazette_post
from messaging.services import thread_start, town_hall_thread_start
from moderation.services import decide as moderation_decide
from moderation.services import report as moderation_report
from moderation.services import suspend as moderation_suspend
from modules.classifieds.models import Classified
from modules.groups.models import Group
from modules.groups.services import group_create, group_join
from modules.groups.services import post_create as group_post_create
from tests.communities import SAINT_MALO, join, make_community, referent_of
from tests.factories import PlanFactory, UserFactory
from tests.follows import grant, validated
from tests.kit import document
from tests.participation import answered_poll, followed_problem, published_suggestion
from tests.platform.gazette.conftest import jpeg, pdf

pytestmark = pytest.mark.contract

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(commune, partner, resident, fake_geocoder):
    staff = UserFactory(first_name="Paul", last_name="Hébergeur")
    partner.staff.add(staff)
    plan = PlanFactory(hosting_partner=partner, max_population=100000)
    classifieds = [
        Classified.objects.create(
            commune=commune,
            author=author,
            kind=kind,
            title=title,
            description="Disponible le week-end.",
            contact="06 00 00 00 00",
            expires_at=timezone.now() + timedelta(days=7),
        )
        for author, kind, title in [
            (resident, "offer", "Tonte de pelouse"),
            (resident, "request", "Cherche covoiturage"),
            (staff, "offer", "Cours de guitare"),
        ]
    ]
    stranger_token, _key = DeviceToken.issue(user=UserFactory(), name="Autre téléphone")
    news = NewsPage(title="Travaux", slug="travaux", body="<p>Rue fermée.</p>")
    commune.site.root_page.add_child(instance=news)
    neighbour = validated(UserFactory(), commune)
    comment = comment_create(target=news, commune=commune, author=neighbour, body="Merci.")
    # Issue 16: the resident lives in a community with a gazette, takes part in a
    # discussion group and has threads with a neighbour and with the town hall.
    resident.location = Point(*SAINT_MALO, srid=4326)
    resident.save(update_fields=["location"])
    validated(resident, commune)
    community = make_community(commune, members=1)
    join(community, resident)
    member = Membership.objects.members().filter(community=community).exclude(user=resident)
    fellow = member.filter(is_referent=False).get().user
    post = gazette_post(
        community=community,
        author=resident,
        category="information",
        title="Fête des voisins",
        body="Samedi à 18 h.",
        photos=[jpeg()],
        files=[pdf()],
    )
    gazette_comment(post=post, author=fellow, body="J'y serai.")
    mayor = UserFactory()
    grant(commune, mayor, StaffRole.Role.MAYOR)
    group = group_create(commune=commune, by=mayor, title="Jardins", description="Parcelles.")
    group_post = group_post_create(group=group, author=resident, body="Qui a des graines ?")
    on_request = group_create(
        commune=commune,
        by=mayor,
        title="Conseil de quartier",
        description="Sur demande.",
        access=Group.Access.ON_REQUEST,
    )
    request = group_join(group=on_request, user=neighbour)
    thread = thread_start(author=resident, recipients=[fellow], body="Bonjour.")
    town_hall_thread_start(author=resident, commune=commune, body="Une question.")
    # Issue 17: the resident reported the neighbour's news comment (a waiting case); a
    # platform moderator hid the resident's group post (a decision about them) and
    # suspended a spammer. Moderation's operations are walked as that moderator too.
    moderator = UserFactory(first_name="Modé", last_name="Ratrice")
    moderator.groups.add(platform_staff_group())
    reported = moderation_report(
        reporter=resident, kind="conversations.comment", object_id=comment.pk, reason="spam"
    )
    about_resident = moderation_report(
        reporter=neighbour, kind="conversations.comment", object_id=group_post.pk, reason="spam"
    )
    moderation_decide(by=moderator, case=about_resident.case, action="hide", note="Hors sujet.")
    suspension = moderation_suspend(by=moderator, user_id=UserFactory().pk, reason="Spam.")
    # Issue 18: an open poll the neighbour answered; the resident's published suggestion
    # with the neighbour's vote against and comment.
    poll = answered_poll(commune, by=mayor, voter=neighbour)
    idea, category = published_suggestion(commune, author=resident, by=mayor, against=neighbour)
    # Issue 19: the resident's report of a problem (with a photo), which the neighbour
    # follows; the hosting partner's staff handle it (the town hall's rights).
    problem = followed_problem(commune, author=resident, by=mayor, follower=neighbour, photo=jpeg())
    # Issue 20: the référent asked for the fellow member's exclusion (the platform's staff
    # decide it), the référent kit holds a guide, the mayor's role is listed by the town hall.
    exclusion = exclusion_request(
        by=referent_of(community), community=community, member=fellow, reason="Insultes."
    )
    kit_item = ReferentKitDocument.objects.create(title="Guide du référent", document=document())
    return {
        "resident": resident,
        "partner": staff,
        "moderator": moderator,
        "known": {
            "commune_slug": "saint-malo",
            "classified_id": classifieds[0].pk,
            "module": "classifieds",
            "plans": plan.pk,
            "tokens": stranger_token.pk,
            "page_id": news.pk,
            "comment_id": comment.pk,
            "community_id": community.pk,
            "group_id": group.pk,
            "request_id": request.pk,
            "thread_id": thread.pk,
            "report_id": reported.pk,
            "case_id": reported.case_id,
            "decision_id": about_resident.case_id,
            "suspension_id": suspension.pk,
            "photo_id": post.photos.get().pk,
            "file_id": post.files.get().pk,
            "poll_id": poll.pk,
            "suggestion_id": idea.pk,
            "category_id": category.pk,
            "problem_id": problem.pk,
            "exclusion_id": exclusion.pk,
            "document_id": kit_item.pk,
            "role_id": StaffRole.objects.get(user=mayor).pk,
            # A name several apps use: the value for the app named in the path.
            "post_id": {"/gazette/": post.pk, "/groups/": group_post.pk},
        },
    }


def known_path_parameters(operation, parameters: dict, known: dict) -> dict:
    fixed = dict(parameters)
    for name in parameters:
        if name in known:
            value = known[name]
            if isinstance(value, dict):
                value = next((v for part, v in value.items() if part in operation.path), None)
                if value is None:
                    continue
            fixed[name] = value
        elif name in ("id", "pk"):
            owner = "plans" if "/plans/" in operation.path else "tokens"
            fixed[name] = known[owner]
    return fixed


def exercise(operation, *, headers: dict, known: dict, token: DeviceToken, app) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real_objects=st.integers(0, 3))
    def run(case, real_objects):
        if real_objects and case.path_parameters:
            case.path_parameters = known_path_parameters(operation, case.path_parameters, known)
        cache.clear()  # the token throttle must not turn examples into 429s
        DeviceToken.objects.filter(pk=token.pk).update(revoked_at=None)
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=CHECKS, app=app)
            transaction.set_rollback(True)

    run()


@pytest.fixture
def wsgi_app():
    """The real WSGI app, kept off closing the test's connection (as django.test.Client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _openapi_document() -> dict:
    """The schema /api/v1/schema/ serves, built at collection time (no request, no DB)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


DOCUMENT = _openapi_document()
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in {"get", "put", "post", "patch", "delete"}
]


@pytest.fixture(scope="module")
def api_schema():
    return schemathesis.openapi.from_dict(DOCUMENT)


def test_the_served_schema_is_the_one_fuzzed(client, db):
    served = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.json()["paths"].keys() == DOCUMENT["paths"].keys()


@pytest.mark.parametrize("role", ["resident", "partner"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_matches_the_schema(world, wsgi_app, api_schema, role, method, path):
    operation = (
        api_schema[path][method].ok()
        if hasattr(api_schema[path][method], "ok")
        else api_schema[path][method]
    )
    token, key = DeviceToken.issue(user=world[role], name="contract")
    exercise(
        operation,
        headers={"Authorization": f"Token {key}"},
        known=world["known"],
        token=token,
        app=wsgi_app,
    )


MODERATION = [
    (method, path)
    for method, path in OPERATIONS
    if path.startswith(
        (
            "/api/v1/reports/",
            "/api/v1/moderation/",
            # The platform's staff (issue 20): communities, requests, exclusions, merges,
            # the référent kit and the support desk, walked as the same staff member.
            "/api/v1/platform/",
            "/api/v1/referent-kit/",
            "/api/v1/support/desk/",
        )
    )
]


@pytest.mark.parametrize(("method", "path"), MODERATION, ids=[f"{m} {p}" for m, p in MODERATION])
def test_moderation_operation_matches_the_schema_for_a_moderator(
    world, wsgi_app, api_schema, method, path
):
    """The queue, a case, decisions, suspensions and the platform staff's operations
    (issue 20) answer 200 only to the platform's staff."""
    operation = api_schema[path][method]
    operation = operation.ok() if hasattr(operation, "ok") else operation
    token, key = DeviceToken.issue(user=world["moderator"], name="contract")
    exercise(
        operation,
        headers={"Authorization": f"Token {key}"},
        known=world["known"],
        token=token,
        app=wsgi_app,
    )
