"""CNT-5 in a real browser, from the residents' side: a member reports a gazette post from
its page and follows it in "Mes signalements"; three validated residents report a news
comment, which then shows as "Contenu masqué par la modération" to a fourth resident
while its author still sees it, marked. (The moderators' side is in test_moderation_admin.)"""

import re

import pytest

from conversations.services import comment_create
from gazette import services as gazette_services
from tests.communities import SAINT_MALO, join, make_community, offset, person_at
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated
from tests.platform.conversations.conftest import add_news

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def _new_page(browser):
    page = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_member_reports_a_gazette_post_from_its_page(page, site_url, commune):
    community = make_community(commune, SAINT_MALO, name="Intra-muros")
    author = join(community, person_at(commune, offset(SAINT_MALO, 20, 20), first_name="Marc"))
    member = join(
        community,
        person_at(commune, offset(SAINT_MALO, -20, 10), email="paul@example.org"),
    )
    post = gazette_services.post_create(
        community=community,
        author=author,
        category="information",
        title="Vends montres",
        body="Montres de luxe à prix cassés, écrivez-moi.",
    )

    log_in(page, site_url, HOST, member.email, PASSWORD)
    page.goto(site_url(HOST, f"/gazette/{post.pk}/"))
    page.get_by_role("link", name=re.compile(r"^Signaler la publication de")).click()
    page.wait_for_url(re.compile(r"/signaler/gazette\.post/\d+/"))
    assert "Montres de luxe" in page.locator("blockquote").inner_text()
    page.get_by_label("Spam ou publicité").check()
    page.get_by_label("Précisions").fill("Une arnaque manifeste.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_url(re.compile(rf"/gazette/{post.pk}/$"))
    assert "Notre service de modération étudiera votre signalement" in page.content()
    # Reported once: the second try says so in French.
    page.goto(site_url(HOST, f"/signaler/gazette.post/{post.pk}/"))
    page.get_by_label("Insulte ou harcèlement").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    assert page.get_by_role("alert").inner_text().strip() == "Vous avez déjà signalé ce contenu."
    page.goto(site_url(HOST, "/compte/profil/"))
    page.get_by_role("link", name="Mes signalements").click()
    page.wait_for_url(re.compile(r"/mes-signalements/$"))
    report = page.locator(".moderation__report").first
    assert "En cours d’examen" in report.inner_text()
    assert "Spam ou publicité" in report.inner_text()


def test_three_reports_hide_a_news_comment_from_others_not_from_its_author(
    browser, page, site_url, commune
):
    news = add_news(commune)
    author = validated(
        UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand"), commune
    )
    comment = comment_create(
        target=news, commune=commune, author=author, body="Vous êtes tous des incapables."
    )
    reporters = [validated(UserFactory(email=f"voisin{i}@example.org"), commune) for i in range(3)]
    reader = validated(UserFactory(email="lecteur@example.org"), commune)

    for reporter in reporters:
        other = _new_page(browser)
        log_in(other, site_url, HOST, reporter.email, PASSWORD)
        other.goto(site_url(HOST, "/travaux/"))
        other.locator(f"#comment-{comment.pk}").get_by_role(
            "link", name=re.compile(r"^Signaler le commentaire de")
        ).click()
        other.wait_for_url(re.compile(r"/signaler/conversations\.comment/\d+/"))
        other.get_by_label("Insulte ou harcèlement").check()
        other.get_by_role("button", name="Envoyer le signalement").click()
        other.wait_for_url(re.compile(r"/travaux/"))
        other.context.close()

    log_in(page, site_url, HOST, reader.email, PASSWORD)
    page.goto(site_url(HOST, "/travaux/"))
    hidden = page.locator(f"#comment-{comment.pk}")
    assert hidden.inner_text().strip() == "Contenu masqué par la modération"
    assert "Vous êtes tous des incapables." not in page.content()

    mine = _new_page(browser)
    log_in(mine, site_url, HOST, author.email, PASSWORD)
    mine.goto(site_url(HOST, "/travaux/"))
    own = mine.locator(f"#comment-{comment.pk}")
    assert "Vous êtes tous des incapables." in own.inner_text()
    assert "Masqué par la modération" in own.inner_text()
    own.get_by_role("link", name="Pourquoi, et comment contester").click()
    mine.wait_for_url(re.compile(r"/moderation/decisions/\d+/$"))
    assert "masqué en attendant l’examen" in mine.get_by_role("heading", level=1).inner_text()
    mine.context.close()
