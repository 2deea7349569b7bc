"""Every installed module honours the contract, switched off and on again in one commune.

One parametrised test per module of the registry, so a new module gets it without
writing it. For the module switched off in Saint-Malo:

* every site URL of the module (its URL patterns, path converters filled), every API
  route and every admin URL answers exactly 404 there, whatever the method;
* its receivers of the core's commune signals (home panels, site banners…) are not
  called, and the API's feed shows none of its banners;
* its notifications are neither in the centre nor counted;
* its periodic tasks change none of its rows in that commune, even a year later.

Switched on again, every page answers as before and its notifications are back. On the
platform's own host (no commune), every site URL of the module answers exactly 404.

A module may give the test real objects: ``tests/modules/<label>/conformance.py``
with ``make(world) -> dict``, which creates what the module needs in
``world.commune`` and returns values for its URL converters by name (``{"pk": 12}``).
Without it, integer converters get ``1`` and the others ``"x"``. ``world`` holds
``commune``, ``other_commune``, ``here`` (a community of Saint-Malo), ``referent`` and
``member`` of it (validated residents of Saint-Malo), ``superuser``.
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

import core.signals
from communes.services import module_set_enabled
from core.modules import guard_view, registry
from core.signals import CommuneModuleSignal, module_label_of
from notifications import selectors as centre
from notifications.fanout import publish
from notifications.kinds import kinds
from notifications.models import Notification
from tests.follows import root, validated
from tests.twinning import build_world
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"
OTHER_HOST = "cocody.localhost"
SITE_METHODS = ("get", "post")
API_METHODS = ("get", "post", "put", "patch", "delete")
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")

pytestmark = pytest.mark.django_db


# --- the world and the module's own objects -------------------------------------------


def conformance_hook(label: str):
    """``tests.modules.<label>.conformance``, or None."""
    try:
        return importlib.import_module(f"tests.modules.{label}.conformance")
    except ModuleNotFoundError as error:
        if error.name and error.name.startswith("tests.modules"):
            return None
        raise


@pytest.fixture
def world(commune, other_commune):
    base = build_world(commune)
    for person in (base.here_referent, base.here_member):
        validated(person, commune)
    return SimpleNamespace(
        commune=commune,
        other_commune=other_commune,
        here=base.here,
        near=base.near,
        referent=base.here_referent,
        member=base.here_member,
        superuser=root(),
    )


def switch(world, module, enabled: bool, commune=None) -> None:
    module_set_enabled(
        by=world.superuser,
        commune=commune or world.commune,
        module=module.module_label,
        enabled=enabled,
    )


def values_for(module, world) -> dict:
    hook = conformance_hook(module.module_label)
    values = {"community_id": world.here.pk, "community_pk": world.here.pk}
    if hook is not None:
        values.update(hook.make(world))
    return values


# --- URLs --------------------------------------------------------------------------------


def routes(patterns, prefix: str = ""):
    """Every route string (``"<int:pk>/fermer/"``) under ``patterns``."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def fill(route: str, values: dict) -> str:
    def value(match):
        name, converter = match["name"], match["converter"] or "str"
        if name in values:
            return str(values[name])
        return str(values.get("pk", 1)) if converter == "int" else "x"

    path = CONVERTER.sub(value, route)
    assert "^" not in path and "(?P" not in path, f"{route!r}: use path(), not re_path()"
    return path


def site_paths(module, values) -> list[str]:
    if not module.site_urls:
        return []
    patterns = import_string(f"{module.site_urls}.urlpatterns")
    return [f"/{module.url_prefix}/{fill(route, values)}" for route in routes(patterns)]


def api_paths(module, world, values) -> list[str]:
    if not module.api_urls:
        return []
    patterns = import_string(f"{module.api_urls}.urlpatterns")
    base = f"/api/v1/communes/{world.commune.slug}/{module.module_label}/"
    return [base + fill(route, values) for route in routes(patterns)]


def admin_paths(module, values) -> list[str]:
    paths = []
    for dotted in module.admin_viewsets:
        viewset = import_string(dotted)()
        paths += [
            f"/admin/{viewset.url_prefix}/{fill(route, values)}"
            for route in routes(viewset.get_urlpatterns())
        ]
    return paths


def protocol_paths(module, values) -> list[str]:
    """A module's standard protocols (Open311) on the commune's host: the protocol's own
    catch-all routes (``re_path``) left out, every ``path()`` filled."""
    paths = []
    for protocol in module.protocol_urls:
        patterns = import_string(f"{protocol.urls}.urlpatterns")
        paths += [
            f"/{protocol.prefix}{fill(route, values)}"
            for route in routes(patterns)
            if "^" not in route
        ]
    return paths


def statuses(client, paths, **extra) -> dict[str, int]:
    return {path: client.get(path, **extra).status_code for path in paths}


def site_client(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    verified_login(client, user)
    return client


# --- the commune's signals ------------------------------------------------------------


def commune_signals() -> list[CommuneModuleSignal]:
    return [
        value for value in vars(core.signals).values() if isinstance(value, CommuneModuleSignal)
    ]


def module_receivers_called(module, commune, user) -> set:
    request = RequestFactory().get("/", HTTP_HOST=HOST)
    request.user = user
    request.commune = commune
    called = set()
    for signal in commune_signals():
        for receiver, _answer in signal.send(commune, request=request):
            if module_label_of(receiver) == module.module_label:
                called.add(receiver)
    return called


def declared_receivers(module) -> set:
    return {
        import_string(d) for d in (*module.home_panels, *module.site_banners, *module.feed_pins)
    }


# --- the module's rows in the commune --------------------------------------------------


def commune_paths(model) -> list[str]:
    """Lookup paths from ``model`` to a commune: its own, or through a community."""
    paths = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.many_to_one and field.related_model):
            continue
        target = field.related_model._meta.label
        if target == "communes.Commune":
            paths.append(field.name)
        elif target == "communities.Community":
            paths.append(f"{field.name}__commune")
    return paths


def rows_of(module, commune) -> dict:
    """The module's rows in ``commune``, every field's value, model by model."""
    snapshot = {}
    for model in apps.get_app_config(module.label).get_models():
        paths = commune_paths(model)
        if not paths:
            continue
        condition = Q()
        for path in paths:
            condition |= Q(**{path: commune})
        snapshot[model._meta.label] = list(model.objects.filter(condition).order_by("pk").values())
    return snapshot


# --- the test ---------------------------------------------------------------------------


@pytest.mark.parametrize("label", registry.labels())
def test_module_switched_off_vanishes_from_the_commune_and_comes_back(label, world):
    module = registry.get(label)
    switch(world, module, True)  # whatever its default
    switch(world, module, True, world.other_commune)  # the commune that keeps it
    values = values_for(module, world)
    user = world.referent
    site, admin = site_client(user), site_client(world.superuser)
    api = APIClient()
    api.force_authenticate(user)
    paths = {
        "site": site_paths(module, values),
        "api": api_paths(module, world, values),
        "admin": admin_paths(module, values),
        "protocol": protocol_paths(module, values),
    }
    clients = {"site": site, "api": api, "admin": admin, "protocol": site}

    # On: the module answers (a hook gives real objects when defaults are not enough).
    before = {part: statuses(clients[part], paths[part]) for part in paths}
    for part, answers in before.items():
        if answers:
            assert set(answers.values()) != {404}, (
                f"{label}: every {part} URL answers 404 with the module on; give real "
                f"objects in tests/modules/{label}/conformance.py"
            )
    assert declared_receivers(module) <= module_receivers_called(module, world.commune, user)
    kind_keys = [kind.key for kind in kinds if kind.module == label]
    for key in kind_keys:
        publish(
            key,
            audience=get_user_model().objects.filter(pk=user.pk),
            title=f"conformance {key}",
            commune=world.commune,
        )
    notified = set(centre.centre(user).values_list("event__kind", flat=True))
    assert set(kind_keys) <= notified
    unread = centre.unread_count(user)
    unread_of_module = Notification.objects.filter(
        recipient=user, read_at__isnull=True, event__kind__in=kind_keys
    ).count()
    rows = rows_of(module, world.commune)

    # Off in Saint-Malo.
    switch(world, module, False)
    for part, methods in (
        ("site", SITE_METHODS),
        ("api", API_METHODS),
        ("admin", ("get", "post")),
        ("protocol", ("get", "post")),
    ):
        for path in paths[part]:
            for method in methods:
                response = getattr(clients[part], method)(path)
                assert response.status_code == 404, f"{method.upper()} {path}"
    assert not module_receivers_called(module, world.commune, user)
    assert module_receivers_called(module, world.other_commune, user) >= declared_receivers(module)
    feed = api.get(f"/api/v1/communes/{world.commune.slug}/feed/").json()
    assert [b for b in feed["banners"] if b["module"] == label] == []
    assert [p for p in feed["pinned"] if p["module"] == label] == []
    assert not set(kind_keys) & set(centre.centre(user).values_list("event__kind", flat=True))
    assert centre.unread_count(user) == unread - unread_of_module
    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        for task in module.periodic_tasks:
            import_string(task.func)()
    assert rows_of(module, world.commune) == rows

    # On again: everything is back as it was (pages last: reading one may mark it read).
    switch(world, module, True)
    assert set(kind_keys) <= set(centre.centre(user).values_list("event__kind", flat=True))
    assert centre.unread_count(user) == unread
    assert declared_receivers(module) <= module_receivers_called(module, world.commune, user)
    after = {part: statuses(clients[part], paths[part]) for part in paths}
    assert after == before


@pytest.mark.parametrize("label", registry.labels())
def test_module_site_urls_answer_404_on_a_host_with_no_commune(label, world):
    """The platform's own host has no commune: a module's pages are not there (exactly 404),
    for a resident as for a superuser, whatever the method."""
    module = registry.get(label)
    switch(world, module, True)
    paths = site_paths(module, values_for(module, world))
    for user in (world.referent, world.superuser):
        client = Client()  # the platform's host, "testserver"
        verified_login(client, user)
        for path in paths:
            for method in SITE_METHODS:
                response = getattr(client, method)(path)
                assert response.status_code == 404, f"{method.upper()} {path}"


def test_the_guard_needs_a_commune_for_site_pages_not_for_the_admin():
    """A module's page without a guard of its own still answers 404 off-commune."""

    def page(request):
        return HttpResponse("page")

    request = RequestFactory().get("/")
    request.commune = None
    with pytest.raises(Http404):
        guard_view(page, "classifieds", commune_required=True)(request)
    assert guard_view(page, "classifieds")(request).content == b"page"  # the platform's admin


@pytest.mark.parametrize("label", registry.labels())
def test_module_declares_what_merges_and_gdpr_need(label):
    """A module whose rows point to a community says what a merge does to them; one whose
    rows point to a person exports them (GDPR access)."""
    module = registry.get(label)
    models = list(apps.get_app_config(module.label).get_models())
    user_model = get_user_model()
    points_to = {
        field.related_model
        for model in models
        for field in model._meta.get_fields()
        if field.is_relation and field.many_to_one and field.related_model
    }
    if apps.get_model("communities", "Community") in points_to:
        assert module.community_merge, f"{label}: declare community_merge"
    if user_model in points_to:
        assert module.personal_data, f"{label}: declare personal_data"
    for kind in module.reportable_kinds:
        assert apps.get_model(kind.model) in models, f"{kind.key}: not a model of {label}"
