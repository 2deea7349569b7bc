"""A core app's AppConfig declares ``reportable_kinds`` as a module does (conversations)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from core.modules import ModuleRegistry, ReportableKind, registry, validate_reportable


def test_core_apps_reportable_kinds_come_first_in_the_registry():
    keys = [kind.key for kind in registry.reportable_kinds()]
    assert keys[0] == "conversations.comment"
    assert "classifieds.classified" in keys


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("comment", "conversations: reportable_kinds takes ReportableKind."),
        (ReportableKind("", "conversations.Comment", "commune", "x"), "needs a key and a label"),
        (ReportableKind("c", "conversations.Nope", "commune", "x"), "reportable 'c'"),
        (
            ReportableKind("c", "conversations.Comment", "author", "x"),
            "'author' does not lead from conversations.Comment to communes.Commune",
        ),
    ],
)
def test_a_core_app_s_reportable_kind_is_checked(kind, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        validate_reportable("conversations", kind)


def test_a_core_app_and_a_module_cannot_share_a_reportable_key(monkeypatch):
    config = apps.get_app_config("conversations")
    clash = ReportableKind(
        "classifieds.classified",
        "conversations.Comment",
        "commune",
        "x",
        excerpt="body",
        can_see="conversations.reporting.can_see",
    )
    monkeypatch.setattr(config, "reportable_kinds", (clash,))
    message = re.escape("declare reportable_kinds 'classifieds.classified'")
    with pytest.raises(ImproperlyConfigured, match=message):
        ModuleRegistry().populate()
