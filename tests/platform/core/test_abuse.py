"""Abuse control (core.abuse, issue 17): limits per hour, links of a new account, a
repeated text held for the moderators; the API's 429 and the site's French error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.staff import platform_staff_group
from core import abuse
from gazette import services as gazette
from gazette.models import Post
from messaging import selectors as messaging_selectors
from messaging import services as messaging
from messaging.models import Message
from moderation.models import Case
from moderation.selectors import queue_for
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create, classified_update
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import validated
from tests.platform.gazette.conftest import gazette_world, publish, site_client

pytestmark = pytest.mark.django_db
__all__ = ["gazette_world"]  # the gazette's world: a community with its members

WAIT_FR = "Réessayez dans 60 minutes."


@pytest.fixture
def limits(settings):
    """Real limits (the test settings lift them far above the volume tests)."""
    settings.ABUSE_LIMITS = {}
    settings.ABUSE_REPEAT_THRESHOLD = 3
    settings.ABUSE_NEW_ACCOUNT_DAYS = 7
    settings.ABUSE_NEW_ACCOUNT_MAX_LINKS = 1
    return settings


def established(user, days: int = 30):
    user.date_joined = timezone.now() - timedelta(days=days)
    user.save(update_fields=["date_joined"])
    return user


def moderator():
    person = UserFactory(first_name="Modé", last_name="Ratrice")
    person.groups.add(platform_staff_group())
    return person


# --- the rules, alone ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Rendez-vous samedi à 18 h. Merci !", 0),
        ("Écrivez-moi : marie.durand@exemple.fr", 0),
        ("C'est fini.Merci pour tout", 0),
        ("Voir https://exemple.fr/page?x=1", 1),
        ("Voir www.exemple.com et http://autre.org", 2),
        ("Promo sur bit.ly/abc et achat-pas-cher.ru !", 2),
        ("HTTPS://EXEMPLE.FR WWW.EXEMPLE.NET", 2),
    ],
)
def test_links_are_counted_in_every_form(text, links):
    assert abuse.count_links(text) == links


def test_repeated_text_ignores_case_accents_punctuation_and_spaces():
    assert abuse.normalise("  Achetez ICI, vite !!") == abuse.normalise("achetéz ici vite")
    assert abuse.normalise("Achetez ici") != abuse.normalise("Achetez là")


def test_a_new_account_reaches_its_hourly_limit_sooner(gazette_world, limits):
    limits.ABUSE_LIMITS = {"post": (3, 1)}
    member = gazette_world.here_member
    publish(gazette_world, title="Un", body="Premier")
    with translation.override("fr"), pytest.raises(abuse.RateLimited) as refused:
        publish(gazette_world, title="Deux", body="Second")
    assert 3590 <= refused.value.retry_after <= 3600
    assert str(refused.value.message) == (
        "Vous avez publié 1 publication dans la gazette au cours de la dernière heure, "
        f"le maximum permis. {WAIT_FR}"
    )
    assert Post.objects.filter(author=member).count() == 1
    established(member)
    publish(gazette_world, title="Deux", body="Second")
    publish(gazette_world, title="Trois", body="Troisième")
    with pytest.raises(abuse.RateLimited):
        publish(gazette_world, title="Quatre", body="Quatrième")
    assert Post.objects.filter(author=member).count() == 3


def test_only_the_last_hour_counts_and_the_wait_says_when(gazette_world, limits):
    limits.ABUSE_LIMITS = {"post": (2, 2)}
    publish(gazette_world, title="Un", body="Premier")
    publish(gazette_world, title="Deux", body="Second")
    Post.objects.filter(title="Un").update(created_at=timezone.now() - timedelta(minutes=50))
    with translation.override("fr"), pytest.raises(abuse.RateLimited) as refused:
        publish(gazette_world, title="Trois", body="Troisième")
    assert 590 <= refused.value.retry_after <= 600
    assert refused.value.message.endswith("Réessayez dans 10 minutes.")
    Post.objects.filter(title="Un").update(created_at=timezone.now() - timedelta(minutes=61))
    publish(gazette_world, title="Trois", body="Troisième")
    # Another person's posts are theirs: they never count against this one.
    publish(gazette_world, author=gazette_world.neighbour, title="Quatre", body="Autre")


def test_a_limit_of_zero_is_off(gazette_world, limits):
    limits.ABUSE_LIMITS = {"post": (0, 0)}
    for n in range(4):
        publish(gazette_world, title=f"Annonce {n}", body=f"Texte {n}")
    assert Post.objects.count() == 4


def test_a_new_account_writes_at_most_one_link(gazette_world, limits):
    post = publish(gazette_world, author=gazette_world.neighbour)
    author = gazette_world.here_member
    gazette.comment_create(post=post, author=author, body="Le programme : www.fete.fr")
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        gazette.comment_create(
            post=post, author=author, body="Voir https://fete.fr et https://billets.com"
        )
    assert refused.value.message_dict == {
        "body": ["Votre compte est récent : écrivez au plus 1 lien par texte pour l’instant."]
    }
    limits.ABUSE_NEW_ACCOUNT_MAX_LINKS = 0
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        gazette.comment_create(post=post, author=author, body="Voir www.fete.fr")
    assert "les liens sont permis après vos 7 premiers jours" in str(refused.value)
    established(author)
    gazette.comment_create(
        post=post, author=author, body="Voir https://fete.fr et https://billets.com"
    )


def test_the_same_text_a_third_time_is_held_and_waits_in_the_queue(
    gazette_world, limits, django_capture_on_commit_callbacks
):
    post = publish(gazette_world, author=gazette_world.neighbour)
    spammer = gazette_world.here_member
    with django_capture_on_commit_callbacks(execute=True):
        first = gazette.comment_create(post=post, author=spammer, body="Achetez ici !")
        second = gazette.comment_create(post=post, author=spammer, body="achetez  ICI")
        third = gazette.comment_create(post=post, author=spammer, body="Achetéz ici.")
        other = gazette.comment_create(post=post, author=spammer, body="Autre chose")
    assert first.hidden_at is None and second.hidden_at is None and other.hidden_at is None
    assert third.hidden_at is not None
    case = Case.objects.get()
    assert (case.kind, case.object_id, case.source) == (
        "conversations.comment",
        third.pk,
        Case.Source.REPEATED_TEXT,
    )
    assert case.auto_hidden_at is not None and case.author_id == spammer.pk
    assert list(queue_for(moderator())) == [case]
    # The town hall's staff do not moderate a community's gazette.
    assert list(queue_for(gazette_world.mayor)) == []


def test_a_held_post_tells_nobody(gazette_world, limits, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(2):
            publish(gazette_world, title="Vends scooter", body="Pas cher", category="help")
        before = Notification.objects.count()
        held = publish(gazette_world, title="VENDS scooter !", body="pas cher", category="help")
    assert held.hidden_at is not None
    assert Notification.objects.count() == before
    assert Case.objects.get().kind == "gazette.post"


def test_a_held_message_does_not_reach_the_inbox(
    gazette_world, limits, django_capture_on_commit_callbacks
):
    sender, reader = gazette_world.here_member, gazette_world.neighbour
    with django_capture_on_commit_callbacks(execute=True):
        thread = messaging.thread_start(author=sender, recipients=[reader], body="Promo !")
        messaging.message_send(thread=thread, author=sender, body="promo")
        assert messaging_selectors.unread_count(reader) == 1
        held = messaging.thread_start(author=sender, recipients=[reader], body="PROMO")
    assert held.held is True
    assert Message.objects.get(thread=held).hidden_at is not None
    assert messaging_selectors.unread_count(reader) == 1
    assert Case.objects.get().kind == "messaging.message"


def test_messages_have_their_own_limits(gazette_world, limits):
    limits.ABUSE_LIMITS = {"message": (60, 2), "thread": (10, 1)}
    sender, reader = gazette_world.here_member, gazette_world.neighbour
    thread = messaging.thread_start(author=sender, recipients=[reader], body="Bonjour")
    with translation.override("fr"), pytest.raises(abuse.RateLimited) as refused:
        messaging.thread_start(author=sender, recipients=[reader], body="Encore")
    assert refused.value.message.startswith(
        "Vous avez commencé 1 conversation au cours de la dernière heure, le maximum permis. "
        "En attendant, répondez dans vos conversations en cours."
    )
    messaging.message_send(thread=thread, author=sender, body="Deux")
    with pytest.raises(messaging.RateLimited):  # the same class, under messaging's name
        messaging.message_send(thread=thread, author=sender, body="Trois")


def test_classifieds_are_limited_and_held_too(commune, limits, django_capture_on_commit_callbacks):
    limits.ABUSE_LIMITS = {"classified": (10, 3)}
    author = validated(UserFactory(), commune)

    def create(title, description="Un vélo en bon état."):
        return classified_create(
            commune=commune, author=author, kind="offer", title=title, description=description
        )

    with django_capture_on_commit_callbacks(execute=True):
        create("Vélo")
        create("vélo !")
        held = create("VELO")
    assert held.hidden_at is not None
    assert Case.objects.get().kind == "classifieds.classified"
    with pytest.raises(abuse.RateLimited):
        create("Table", "Une table.")
    assert Classified.objects.filter(author=author).count() == 3


def test_town_hall_writes_keep_only_the_rate_limit(gazette_world, limits):
    """A town hall may give the same answer, with links, to many residents."""
    staff = gazette_world.mayor  # an account of today, like a spammer's
    for _n in range(2):
        Post.objects.create(
            community=gazette_world.here, author=staff, title="Merci", body="Transmis"
        )
    recent = Post.objects.filter(author=staff)
    text = "Merci Transmis https://mairie.fr https://ville.fr"
    fields = ("title", "body")
    with pytest.raises(ValidationError):
        abuse.check(staff, "post", recent=recent, text=text, text_fields=fields)
    verdict = abuse.check(staff, "post", recent=recent, text=text, text_fields=fields, trusted=True)
    assert verdict == abuse.SHOWN
    assert abuse.check(staff, "post", recent=recent, text="Merci Transmis", text_fields=fields)
    limits.ABUSE_LIMITS = {"post": (2, 1)}  # trusted: the established account's limit
    with pytest.raises(abuse.RateLimited):
        abuse.check(staff, "post", recent=recent, trusted=True)


# --- what people read ----------------------------------------------------------------


def test_the_api_answers_429_with_retry_after_and_the_french_wait(gazette_world, limits):
    limits.ABUSE_LIMITS = {"post": (5, 1)}
    api = token_client(gazette_world.here_member)
    url = f"/api/v1/communities/{gazette_world.here.pk}/gazette/"
    payload = {"category": "information", "title": "Fête", "body": "Samedi."}
    assert api.post(url, payload, format="json").status_code == 201
    refused = api.post(url, {**payload, "title": "Autre"}, format="json")
    assert refused.status_code == 429
    assert 3590 <= int(refused["Retry-After"]) <= 3600
    assert refused.json() == {
        "detail": "Vous avez publié 1 publication dans la gazette au cours de la dernière "
        f"heure, le maximum permis. {WAIT_FR}"
    }
    links = api.post(
        url, {**payload, "body": "https://a.fr https://b.fr"}, format="json"
    )  # a 400 on the field comes before the limit
    assert links.status_code == 400
    assert list(links.json()) == ["body"]


def test_the_site_shows_the_limit_as_a_french_form_error(gazette_world, limits):
    limits.ABUSE_LIMITS = {"post": (5, 1)}
    client = site_client(gazette_world.here_member)
    form = {"category": "information", "title": "Fête", "body": "Samedi."}
    assert client.post("/gazette/publier/", form).status_code == 302
    refused = client.post("/gazette/publier/", {**form, "title": "Autre"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "au cours de la dernière heure, le maximum permis." in page
    assert WAIT_FR in page
    assert Post.objects.count() == 1


def test_the_site_says_a_held_post_waits_for_review(gazette_world, limits):
    client = site_client(gazette_world.here_member)
    form = {"category": "information", "title": "Vends scooter", "body": "Pas cher"}
    for _n in range(2):
        assert client.post("/gazette/publier/", form).status_code == 302
    held = client.post("/gazette/publier/", form, follow=True)
    assert held.redirect_chain == [("/gazette/", 302)]
    assert "celui-ci attend l’avis d’un modérateur" in held.content.decode()
    assert Post.objects.filter(hidden_at__isnull=False).count() == 1


def test_links_cannot_be_added_by_editing_either(gazette_world, limits, commune):
    author = gazette_world.here_member
    post = publish(gazette_world, author=author)
    comment = gazette.comment_create(post=post, author=author, body="Bonjour")
    spam = "Voir https://a.fr et https://b.fr"
    with pytest.raises(ValidationError) as refused:
        gazette.comment_edit(comment=comment, post=post, by=author, body=spam)
    assert list(refused.value.message_dict) == ["body"]
    with pytest.raises(ValidationError):
        gazette.post_edit(post=post, by=author, category="information", title="Fête", body=spam)
    seller = validated(UserFactory(), commune)
    classified = classified_create(
        commune=commune, author=seller, kind="offer", title="Vélo", description="Bon état."
    )
    with pytest.raises(ValidationError) as refused:
        classified_update(classified=classified, by=seller, description=spam)
    assert list(refused.value.message_dict) == ["description"]
    established(author)
    assert gazette.comment_edit(comment=comment, post=post, by=author, body=spam).body == spam
