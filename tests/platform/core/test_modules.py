"""The module contract: registry validation, the single guard, module-aware signals."""

import types

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django_q.models import Schedule

from communes.services import module_set_enabled
from core.modules import (
    CommunityLink,
    HistoryKind,
    PeriodicTask,
    PlatformModule,
    ProtocolUrls,
    ReportableKind,
    guard_view,
    registry,
)
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


def _module_receivers(calls):
    def core_receiver(sender, **kwargs):
        calls.append(("core", sender.slug))
        return "core"

    def module_receiver(sender, **kwargs):
        calls.append(("classifieds", sender.slug))
        return "classifieds"

    module_receiver.__module__ = "modules.classifieds.receivers"
    return core_receiver, module_receiver


@pytest.mark.parametrize("method", ["send", "send_robust", "asend", "asend_robust"])
def test_every_send_method_skips_receivers_of_a_module_switched_off(commune, other_commune, method):
    from asgiref.sync import async_to_sync

    signal = CommuneModuleSignal()
    calls = []
    core_receiver, module_receiver = _module_receivers(calls)
    signal.connect(core_receiver, weak=False)
    signal.connect(module_receiver, weak=False)
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)

    send = getattr(signal, method)
    if method.startswith("a"):
        send = async_to_sync(send)
    off = send(commune)
    on = send(other_commune)
    # The callers get the receivers they connected, and only the answers of those called.
    assert off == [(core_receiver, "core")]
    assert on == [(core_receiver, "core"), (module_receiver, "classifieds")]
    assert calls == [("core", "saint-malo"), ("core", "cocody"), ("classifieds", "cocody")]


def test_async_receivers_of_a_module_switched_off_are_skipped(commune, other_commune):
    from asgiref.sync import async_to_sync

    signal = CommuneModuleSignal()
    calls = []

    async def module_receiver(sender, **kwargs):
        calls.append(sender.slug)
        return "async"

    module_receiver.__module__ = "modules.classifieds.receivers"
    signal.connect(module_receiver, weak=False)
    module_set_enabled(by=_superuser(), commune=commune, module="classifieds", enabled=False)

    assert async_to_sync(signal.asend)(commune) == []
    assert async_to_sync(signal.asend)(other_commune) == [(module_receiver, "async")]
    assert signal.send(other_commune) == [(module_receiver, "async")]
    assert calls == ["cocody", "cocody"]


def test_module_signal_keeps_weak_receivers_weak_and_disconnects(commune):
    import gc

    signal = CommuneModuleSignal()
    calls = []
    core_receiver, module_receiver = _module_receivers(calls)
    signal.connect(core_receiver)  # weak, as Django's default
    signal.connect(module_receiver, weak=False)
    signal.connect(module_receiver, weak=False)  # once only, as with a plain signal
    assert [receiver for receiver, _answer in signal.send(commune)] == [
        core_receiver,
        module_receiver,
    ]
    assert signal.disconnect(module_receiver) is True
    del core_receiver
    gc.collect()
    assert signal.send(commune) == []
    assert not signal.has_listeners()


def test_module_signal_does_not_read_djangos_private_receiver_list():
    import inspect

    import core.signals

    assert "_live_receivers" not in inspect.getsource(core.signals)


def _contract_module(**attributes):
    return _module(
        module_label="fake", verbose_name="Fake", description="x", url_prefix="fake", **attributes
    )


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"rubrics": ["not", "a", "tuple"]}, "rubrics must be a tuple"),
        ({"home_panels": ("modules.nowhere.receiver",)}, "home_panels"),
        ({"site_banners": (42,)}, "site_banners takes dotted paths"),
        ({"personal_data": "modules.nowhere.export"}, "personal_data"),
        ({"account_closure": "modules.nowhere.close"}, "account_closure"),
        ({"community_merge": "modules.nowhere.merge"}, "community_merge"),
        ({"history_kinds": ("twinned",)}, "history_kinds takes HistoryKind"),
        ({"history_kinds": (HistoryKind("x" * 31, "Long"),)}, "too long"),
        ({"community_links": (CommunityLink("", "os.path.join"),)}, "CommunityLink"),
        ({"community_links": (CommunityLink("near", "modules.nowhere.f"),)}, "community_links"),
        ({"reportable_kinds": ("ad",)}, "ReportableKind"),
        (
            {"reportable_kinds": (ReportableKind("ad", "nope.Nope", "commune", "Ad"),)},
            "reportable 'ad'",
        ),
        (
            {"reportable_kinds": (ReportableKind("ad", "classifieds.Classified", "author", "Ad"),)},
            "does not lead",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind("ad", "classifieds.Classified", "commune", "Ad", space="x"),
                )
            },
            "no relation 'x'",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind(
                        "ad", "classifieds.Classified", "commune", "Ad", author="commune"
                    ),
                )
            },
            "'commune' does not lead from classifieds.Classified to the user model",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind("ad", "classifieds.Classified", "commune", "Ad"),
                )
            },
            "needs a field ''",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind(
                        "ad", "communes.Follow", "commune", "Ad", author="user", excerpt="status"
                    ),
                )
            },
            "communes.Follow needs a field 'hidden_at'",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind(
                        "ad", "classifieds.Classified", "commune", "Ad", excerpt="description"
                    ),
                )
            },
            "reportable 'ad' needs can_see",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind(
                        "ad",
                        "classifieds.Classified",
                        "commune",
                        "Ad",
                        excerpt="description",
                        can_see="modules.nowhere.can_see",
                    ),
                )
            },
            "No module named 'modules.nowhere'",
        ),
        (
            {
                "reportable_kinds": (
                    ReportableKind(
                        "ad",
                        "classifieds.Classified",
                        "commune",
                        "Ad",
                        excerpt="description",
                        can_see="modules.classifieds.reporting.can_see",
                        town_hall="modules.classifieds.reporting.nowhere",
                    ),
                )
            },
            "reportable 'ad'",
        ),
    ],
)
def test_malformed_declarations_stop_start_up(attributes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _contract_module(**attributes).validate()


def test_well_formed_declarations_pass():
    _contract_module(
        home_panels=("modules.classifieds.receivers.home_panel",),
        personal_data="modules.classifieds.receivers.personal_data",
        history_kinds=(HistoryKind("fake_done", "Done"),),
        community_links=(CommunityLink("near", "modules.twinning.selectors.linked_to"),),
        reportable_kinds=(
            ReportableKind(
                "ad",
                "alerts.Alert",
                "community__commune",
                "Ad",
                space="community",
                excerpt="text",
                can_see="modules.alerts.reporting.can_see",
                town_hall="modules.classifieds.reporting.link",
            ),
        ),
    ).validate()


def test_module_rubrics_and_relations_are_checked_when_collected(monkeypatch):
    from notifications.kinds import RUBRICS, KindRegistry, Rubric
    from privacy import relations

    saved = dict(RUBRICS)
    fake = _contract_module(rubrics=(Rubric("news", "Clash"),))
    monkeypatch.setattr(registry, "_modules", {**registry._modules, "fake": fake})
    try:
        with pytest.raises(ImproperlyConfigured, match="rubric 'news' exists already"):
            KindRegistry().populate()
    finally:
        RUBRICS.clear()
        RUBRICS.update(saved)

    bad = relations.PrivacyRelation("close", "os.path.join", frozenset({"soul"}))
    monkeypatch.setattr(registry, "_modules", {"fake": _contract_module(privacy_relations=(bad,))})
    with pytest.raises(ImproperlyConfigured, match="unknown fields"):
        relations.register_module_relations()
    clash = relations.PrivacyRelation("self", "os.path.join", frozenset({"id"}))
    monkeypatch.setattr(
        registry, "_modules", {"fake": _contract_module(privacy_relations=(clash,))}
    )
    with pytest.raises(ImproperlyConfigured, match="exists already"):
        relations.register_module_relations()


def test_module_history_kinds_join_the_core_choices(monkeypatch):
    from communities.models import HistoryEntry, history_kind_choices

    choices = dict(history_kind_choices())
    assert set(HistoryEntry.Kind.values) <= set(choices)
    assert {"twinned", "twinning_ended"} <= set(choices)  # declared by the twinning module
    clash = _contract_module(history_kinds=(HistoryKind("joined", "Again"),))
    monkeypatch.setattr(registry, "_modules", {"fake": clash})
    with pytest.raises(ImproperlyConfigured, match="one of the core's"):
        history_kind_choices()


def test_reportable_kinds_are_listed_by_the_registry():
    kinds = {kind.key: kind for kind in registry.reportable_kinds()}
    assert kinds["classifieds.classified"].model == "classifieds.Classified"
    assert kinds["alerts.alert"].space == "community"


@pytest.mark.parametrize(
    "protocols, message",
    [
        (("modules.reports.open311.urls",), "protocol_urls takes ProtocolUrls"),
        ((ProtocolUrls("open311/v2", "modules.reports.open311.urls"),), "ending in '/'"),
        ((ProtocolUrls("api/open311/", "modules.reports.open311.urls"),), "free path"),
        ((ProtocolUrls("admin/", "modules.reports.open311.urls"),), "free path"),
        ((ProtocolUrls("open311/v2/", "modules.nowhere.urls"),), "No module named"),
    ],
)
def test_malformed_protocols_stop_start_up(protocols, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _contract_module(protocol_urls=protocols).validate()


def test_a_protocol_is_served_at_its_fixed_path_on_every_host_without_the_guard():
    """Open311 clients know /open311/v2/ by heart: the core mounts a module's protocol
    there, outside the module's guard (the module names the commune itself)."""
    from django.urls import get_resolver

    mounted = {
        str(pattern.pattern): pattern
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern) == "open311/v2/"
    }
    assert list(mounted) == ["open311/v2/"]
    assert mounted["open311/v2/"].urlconf_name.__name__ == "modules.reports.open311.urls"
    _contract_module(
        protocol_urls=(ProtocolUrls("open311/v2/", "modules.reports.open311.urls"),)
    ).validate()
