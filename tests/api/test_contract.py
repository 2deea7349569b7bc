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
from communes.models import NewsPage
from conversations.services import comment_create
from modules.classifieds.models import Classified
from tests.factories import PlanFactory, UserFactory
from tests.follows import validated

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
    comment = comment_create(
        target=news, commune=commune, author=validated(UserFactory(), commune), body="Merci."
    )
    return {
        "resident": resident,
        "partner": staff,
        "known": {
            "commune_slug": "saint-malo",
            "classified_id": classifieds[0].pk,
            "module": "classifieds",
            "plans": plan.pk,
            "tokens": stranger_token.pk,
            "page_id": news.pk,
            "comment_id": comment.pk,
        },
    }


def known_path_parameters(operation, parameters: dict, known: dict) -> dict:
    fixed = dict(parameters)
    for name in parameters:
        if name in known:
            fixed[name] = known[name]
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
