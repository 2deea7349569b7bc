"""The module contract: registry validation, the single guard, module-aware signals."""

import types

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django_q.models import Schedule

from communes.services import module_set_enabled
from core.modules import PeriodicTask, PlatformModule, guard_view, registry
from core.signals import CommuneModuleSignal


def _module(**attributes):
    package = types.ModuleType("modules.fake")
    package.__path__ = ["/tmp/fake"]
    base = {"default": False, "name": "modules.fake", "label": "fake"}
    config_class = type("FakeConfig", (PlatformModule,), {**base, **attributes})
    return config_class("modules.fake", package)


def test_a_module_without_metadata_fails_at_start_up():
    with pytest.raises(ImproperlyConfigured, match="module_label"):
        _module(verbose_name="Fake", description="x", url_prefix="fake").validate()
    with pytest.raises(ImproperlyConfigured, match="url_prefix"):
        _module(module_label="fake", verbose_name="Fake", description="x").validate()


def test_a_module_with_bad_periodic_tasks_fails_at_start_up():
    module = _module(
        module_label="fake",
        verbose_name="Fake",
        description="x",
        url_prefix="fake",
        periodic_tasks=("not a task",),
    )
    with pytest.raises(ImproperlyConfigured):
        module.validate()


def test_registry_discovers_installed_modules():
    assert "classifieds" in registry.labels()
    classifieds = registry.get("classifieds")
    assert isinstance(classifieds, PlatformModule)
    assert classifieds.url_prefix == "annonces"
    with pytest.raises(LookupError):
        registry.get("nope")


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="root@example.org")


def test_guard_answers_404_only_for_the_commune_that_switched_the_module_off(
    commune, other_commune
):
    view = guard_view(lambda request: HttpResponse("ok"), "classifieds")
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)
    request = RequestFactory().get("/")
    request.commune = commune
    with pytest.raises(Http404):
        view(request)
    request.commune = other_commune
    assert view(request).status_code == 200


def test_guard_resolves_the_commune_named_in_the_api_path(commune):
    view = guard_view(
        lambda request, commune_slug: HttpResponse(request.commune.slug), "classifieds"
    )
    request = RequestFactory().get("/")
    request.commune = None
    assert view(request, commune_slug="saint-malo").content == b"saint-malo"
    with pytest.raises(Http404):
        view(request, commune_slug="no-such-commune")
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)
    next_request = RequestFactory().get("/")
    with pytest.raises(Http404):
        view(next_request, commune_slug="saint-malo")


def test_module_signal_reaches_only_modules_switched_on(commune, other_commune):
    signal = CommuneModuleSignal()
    calls = []

    def core_receiver(sender, **kwargs):
        calls.append(("core", sender.slug))

    def module_receiver(sender, **kwargs):
        calls.append(("classifieds", sender.slug))

    module_receiver.__module__ = "modules.classifieds.receivers"
    signal.connect(core_receiver, weak=False)
    signal.connect(module_receiver, weak=False)
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)

    signal.send(commune)
    signal.send(other_commune)
    assert calls == [
        ("core", "saint-malo"),
        ("core", "cocody"),
        ("classifieds", "cocody"),
    ]


def test_switch_off_then_on_is_read_fresh_by_the_next_request(client, commune):
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)
    assert client.get("/annonces/", HTTP_HOST="saint-malo.localhost").status_code == 404
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=True)
    assert client.get("/annonces/", HTTP_HOST="saint-malo.localhost").status_code != 404


@pytest.mark.django_db
def test_declared_periodic_tasks_are_django_q_schedules():
    declared = [task for module in registry for task in module.periodic_tasks]
    assert declared
    for task in declared:
        assert isinstance(task, PeriodicTask)
        schedule = Schedule.objects.get(name=task.name)
        assert schedule.func == task.func
        assert schedule.minutes == task.minutes
