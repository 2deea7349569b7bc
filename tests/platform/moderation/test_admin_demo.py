"""moderation.demo.load: a reported gazette post, an auto-hidden comment, a contested
decision waiting in the queue; idempotent. Then the demo's queue in the admin."""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import pytest

from moderation import demo
from moderation.models import Case
from tests.platform.moderation.world import admin_client, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_demo_reports(world):
    residents = [world.author, *world.residents]
    demo.load(world.commune, world.council, residents)
    post_case = Case.objects.get(kind="gazette.post")
    assert (post_case.status, post_case.report_count, post_case.auto_hidden_at) == (
        Case.Status.NEW,
        1,
        None,
    )
    hidden, appealed = Case.objects.filter(kind="conversations.comment").order_by("pk")
    assert hidden.report_count == 3 and hidden.auto_hidden_at is not None
    assert "incapables" in hidden.excerpt
    assert (appealed.status, appealed.decision, appealed.decided_by) == (
        Case.Status.APPEALED,
        "hide",
        world.council,
    )
    assert appealed.appeal_text
    demo.load(world.commune, world.council, residents)
    assert Case.objects.count() == 3

    # The platform's moderator decides the appeal; the town hall's staff who decided
    # first may not.
    text = admin_client(world.moderator).get("/admin/moderation/").content.decode()
    assert text.count('<tr data-case="') == 3
    page = admin_client(world.council).get(f"/admin/moderation/case/{appealed.pk}/")
    assert 'name="action"' not in page.content.decode()
