"""The accessibility guard: axe-core over every key page, in each theme, at 390 px.

axe-core (npm, pinned in package-lock.json, installed by ``make setup-test``) runs in
Chromium over each page of ``PAGES``, anonymous and logged in as a member of a
community, in the default theme (a Saint-Malo-like commune) and in "bocage" (a
Cocody-like one). The WCAG 2.1 A and AA rules must find nothing; a test fails with
every violation of every page of its run, each with its rule, impact, elements and
help page.

A new page joins the guard with one line in ``PAGES``: a name, a function from the
world (``World``) to the page's host and path, and the roles that see it.

Nothing is excluded from axe: every element checked is our own markup (Leaflet's
controls and attribution are styled by our CSS). An exclusion is only for third-party
markup we cannot change, listed in ``EXCLUDE`` with its reason.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from communes.models import NewsPage, PortalPage
from communities import services as communities_services
from communities.models import CommunityPage
from gazette import services as gazette_services
from messaging import services as messaging_services
from modules.alerts import services as alerts_services
from modules.classifieds.services import classified_create
from modules.groups import services as groups_services
from modules.polls import ballots
from modules.polls.services import poll_close
from notifications.fanout import publish
from tests.communities import COCODY, SAINT_MALO, join, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.follows import root
from tests.modules.reports.helpers import jpeg as problem_photo
from tests.participation import answered_poll, followed_problem, published_suggestion

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# CSS selectors axe leaves out, each with why (third-party markup we cannot change only).
EXCLUDE: list[tuple[str, str]] = []

ANONYMOUS = "anonymous"
MEMBER = "member"
BOTH = (ANONYMOUS, MEMBER)
PLATFORM_HOST = "localhost"


@dataclass
class World:
    """What the pages show: one commune in one theme, with something on every page."""

    host: str
    news: NewsPage
    community_id: int
    showcase: CommunityPage
    member: object
    alert_id: int
    classified_id: int
    own_classified_id: int  # the member's own, for its edit page
    gazette_post_id: int
    group_id: int
    thread_id: int  # a private message thread between the member and the référent
    poll_id: int  # open, not answered by the member (pinned on the home page)
    closed_poll_id: int  # answered and counted: its results
    suggestion_id: int  # the référent's, published, the member voted against it
    problem_id: int  # the référent's report of a pothole (photo, note), the member follows it


@dataclass(frozen=True)
class KeyPage:
    name: str
    url: Callable[[World], tuple[str, str]]  # (host, path)
    roles: tuple[str, ...]


def path_of(page: Page) -> str:
    """A Wagtail page's path on its own site's host."""
    return page.get_url_parts()[2]


def on_commune(path: str) -> Callable[[World], tuple[str, str]]:
    return lambda w: (w.host, path)


PAGES = [
    KeyPage("platform home", lambda w: (PLATFORM_HOST, "/"), (ANONYMOUS,)),
    KeyPage("commune home", on_commune("/"), BOTH),
    KeyPage("news page", lambda w: (w.host, path_of(w.news)), BOTH),
    KeyPage("login", on_commune("/compte/connexion/"), (ANONYMOUS,)),
    KeyPage("registration", on_commune("/compte/inscription/"), (ANONYMOUS,)),
    KeyPage("communities list", on_commune("/communautes/"), BOTH),
    KeyPage("community showcase", lambda w: (w.host, path_of(w.showcase)), BOTH),
    KeyPage("my community", on_commune("/communautes/ma-communaute/"), (MEMBER,)),
    KeyPage("community page", lambda w: (w.host, f"/communautes/{w.community_id}/"), (MEMBER,)),
    KeyPage("directory", lambda w: (w.host, f"/communautes/{w.community_id}/annuaire/"), (MEMBER,)),
    KeyPage("alerts list", on_commune("/alertes/"), (MEMBER,)),
    KeyPage("alert", lambda w: (w.host, f"/alertes/{w.alert_id}/"), (MEMBER,)),
    KeyPage("alert form", on_commune("/alertes/envoyer/"), (MEMBER,)),
    KeyPage("notification centre", on_commune("/notifications/"), (MEMBER,)),
    KeyPage("notification preferences", on_commune("/notifications/preferences/"), (MEMBER,)),
    KeyPage("classifieds list", on_commune("/annonces/"), (MEMBER,)),
    KeyPage("classified", lambda w: (w.host, f"/annonces/{w.classified_id}/"), (MEMBER,)),
    KeyPage("classified form", on_commune("/annonces/publier/"), (MEMBER,)),
    KeyPage(
        "classified edit",
        lambda w: (w.host, f"/annonces/{w.own_classified_id}/modifier/"),
        (MEMBER,),
    ),
    KeyPage("profile", on_commune("/compte/profil/"), (MEMBER,)),
    KeyPage("my communes", on_commune("/compte/communes/"), (MEMBER,)),
    KeyPage("cookies", on_commune("/cookies/"), BOTH),
    KeyPage("gazette", on_commune("/gazette/"), (MEMBER,)),
    KeyPage("gazette post", lambda w: (w.host, f"/gazette/{w.gazette_post_id}/"), (MEMBER,)),
    KeyPage("messages", on_commune("/messages/"), (MEMBER,)),
    KeyPage("new message", on_commune("/messages/nouveau/"), (MEMBER,)),
    KeyPage("message thread", lambda w: (w.host, f"/messages/{w.thread_id}/"), (MEMBER,)),
    KeyPage("groups", on_commune("/groupes/"), (MEMBER,)),
    KeyPage("group", lambda w: (w.host, f"/groupes/{w.group_id}/"), (MEMBER,)),
    KeyPage(
        "report form",
        lambda w: (w.host, f"/signaler/gazette.post/{w.gazette_post_id}/"),
        (MEMBER,),
    ),
    KeyPage("my reports", on_commune("/mes-signalements/"), (MEMBER,)),
    KeyPage("polls", on_commune("/sondages/"), BOTH),
    KeyPage("poll", lambda w: (w.host, f"/sondages/{w.poll_id}/"), BOTH),
    KeyPage("poll results", lambda w: (w.host, f"/sondages/{w.closed_poll_id}/"), (MEMBER,)),
    KeyPage("suggestions", on_commune("/suggestions/"), (MEMBER,)),
    KeyPage("suggestion", lambda w: (w.host, f"/suggestions/{w.suggestion_id}/"), (MEMBER,)),
    KeyPage("suggestion form", on_commune("/suggestions/proposer/"), (MEMBER,)),
    KeyPage("my suggestions", on_commune("/suggestions/mes-suggestions/"), (MEMBER,)),
    KeyPage("problem reports", on_commune("/problemes/"), (MEMBER,)),
    KeyPage("problem report", lambda w: (w.host, f"/problemes/{w.problem_id}/"), (MEMBER,)),
    KeyPage("problem report form", on_commune("/problemes/signaler/"), (MEMBER,)),
    KeyPage("contact the team", on_commune("/contact/"), BOTH),
    KeyPage("my requests to the team", on_commune("/contact/demandes/"), (MEMBER,)),
]

THEMES = {
    # theme: (the commune fixture, the centre of its community)
    "default": ("commune", SAINT_MALO),
    "bocage": ("other_commune", COCODY),
}


def build_world(commune, theme: str, center) -> World:
    commune.theme = theme
    commune.contact_email = f"mairie@{commune.slug}.example"
    commune.contact_phone = "+33299404040" if commune.country == "FR" else ""
    commune.opening_hours = "Du lundi au vendredi, de 8 h 30 à 17 h"
    commune.save()
    home = commune.site.root_page.specific
    home.intro = f"<p>Bienvenue sur le site de {commune.name}.</p>"
    home.save_revision().publish()
    news = NewsPage(
        title="Travaux rue principale",
        slug="travaux",
        intro="La circulation est alternée jusqu'au 30 janvier.",
        date=datetime.date(2026, 1, 15),
        body="<p>Les travaux durent <a href='/'>deux semaines</a>.</p>",
    )
    commune.site.root_page.add_child(instance=news)

    community = make_community(commune, center, name="Les Voisins du Port")
    referent = community.memberships.get().user
    communities_services.community_update_showcase(
        by=referent, community=community, presentation="Entraide entre voisins du port."
    )
    member = join(
        community,
        person_at(
            commune,
            offset(center, 20, 20),
            email=f"membre@{commune.slug}.example",
            first_name="Mona",
            last_name="Membre",
        ),
    )
    classified = classified_create(
        commune=commune,
        author=referent,
        kind="offer",
        title="Aide aux devoirs",
        description="Le mercredi après-midi.",
        contact="Au 06 12 34 56 78",
    )
    own_classified = classified_create(
        commune=commune,
        author=member,
        kind="request",
        title="Garde de chat en août",
        description="Deux chats calmes, à nourrir le soir.",
        show_email=True,
    )
    alert = alerts_services.send_community_alert(
        author=referent, community=community, text="Démarcheur suspect rue des Lilas."
    )
    alerts_services.send_town_hall_alert(
        by=root(), commune=commune, category="weather", text="Vigilance orange orages."
    )
    publish(
        "commune.news",
        audience=get_user_model().objects.filter(pk=member.pk),
        commune=commune,
        title=news.title,
        url=news.url,
    )

    gazette_post = gazette_services.post_create(
        community=community,
        author=referent,
        category="help",
        title="Qui a une échelle ?",
        body="Pour nettoyer les gouttières samedi.",
    )
    gazette_services.comment_create(
        post=gazette_post, author=member, body="J'en ai une, je passe vers 10 h."
    )
    group = groups_services.group_create(
        commune=commune,
        by=root(),
        title="Jardins partagés",
        description="Pour organiser les parcelles du jardin.",
    )
    groups_services.group_join(group=group, user=member)
    groups_services.post_create(group=group, author=member, body="Qui arrose en juillet ?")
    thread = messaging_services.thread_start(
        author=referent, recipients=[member], body="Bienvenue dans la communauté !", subject=""
    )

    # Polls and suggestions (issue 18): a closed poll the member answered, counted; an
    # open one they have not (pinned on the home page); the référent's suggestion the
    # member voted against with a comment.
    closed = answered_poll(commune, by=root(), voter=member)
    ballots.vote(poll=closed, user=referent, choice_id=closed.choices.last().pk)
    poll_close(poll=closed, by=root())
    ballots.tally(closed.pk, closing=True)
    open_poll = answered_poll(commune, by=root(), voter=referent)
    suggestion, _category = published_suggestion(
        commune, author=referent, by=root(), against=member
    )
    # Reports of problems (issue 19): the référent's pothole, with a photo and the town
    # hall's note, which the member follows.
    problem = followed_problem(
        commune, author=referent, by=root(), follower=member, photo=problem_photo()
    )

    portal = PortalPage(
        title="Voisinage", slug="portail", intro="<p>Les communes de la plateforme.</p>"
    )
    Page.get_first_root_node().add_child(instance=portal)
    if not Site.objects.filter(is_default_site=True).update(root_page=portal):
        Site.objects.create(hostname=PLATFORM_HOST, root_page=portal, is_default_site=True)

    return World(
        host=commune.site.hostname,
        news=news,
        community_id=community.pk,
        showcase=CommunityPage.objects.get(community=community),
        member=member,
        alert_id=alert.pk,
        classified_id=classified.pk,
        own_classified_id=own_classified.pk,
        gazette_post_id=gazette_post.pk,
        group_id=group.pk,
        thread_id=thread.pk,
        poll_id=open_poll.pk,
        closed_poll_id=closed.pk,
        suggestion_id=suggestion.pk,
        problem_id=problem.pk,
    )


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
            const results = await axe.run(context, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(' ')),
                summaries: v.nodes.map(n => n.failureSummary || ''),
            }));
        }""",
        [WCAG_TAGS, [selector for selector, _why in EXCLUDE]],
    )


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} — {v['helpUrl']}")
        for target, summary in zip(v["targets"], v["summaries"], strict=True):
            detail = " ".join(summary.split())
            lines.append(f"    {target}" + (f"  [{detail[:240]}]" if detail else ""))
    return "\n".join(lines)


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make setup-test` (npm ci).")
    # bypass_csp: axe is injected as an inline script, which a strict CSP would refuse.
    # reduced_motion: no transition caught half-way by the contrast rule.
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        bypass_csp=True,
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.parametrize("role", BOTH)
@pytest.mark.parametrize("theme", list(THEMES))
def test_key_pages_have_no_wcag_violations(request, axe_page, site_url, live_server, theme, role):
    fixture, center = THEMES[theme]
    world = build_world(request.getfixturevalue(fixture), theme, center)
    page = axe_page
    if role == MEMBER:
        log_in(page, site_url, world.host, world.member.email, PASSWORD)
        page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))

    report, visited = [], 0
    for key_page in PAGES:
        if role not in key_page.roles:
            continue
        host, path = key_page.url(world)
        url = site_url(host, path)
        response = page.goto(url)
        where = f"[{theme}, {role}] {key_page.name} ({path})"
        if response is None or response.status != 200:
            report.append(f"{where}: HTTP {response.status if response else 'no answer'}")
            continue
        if page.url != url:  # e.g. sent to the login page: not the page meant
            report.append(f"{where}: redirected to {page.url}")
            continue
        visited += 1
        violations = axe_violations(page)
        if violations:
            report.append(describe(where, violations))

    assert visited, "no page was checked"
    assert not report, "axe-core (WCAG 2.1 A/AA) found:\n" + "\n".join(report)


def test_the_guard_reports_a_violation(axe_page):
    """axe runs under a strict CSP, with our tags, and names the rule, element and help."""
    axe_page.set_content(
        '<!doctype html><html lang="fr"><head><title>t</title>'
        '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'">'
        '</head><body><main><img src="data:," id="sans-alt"></main></body></html>'
    )
    violations = axe_violations(axe_page)
    assert [v["id"] for v in violations] == ["image-alt"]
    assert violations[0]["targets"] == ["#sans-alt"]
    assert violations[0]["impact"] == "critical"
    assert violations[0]["helpUrl"].startswith("https://dequeuniversity.com/rules/axe/")


def test_flash_messages_keep_their_list_semantics(axe_page):
    """The theme's flash messages: a live region around a real list (a role on the <ul>
    itself would remove its list semantics and fail axe's "listitem" rule)."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    html = render_to_string(
        "includes/messages.html",
        {
            "messages": [
                Message(constants.SUCCESS, "Votre message est envoyé."),
                Message(constants.ERROR, "Ce message n’a pas pu partir."),
            ]
        },
    )
    axe_page.set_content(
        f'<!doctype html><html lang="fr"><head><title>t</title></head>'
        f"<body><main>{html}</main></body></html>"
    )
    assert axe_page.get_by_role("status").get_by_role("listitem").count() == 2
    violations = axe_violations(axe_page)
    assert not violations, describe("flash messages", violations)
