"""Moderation on the site (CNT-5): the report forms, "Mes signalements", the decision page
and its appeal, and how hidden content shows to its author, to others and to moderators."""
# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from moderation import services
from moderation.models import CONTENT_REASONS, PERSON_KIND, Case, Reason, Report
from tests.factories import UserFactory
from tests.follows import validated
from tests.platform.moderation.world import world  # noqa: F401  (fixture)
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
COMMENT = "conversations.comment"
POST = "gazette.post"
HIDDEN = "Contenu masqué par la modération"
MARKED = "Masqué par la modération"


def client_for(user=None, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None and (user.staff_roles.exists() or user.groups.exists()):
        verified_login(client, user)
    elif user is not None:
        client.force_login(user)
    return client


def report_url(kind, pk) -> str:
    return f"/signaler/{kind}/{pk}/"


def hide(world, kind, pk, reporter, *, by=None, action="hide", note="Propos injurieux."):
    services.report(reporter=reporter, kind=kind, object_id=pk, reason=Reason.HARASSMENT)
    case = Case.objects.get(kind=kind, object_id=pk, status=Case.Status.NEW)
    return services.decide(by=by or world.moderator, case=case, action=action, note=note)


# --- the report form --------------------------------------------------------------------


def test_the_report_form_shows_the_reasons_and_what_is_reported(world):
    response = client_for(world.residents[0]).get(
        report_url(COMMENT, world.comment.pk), {"next": "/travaux/"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous êtes tous des incapables." in html
    for reason in CONTENT_REASONS:
        assert f'value="{reason.value}"' in html
    assert 'type="radio"' in html
    assert 'name="next" value="/travaux/"' in html


@pytest.mark.parametrize("reason", [r.value for r in CONTENT_REASONS])
def test_every_reason_sends_a_report_and_goes_back(world, reason):
    client = client_for(world.residents[0])
    response = client.post(
        report_url(COMMENT, world.comment.pk),
        {"reason": reason, "text": "Voir le commentaire.", "next": "/travaux/#comment-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/travaux/#comment-1"
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.case.object_id) == (
        world.residents[0],
        reason,
        world.comment.pk,
    )
    page = client.get("/mes-signalements/")
    assert "Notre service de modération étudiera votre signalement" in page.content.decode()


def test_other_needs_a_text_and_a_reason_is_required(world):
    client = client_for(world.residents[0])
    response = client.post(report_url(COMMENT, world.comment.pk), {"reason": "other"})
    assert response.status_code == 200
    assert "Dites aux modérateurs ce qui ne va pas." in response.content.decode()
    response = client.post(report_url(COMMENT, world.comment.pk), {"text": "x"})
    assert response.status_code == 200
    assert "Choisissez un motif." in response.content.decode()
    response = client.post(report_url(COMMENT, world.comment.pk), {"reason": "impersonation"})
    assert response.status_code == 200  # a person's reason, not content's
    assert not Report.objects.exists()


def test_an_unsafe_next_goes_to_my_reports(world):
    response = client_for(world.residents[0]).post(
        report_url(COMMENT, world.comment.pk),
        {"reason": "spam", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/mes-signalements/"


def test_anonymous_visitors_are_sent_to_log_in(world):
    response = client_for().get(report_url(COMMENT, world.comment.pk))
    assert response.status_code == 302
    assert "/compte/connexion/" in response["Location"]


def test_unknown_kinds_and_missing_items_are_404(world):
    client = client_for(world.residents[0])
    assert client.get(report_url("nope.thing", 1)).status_code == 404
    assert client.get(report_url(COMMENT, 999_999)).status_code == 404
    assert client.get(report_url(PERSON_KIND, world.author.pk)).status_code == 404
    assert client.get(report_url(COMMENT, "9" * 30)).status_code == 404


def test_a_non_member_cannot_report_a_gazette_post(world):
    # A validated resident of Saint-Malo who is not in the community: 404, as for missing.
    client = client_for(world.residents[0])
    assert client.get(report_url(POST, world.post.pk)).status_code == 404
    response = client.post(report_url(POST, world.post.pk), {"reason": "spam"})
    assert response.status_code == 404
    assert not Report.objects.exists()
    # A member may.
    member = client_for(world.members[0])
    assert member.get(report_url(POST, world.post.pk)).status_code == 200
    assert member.post(report_url(POST, world.post.pk), {"reason": "spam"}).status_code == 302


def test_only_the_people_of_a_conversation_report_its_messages(world):
    from messaging.services import thread_start

    thread = thread_start(
        author=world.members[0], recipients=[world.members[1]], body="Message déplaisant"
    )
    message = thread.messages.get()
    outsider = client_for(world.members[2])
    assert outsider.get(report_url("messaging.message", message.pk)).status_code == 404
    recipient = client_for(world.members[1])
    assert recipient.get(report_url("messaging.message", message.pk)).status_code == 200
    page = recipient.get(f"/messages/{thread.pk}/").content.decode()
    assert f'id="message-{message.pk}"' in page
    assert f"/signaler/messaging.message/{message.pk}/" in page
    assert f"/signaler/personne/{world.members[0].pk}/" in page  # the people of the thread
    author_page = client_for(world.members[0]).get(f"/messages/{thread.pk}/").content.decode()
    assert f"/signaler/messaging.message/{message.pk}/" not in author_page


def test_reporting_ones_own_content_is_a_french_error(world):
    client = client_for(world.author)
    response = client.post(report_url(COMMENT, world.comment.pk), {"reason": "spam"})
    assert response.status_code == 200
    assert "Vous ne pouvez pas signaler votre propre contenu." in response.content.decode()
    assert not Report.objects.exists()


def test_a_second_report_of_the_same_item_is_refused(world):
    client = client_for(world.residents[0])
    assert client.post(report_url(COMMENT, world.comment.pk), {"reason": "spam"}).status_code == 302
    response = client.post(report_url(COMMENT, world.comment.pk), {"reason": "spam"})
    assert response.status_code == 200
    assert "Vous avez déjà signalé ce contenu." in response.content.decode()
    assert Report.objects.count() == 1


@override_settings(MODERATION_REPORTS_PER_HOUR=1)
def test_too_many_reports_in_an_hour_says_when_to_try_again(world, commune):
    from conversations.services import comment_create

    second = comment_create(
        target=world.news, commune=commune, author=world.residents[3], body="Autre avis"
    )
    client = client_for(world.residents[0])
    assert client.post(report_url(COMMENT, world.comment.pk), {"reason": "spam"}).status_code == 302
    response = client.post(report_url(COMMENT, second.pk), {"reason": "spam"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Réessayez dans 60 minutes." in html
    assert Report.objects.count() == 1


# --- the link on the pages ---------------------------------------------------------------


def test_the_link_is_under_others_comments_not_ones_own(world):
    page = client_for(world.residents[0]).get("/travaux/").content.decode()
    link = f"/signaler/conversations.comment/{world.comment.pk}/?next="
    assert link in page
    # The screen reader hears whose comment it is (the name the privacy matrix shows).
    assert 'Signaler<span class="visually-hidden"> le commentaire de Un habitant</span>' in page
    own = client_for(world.author).get("/travaux/").content.decode()
    assert link not in own


def test_the_gazette_post_has_a_link_for_members(world):
    page = client_for(world.members[0]).get(f"/gazette/{world.post.pk}/").content.decode()
    assert f"/signaler/gazette.post/{world.post.pk}/" in page
    own = client_for(world.poster).get(f"/gazette/{world.post.pk}/").content.decode()
    assert f"/signaler/gazette.post/{world.post.pk}/" not in own


# --- a person ---------------------------------------------------------------------------


def test_a_member_reports_another_member_for_impersonation(world):
    client = client_for(world.members[0])
    url = f"/signaler/personne/{world.members[1].pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "impersonation"})
    assert response.status_code == 200
    assert (
        "Indiquez le nom de la personne dont l’identité est usurpée." in response.content.decode()
    )
    response = client.post(url, {"reason": "impersonation", "impersonated_name": "Jean Dupont"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.case.kind, report.case.object_id, report.impersonated_name) == (
        PERSON_KIND,
        world.members[1].pk,
        "Jean Dupont",
    )


def test_a_person_without_relation_or_oneself_is_404(world):
    client = client_for(world.members[0])
    assert client.get(f"/signaler/personne/{world.unvalidated.pk}/").status_code == 404
    assert client.get(f"/signaler/personne/{world.cocody_council.pk}/").status_code == 404
    assert client.get(f"/signaler/personne/{world.members[0].pk}/").status_code == 404
    assert client.get("/signaler/personne/999999/").status_code == 404
    response = client.post(f"/signaler/personne/{world.unvalidated.pk}/", {"reason": "behaviour"})
    assert response.status_code == 404


# --- my reports ---------------------------------------------------------------------------


def test_my_reports_shows_each_status(world):
    reporter = world.members[0]
    services.report(reporter=reporter, kind=POST, object_id=world.post.pk, reason="spam")
    client = client_for(reporter)
    html = client.get("/mes-signalements/").content.decode()
    assert "En cours d’examen" in html
    case = Case.objects.get()
    services.decide(by=world.moderator, case=case, action="keep")
    html = client.get("/mes-signalements/").content.decode()
    assert "Contenu conservé" in html
    # Someone else's list does not show it.
    other = client_for(world.members[1]).get("/mes-signalements/").content.decode()
    assert "Contenu conservé" not in other


def _my_reports_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/mes-signalements/").status_code == 200
    return len(queries)


def test_my_reports_query_count_does_not_grow(world, commune):
    reporter = world.residents[0]
    client = client_for(reporter)
    authors = [validated(UserFactory(), commune) for _ in range(30)]
    from conversations.services import comment_create

    comments = [
        comment_create(target=world.news, commune=commune, author=a, body=f"Texte {i}")
        for i, a in enumerate(authors)
    ]
    for comment in comments[:3]:
        services.report(reporter=reporter, kind=COMMENT, object_id=comment.pk, reason="spam")
    few = _my_reports_queries(client)
    with override_settings(MODERATION_REPORTS_PER_HOUR=100):
        for comment in comments[3:20]:
            services.report(reporter=reporter, kind=COMMENT, object_id=comment.pk, reason="spam")
    assert _my_reports_queries(client) == few


# --- the decision and the appeal ----------------------------------------------------------


def test_the_author_reads_the_decision_and_appeals_once(world):
    case = hide(world, COMMENT, world.comment.pk, world.residents[0])
    client = client_for(world.author)
    url = f"/moderation/decisions/{case.pk}/"
    html = client.get(url).content.decode()
    assert "Propos injurieux." in html
    assert 'name="text"' in html
    response = client.post(url, {"text": ""})
    assert response.status_code == 200
    assert "Expliquez pourquoi vous contestez cette décision." in response.content.decode()
    response = client.post(url, {"text": "Je m’excuse, c’était de l’humour."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.appeal_text) == (
        Case.Status.APPEALED,
        "Je m’excuse, c’était de l’humour.",
    )
    html = client.get(url).content.decode()
    assert 'name="text"' not in html
    again = client.post(url, {"text": "Encore"}, follow=True)
    assert "Vous avez déjà contesté cette décision." in again.content.decode()
    case.refresh_from_db()
    assert case.appeal_text == "Je m’excuse, c’était de l’humour."


def test_nobody_else_reads_a_decision(world):
    case = hide(world, COMMENT, world.comment.pk, world.residents[0])
    url = f"/moderation/decisions/{case.pk}/"
    for person in (world.residents[0], world.residents[1], world.poster):
        assert client_for(person).get(url).status_code == 404
        assert client_for(person).post(url, {"text": "x"}).status_code == 404
    assert client_for(world.author).get("/moderation/decisions/999999/").status_code == 404


def test_a_kept_case_has_no_decision_page(world):
    services.report(
        reporter=world.residents[0], kind=COMMENT, object_id=world.comment.pk, reason="spam"
    )
    case = Case.objects.get()
    services.decide(by=world.moderator, case=case, action="keep")
    assert client_for(world.author).get(f"/moderation/decisions/{case.pk}/").status_code == 404


# --- hidden content ------------------------------------------------------------------------


def test_a_hidden_comment_shows_as_hidden_to_others_marked_to_its_author(world):
    case = hide(world, COMMENT, world.comment.pk, world.residents[0])
    other = client_for(world.residents[1]).get("/travaux/").content.decode()
    assert HIDDEN in other
    assert "Vous êtes tous des incapables." not in other
    assert f'id="comment-{world.comment.pk}"' in other  # the thread keeps its shape
    author = client_for(world.author).get("/travaux/").content.decode()
    assert "Vous êtes tous des incapables." in author
    assert MARKED in author
    assert f"/moderation/decisions/{case.pk}/" in author
    assert HIDDEN not in author


def test_moderators_see_the_hidden_text(world):
    hide(world, COMMENT, world.comment.pk, world.residents[0])
    council = client_for(world.council).get("/travaux/").content.decode()  # the town hall
    assert "Vous êtes tous des incapables." in council
    assert MARKED in council


def test_a_hidden_gazette_post_leaves_the_gazette_but_its_author_sees_it(world):
    case = hide(world, POST, world.post.pk, world.members[0])
    member = client_for(world.members[1])
    assert member.get(f"/gazette/{world.post.pk}/").status_code == 404
    assert "Vends montres" not in member.get("/gazette/").content.decode()
    author = client_for(world.poster).get(f"/gazette/{world.post.pk}/")
    assert author.status_code == 200
    html = author.content.decode()
    assert MARKED in html
    assert f"/moderation/decisions/{case.pk}/" in html


def test_a_hidden_message_keeps_its_place_in_the_thread(world):
    from messaging.services import thread_start

    thread = thread_start(
        author=world.members[0], recipients=[world.members[1]], body="Message déplaisant"
    )
    message = thread.messages.get()
    hide(world, "messaging.message", message.pk, world.members[1])
    page = client_for(world.members[1]).get(f"/messages/{thread.pk}/").content.decode()
    assert HIDDEN in page
    assert "Message déplaisant" not in page
    assert f'id="message-{message.pk}"' in page
    own = client_for(world.members[0]).get(f"/messages/{thread.pk}/").content.decode()
    assert "Message déplaisant" in own
    assert MARKED in own


def _thread_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/travaux/").status_code == 200
    return len(queries)


def test_hidden_comments_do_not_add_queries_per_comment(world, commune):
    from conversations.services import comment_create

    reader = client_for(world.residents[2])
    authors = [validated(UserFactory(), commune) for _ in range(30)]
    written = [
        comment_create(target=world.news, commune=commune, author=a, body=f"Avis {i}")
        for i, a in enumerate(authors[:3])
    ]
    with override_settings(MODERATION_REPORTS_PER_HOUR=100):
        for comment in written:
            hide(world, COMMENT, comment.pk, world.residents[0])
    reader.get("/travaux/")
    few = _thread_queries(reader)
    more = [
        comment_create(target=world.news, commune=commune, author=a, body=f"Avis {i}")
        for i, a in enumerate(authors[3:15])
    ]
    with override_settings(MODERATION_REPORTS_PER_HOUR=100):
        for comment in more:
            hide(world, COMMENT, comment.pk, world.residents[0])
    assert _thread_queries(reader) == few


def test_the_directory_and_the_profile_link_to_reporting(world):
    client = client_for(world.members[0])
    page = client.get(f"/communautes/{world.community.pk}/annuaire/").content.decode()
    assert f"/signaler/personne/{world.members[1].pk}/" in page
    assert f"/signaler/personne/{world.members[0].pk}/" not in page  # never oneself
    profile = client.get("/compte/profil/").content.decode()
    assert 'href="/mes-signalements/"' in profile


def test_hidden_items_do_not_leak_through_the_api(world):
    from tests.api.conftest import token_client

    hide(world, POST, world.post.pk, world.members[0])
    hide(world, COMMENT, world.comment.pk, world.residents[0])
    api = token_client(world.members[1])
    listed = api.get(f"/api/v1/communities/{world.community.pk}/gazette/")
    assert listed.status_code == 200
    assert "Vends montres" not in listed.content.decode()
    detail = api.get(f"/api/v1/communities/{world.community.pk}/gazette/{world.post.pk}/")
    assert detail.status_code == 404
    comments = token_client(world.residents[1]).get(
        f"/api/v1/communes/saint-malo/news/{world.news.pk}/comments/"
    )
    assert comments.status_code == 200
    assert "Vous êtes tous des incapables." not in comments.content.decode()


# --- the e-mails ------------------------------------------------------------------------


def _mail(kind, user):
    from notifications.emails import Recipient, event_message
    from notifications.models import Event

    event = Event.objects.filter(kind=kind).latest("pk")
    message = event_message(event, Recipient(user.pk, user.email, user.get_full_name()))
    return message, message.body, message.alternatives[0][0]


def _event_url(kind) -> str:
    from notifications.models import Event

    return str(Event.objects.filter(kind=kind).latest("pk").url)


def test_the_e_mails_give_the_note_and_the_link_never_the_content(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = hide(world, COMMENT, world.comment.pk, world.residents[0], action="warn")
    message, text, html = _mail("moderation.warning", world.author)
    assert message.subject == "Un avertissement des modérateurs"
    for body in (text, html):
        assert "Propos injurieux." in body
        assert "Vous êtes tous des incapables." not in body
    assert "://saint-malo.localhost" in text  # the signed link to the decision page
    assert _event_url("moderation.warning") == f"/moderation/decisions/{case.pk}/"
    message, text, html = _mail("moderation.outcome", world.residents[0])
    assert message.subject == "Votre signalement a été examiné : les modérateurs ont agi"
    assert _event_url("moderation.outcome") == "/mes-signalements/"
    assert "Vous êtes tous des incapables." not in text + html
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal(author=world.author, case=case, text="Je conteste.")
        services.decide(
            by=world.second_moderator, case=case, action="keep", note="Erreur de notre part."
        )
    message, text, html = _mail("moderation.appeal", world.author)
    assert message.subject == "Votre recours a été examiné"
    assert "annulé la décision" in text
    assert "Erreur de notre part." in html


@override_settings(MODERATION_AUTO_HIDE_REPORTERS=2)
def test_the_author_is_told_when_reports_hide_their_content(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for reporter in world.residents[:2]:
            services.report(
                reporter=reporter, kind=COMMENT, object_id=world.comment.pk, reason="spam"
            )
    message, text, html = _mail("moderation.hidden", world.author)
    assert message.subject == "Votre contenu est masqué en attendant l’examen d’un modérateur"
    assert "Plusieurs habitants ont signalé" in text
    assert "Vous êtes tous des incapables." not in text + html
    case = Case.objects.get()
    assert _event_url("moderation.hidden") == f"/moderation/decisions/{case.pk}/"
    page = client_for(world.author).get(f"/moderation/decisions/{case.pk}/")
    assert page.status_code == 200
    assert "Plusieurs habitants ont signalé votre contenu" in page.content.decode()
    assert 'name="text"' not in page.content.decode()  # nothing to appeal before a decision


# --- the modules' content -----------------------------------------------------------------


def test_a_hidden_classified_leaves_the_list_its_author_sees_it_marked(world):
    from modules.classifieds.services import classified_create

    classified = classified_create(
        commune=world.commune,
        author=world.author,
        kind="offer",
        title="Montres à vendre",
        description="Des montres de luxe à prix cassés.",
    )
    reader = client_for(world.residents[1])
    page = reader.get(f"/annonces/{classified.pk}/").content.decode()
    assert f"/signaler/classifieds.classified/{classified.pk}/" in page
    case = hide(world, "classifieds.classified", classified.pk, world.residents[0])
    assert reader.get(f"/annonces/{classified.pk}/").status_code == 404
    assert "Montres à vendre" not in reader.get("/annonces/").content.decode()
    from tests.api.conftest import token_client

    api = token_client(world.residents[1]).get("/api/v1/communes/saint-malo/classifieds/")
    assert api.status_code == 200
    assert "Montres à vendre" not in api.content.decode()
    own = client_for(world.author).get(f"/annonces/{classified.pk}/")
    assert own.status_code == 200
    html = own.content.decode()
    assert "La modération a masqué cette annonce : vous seul la voyez." in html
    assert f"/moderation/decisions/{case.pk}/" in html
    assert f"/signaler/classifieds.classified/{classified.pk}/" not in html


def test_a_hidden_group_is_gone_for_residents_not_for_the_town_hall(world):
    from modules.groups import services as groups_services
    from tests.follows import root

    group = groups_services.group_create(
        commune=world.commune, by=root(), title="Club des râleurs", description="Pour râler."
    )
    reader = client_for(world.residents[1])
    page = reader.get(f"/groupes/{group.pk}/").content.decode()
    assert f"/signaler/groups.group/{group.pk}/" in page
    hide(world, "groups.group", group.pk, world.residents[0])
    assert reader.get(f"/groupes/{group.pk}/").status_code == 404
    assert "Club des râleurs" not in reader.get("/groupes/").content.decode()
    council = client_for(world.council).get(f"/groupes/{group.pk}/")
    assert council.status_code == 200
    assert MARKED in council.content.decode()


def test_a_hidden_alert_is_gone_for_others_marked_for_its_author(world):
    from modules.alerts import services as alerts_services

    alert = alerts_services.send_community_alert(
        author=world.members[0], text="Démarcheur suspect rue des Lilas."
    )
    reader = client_for(world.members[1])
    page = reader.get(f"/alertes/{alert.pk}/").content.decode()
    assert f"/signaler/alerts.alert/{alert.pk}/" in page
    hide(world, "alerts.alert", alert.pk, world.members[1])
    assert reader.get(f"/alertes/{alert.pk}/").status_code == 404
    assert "Démarcheur suspect" not in reader.get("/alertes/").content.decode()
    own = client_for(world.members[0]).get(f"/alertes/{alert.pk}/")
    assert own.status_code == 200
    assert MARKED in own.content.decode()
