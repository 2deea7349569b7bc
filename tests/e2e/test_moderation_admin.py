"""CNT-5 in a real browser, on the moderators' side (the Wagtail admin, with 2FA).

* The town hall opens "Modération", reads a reported news comment, hides it with a note;
  the resident who reported it finds the outcome in their notification centre.
* A platform moderator ticks every report of the page at once ("select all", a static
  script: no inline JavaScript) and hides them with one note.
"""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import re

import pytest

from conversations.models import Comment
from gazette.models import Post
from moderation import services
from moderation.models import Case, Reason
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.platform.moderation.world import world  # noqa: F401
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


@pytest.fixture
def admin_page(browser):
    # bypass_csp: axe is injected as an inline script (the accessibility guard's way).
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()


def axe_main(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations in the page's main content (our markup; the
    admin's sidebar and header are Wagtail's)."""
    from tests.e2e.test_accessibility import AXE, WCAG_TAGS

    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run({include: [['main']]}, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return results.violations.map(v => ({id: v.id, help: v.help,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }""",
        WCAG_TAGS,
    )


def open_queue(page, site_url, user) -> None:
    """Log ``user`` in (password, then the second factor) and open the queue."""
    browser_log_in(page, site_url, HOST, user.email, PASSWORD, user=user)
    page.wait_for_load_state("networkidle")
    page.goto(site_url(HOST, "/admin/moderation/"))
    assert page.url.endswith("/admin/moderation/")


def test_the_town_hall_hides_a_comment_and_the_reporter_sees_the_outcome(
    admin_page, page, site_url, live_server, world
):
    reporter = world.residents[0]
    services.report(
        reporter=reporter,
        kind="conversations.comment",
        object_id=world.comment.pk,
        reason=Reason.HARASSMENT,
        text="Il insulte tout le monde.",
    )
    open_queue(admin_page, site_url, world.council)
    queue = admin_page
    row = queue.locator("tr[data-case]", has_text="Vous êtes tous des incapables.")
    row.wait_for()
    assert "Insulte ou harcèlement" in row.inner_text()
    assert axe_main(queue) == []
    row.get_by_role("link").click()
    queue.wait_for_url(re.compile(r"/admin/moderation/case/\d+/$"))
    assert "Il insulte tout le monde." in queue.content()
    assert axe_main(queue) == []
    # The town hall keeps, hides or warns; excluding and suspending are the platform's.
    assert queue.get_by_label("Suspendre le compte").count() == 0
    queue.get_by_label("Masquer", exact=True).check()
    queue.get_by_label("Note à l’auteur").fill("Les insultes n’ont pas leur place ici.")
    queue.get_by_role("button", name="Enregistrer la décision").click()
    queue.wait_for_url(re.compile(r"/admin/moderation/$"))
    assert "Décision enregistrée" in queue.content()
    assert queue.locator("tr[data-case]").count() == 0
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is not None
    assert not queue.js_errors

    log_in(page, site_url, HOST, reporter.email, PASSWORD)
    page.goto(site_url(HOST, "/notifications/"))
    outcome = page.locator(".notification", has_text="Votre signalement a été examiné")
    outcome.first.wait_for()
    assert "ont agi" in outcome.first.inner_text()


def test_a_platform_moderator_hides_every_ticked_report_at_once(
    admin_page, site_url, live_server, world
):
    for reporter in world.residents[:2]:
        services.report(
            reporter=reporter,
            kind="conversations.comment",
            object_id=world.comment.pk,
            reason=Reason.SPAM,
        )
    services.report(
        reporter=world.members[0], kind="gazette.post", object_id=world.post.pk, reason="spam"
    )
    open_queue(admin_page, site_url, world.moderator)
    queue = admin_page
    assert queue.locator("tr[data-case]").count() == 2
    select_all = queue.get_by_label("Cocher tous les signalements de la page")
    select_all.check()  # shown by the static script
    boxes = queue.locator("input[name=cases]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    boxes.first.uncheck()
    assert select_all.evaluate("box => box.indeterminate")
    select_all.check()
    queue.get_by_label("Note (obligatoire pour masquer)").fill("Publicité hors charte.")
    queue.get_by_role("button", name="Masquer", exact=True).click()
    queue.wait_for_url(re.compile(r"/admin/moderation/"))
    assert "2 signalements décidés." in queue.content()
    assert Comment.objects.get(pk=world.comment.pk).hidden_at is not None
    assert Post.objects.get(pk=world.post.pk).hidden_at is not None
    assert set(Case.objects.values_list("decision", flat=True)) == {"hide"}
    assert not queue.js_errors
