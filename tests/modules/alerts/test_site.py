"""Site pages of alerts under /alertes/ on the commune's host, and the red banner (ALR-1…ALR-5).

Assertions use the pages' data attributes, status codes and the alerts' own text,
so they do not depend on the French catalogue.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from modules.alerts import services
from modules.alerts.models import Alert
from modules.alerts.selectors import unread_alerts_for_banner
from notifications import delivery, sms
from notifications.models import Channel, Notification
from tests.alerts import switch
from tests.factories import UserFactory
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
INDEX = "/alertes/"
SEND = "/alertes/envoyer/"


def client_for(user, *, staff: bool = False) -> Client:
    client = Client(HTTP_HOST=HOST)
    if staff:
        verified_login(client, user)  # town-hall staff prove a second factor
    else:
        client.force_login(user)
    return client


def detail(alert) -> str:
    return f"/alertes/{alert.pk}/"


def read_url(alert) -> str:
    return f"/alertes/{alert.pk}/lue/"


def send(w, author=None, text="Démarcheur suspect rue des Lilas.", **kwargs) -> Alert:
    return services.send_community_alert(author=author or w.member, text=text, **kwargs)


def town_hall(w, text="Pont Saint-Vincent fermé à la circulation.", **kwargs) -> Alert:
    kwargs.setdefault("category", "roads")
    return services.send_town_hall_alert(by=w.communication, commune=w.commune, text=text, **kwargs)


def shown(body: str) -> set[int]:
    """Ids of the alerts a page shows (``data-alert`` of each card); on a whole page, the
    red banner above it (on every page of the site) is left out."""
    if "<main" in body:
        body = re.sub(r'<section class="alert-banner".*?</section>', "", body, flags=re.S)
    return {int(pk) for pk in re.findall(r'data-alert="(\d+)"', body)}


def read_at(user, alert):
    return Notification.objects.get(recipient=user, event_id=alert.event_id).read_at


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 0


@pytest.fixture
def alerts(alert_world):
    """One alert of each place: Intra-muros (here), Saint-Servan (twinned), Paramé, town hall."""
    w = alert_world
    return {
        "here": send(w, text="Démarcheur suspect rue des Lilas."),
        "near": send(w, author=w.near_member, text="Fuite d’eau à Saint-Servan."),
        "far": send(w, author=w.far_referent, text="Chien perdu du côté de Paramé."),
        "town_hall": town_hall(w),
    }


# --- the list ----------------------------------------------------------------------------


def test_a_member_sees_their_community_the_twinned_one_and_the_town_hall(alert_world, alerts):
    w = alert_world
    response = client_for(w.sms_member).get(INDEX)
    assert response.status_code == 200
    body = response.content.decode()
    assert shown(body) == {alerts["here"].pk, alerts["near"].pk, alerts["town_hall"].pk}
    assert "Démarcheur suspect rue des Lilas." in body
    assert "Fuite d’eau à Saint-Servan." in body
    assert "Pont Saint-Vincent fermé" in body
    # Nothing of Paramé, not twinned.
    assert "Chien perdu" not in body and "Paramé" not in body
    # The author by their real name (ACC-5), and the way to send one.
    assert w.member.get_full_name() in body
    assert f'href="{SEND}"' in body


def test_a_resident_without_community_sees_the_town_hall_only(alert_world, alerts):
    w = alert_world
    body = client_for(w.resident).get(INDEX).content.decode()
    assert shown(body) == {alerts["town_hall"].pk}
    assert f'href="{SEND}"' not in body


def test_paramé_sees_its_own_and_the_town_hall(alert_world, alerts):
    w = alert_world
    body = client_for(w.far_referent).get(INDEX).content.decode()
    assert shown(body) == {alerts["far"].pk, alerts["town_hall"].pk}
    assert "Démarcheur suspect" not in body


def test_someone_who_is_not_a_resident_sees_nothing(alert_world, alerts):
    body = client_for(UserFactory()).get(INDEX).content.decode()
    assert shown(body) == set()


def test_the_pages_need_a_login(alert_world, alerts):
    anonymous = Client(HTTP_HOST=HOST)
    for path in (INDEX, SEND, detail(alerts["here"])):
        response = anonymous.get(path)
        assert response.status_code == 302 and "connexion" in response["Location"]
    assert anonymous.post(read_url(alerts["here"])).status_code == 302
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_corrections_are_shown_under_the_alert_they_correct(alert_world, alerts):
    w = alert_world
    correction = send(w, text="Fausse alerte : c’était le facteur.", corrects=alerts["here"])
    body = client_for(w.sms_member).get(INDEX).content.decode()
    assert correction.pk in shown(body)
    body = re.sub(r'<section class="alert-banner".*?</section>', "", body, flags=re.S)
    # Under the original, not as a thread of its own.
    original = body.index(f'data-alert="{alerts["here"].pk}"')
    assert body.index(f'data-alert="{correction.pk}"') > original
    assert body.count(f'href="{detail(correction)}"') == 0


def test_unread_corrections_are_marked_new_in_the_list(alert_world, alerts):
    w = alert_world
    correction = send(w, text="Fausse alerte : c’était le facteur.", corrects=alerts["here"])
    body = client_for(w.sms_member).get(INDEX).content.decode()
    card = re.search(rf'<article class="([^"]*)"[^>]*data-alert="{correction.pk}"', body)
    assert "alert-card--unread" in card.group(1)


def test_the_list_costs_the_same_queries_for_2_or_20_alerts(alert_world):
    w = alert_world

    def add(count: int) -> None:
        for i in range(count):
            author = (w.member, w.referent, w.near_member)[i % 3]
            original = send(w, author=author, text=f"Alerte numéro {i}")
            send(w, author=author, text=f"Correction {i}", corrects=original)

    def queries() -> tuple[int, int]:
        client.get(INDEX)  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INDEX)
        assert response.status_code == 200
        return len(captured), len(shown(response.content.decode()))

    client = client_for(w.sms_member)
    add(1)
    town_hall(w)
    few, few_cards = queries()
    add(18)
    town_hall(w, text="Deuxième alerte", corrects=Alert.objects.filter(community=None).get())
    many, many_cards = queries()
    assert (few_cards, many_cards) == (3, 40)
    assert few == many


# --- sending -----------------------------------------------------------------------------


def test_a_member_sends_an_alert_from_the_site(alert_world):
    w = alert_world
    client = client_for(w.member)
    form = client.get(SEND)
    assert form.status_code == 200
    assert 'name="text"' in form.content.decode()
    response = client.post(
        SEND, {"confirm": "on", "category": "roads", "text": "Arbre tombé rue de la Pie."}
    )
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(alert)
    assert (alert.community, alert.author, alert.source) == (w.here, w.member, "site")
    assert alert.category == "roads" and alert.text == "Arbre tombé rue de la Pie."
    assert alert.recipients == 3
    page = client.get(response["Location"])
    assert "Arbre tombé rue de la Pie." in page.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"confirm": "on", "category": "security", "text": "   "},
        {"confirm": "on", "category": "security", "text": ""},
        {"confirm": "on", "category": "fire", "text": "Au feu"},
        {"confirm": "on", "category": "security", "text": "x" * 1001},
    ],
    ids=["blank", "empty", "unknown-category", "too-long"],
)
def test_bad_input_is_a_form_error_and_sends_nothing(alert_world, data):
    response = client_for(alert_world.member).post(SEND, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Alert.objects.exists()


def test_someone_outside_any_community_gets_the_403_page(alert_world):
    w = alert_world
    for person in (w.resident, w.communication):
        client = client_for(person, staff=person is w.communication)
        response = client.get(SEND)
        assert response.status_code == 403
        assert "alerts/no_community.html" in [t.name for t in response.templates]
        assert reverse("communities:mine") in response.content.decode()
        assert (
            client.post(
                SEND, {"confirm": "on", "category": "security", "text": "Alerte"}
            ).status_code
            == 403
        )
    assert not Alert.objects.exists()


def test_the_rate_limit_becomes_a_form_error(alert_world, settings):
    w = alert_world
    settings.ALERTS_PER_MEMBER_PER_HOUR = 1
    send(w)
    response = client_for(w.member).post(
        SEND, {"confirm": "on", "category": "security", "text": "Encore une."}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["text"])
    assert "112" in errors and "1" in errors
    assert Alert.objects.count() == 1


def test_the_author_and_a_referent_send_corrections(alert_world, alerts):
    w = alert_world
    original = alerts["here"]
    client = client_for(w.member)
    form = client.get(SEND, {"corrige": original.pk})
    assert form.status_code == 200
    assert original.pk in shown(form.content.decode())  # the alert being corrected
    response = client.post(
        SEND,
        {
            "confirm": "on",
            "category": "security",
            "text": "C’était le facteur.",
            "corrects": original.pk,
        },
    )
    correction = Alert.objects.get(text="C’était le facteur.")
    assert correction.corrects == original
    assert response["Location"] == detail(correction)
    # A référent may correct any alert of the community.
    response = client_for(w.referent).post(
        SEND,
        {"confirm": "on", "category": "security", "text": "Confirmé.", "corrects": original.pk},
    )
    assert response.status_code == 302
    assert Alert.objects.get(text="Confirmé.").corrects == original


def test_other_members_cannot_correct(alert_world, alerts):
    w = alert_world
    original = alerts["here"]
    assert client_for(w.sms_member).get(SEND, {"corrige": original.pk}).status_code == 404
    post = {"confirm": "on", "category": "security", "text": "Faux.", "corrects": original.pk}
    assert client_for(w.sms_member).post(SEND, post).status_code == 404
    # Another community's alert, even a twinned one: 404 too.
    assert client_for(w.member).get(SEND, {"corrige": alerts["near"].pk}).status_code == 404
    assert not Alert.objects.filter(text="Faux.").exists()


# --- one alert ---------------------------------------------------------------------------


def test_an_alert_is_a_404_for_whoever_may_not_see_it(alert_world, alerts):
    w = alert_world
    here = alerts["here"]
    for person in (w.far_referent, w.resident, UserFactory()):
        client = client_for(person)
        assert client.get(detail(here)).status_code == 404
        assert client.post(read_url(here), {"next": "/"}).status_code == 404
    assert client_for(w.near_member).get(detail(here)).status_code == 200  # twinned
    assert client_for(UserFactory()).get(detail(alerts["town_hall"])).status_code == 404
    assert client_for(w.member).get("/alertes/999999/").status_code == 404


def test_opening_the_alert_reads_it_so_no_sms_is_sent(alert_world):
    w = alert_world
    sent_at = timezone.now()
    alert = send(w)
    assert read_at(w.sms_member, alert) is None
    response = client_for(w.sms_member).get(detail(alert))
    assert response.status_code == 200
    assert read_at(w.sms_member, alert) is not None
    assert read_at(w.referent, alert) is None  # only the reader's own
    sms.outbox.clear()
    later = sent_at + timedelta(minutes=4, seconds=5)
    assert delivery.drain(alert.event_id, Channel.SMS, now=later) == 0
    assert sms.outbox == []


def test_the_detail_shows_the_thread_and_a_correction_link_to_author_and_referent(
    alert_world, alerts
):
    w = alert_world
    original = alerts["here"]
    correction = send(w, text="Fausse alerte : c’était le facteur.", corrects=original)
    link = f"{SEND}?corrige={original.pk}"
    for person in (w.member, w.referent):
        body = client_for(person).get(detail(original)).content.decode()
        assert shown(body) == {original.pk, correction.pk}
        assert link in body
    for person in (w.sms_member, w.near_member):
        body = client_for(person).get(detail(original)).content.decode()
        assert shown(body) == {original.pk, correction.pk}
        assert "?corrige=" not in body
    # The correction's own address shows the whole thread, the correction highlighted.
    body = client_for(w.sms_member).get(detail(correction)).content.decode()
    assert shown(body) == {original.pk, correction.pk}
    assert "Démarcheur suspect rue des Lilas." in body and "c’était le facteur" in body
    assert 'aria-current="true"' in body
    # Opening the correction read both.
    assert read_at(w.sms_member, original) and read_at(w.sms_member, correction)


def test_a_town_hall_alert_has_no_site_correction_link(alert_world, alerts):
    w = alert_world
    body = client_for(w.communication, staff=True).get(detail(alerts["town_hall"])).content
    assert "?corrige=" not in body.decode()


# --- "I have read it" --------------------------------------------------------------------


def test_i_have_read_it_marks_read_and_goes_back(alert_world, alerts):
    w = alert_world
    alert = alerts["town_hall"]
    client = client_for(w.resident)
    response = client.post(read_url(alert), {"next": "/alertes/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/alertes/?page=1"
    assert read_at(w.resident, alert) is not None
    assert client.get(read_url(alert)).status_code == 405


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "http://saint-malo.localhost.evil.example/", ""],
)
def test_i_have_read_it_never_redirects_elsewhere(alert_world, alerts, target):
    w = alert_world
    response = client_for(w.resident).post(read_url(alerts["town_hall"]), {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"


# --- the red banner on the home page -----------------------------------------------------


def banner(body: str) -> str | None:
    match = re.search(r'<section class="alert-banner".*?</section>', body, re.S)
    return match.group(0) if match else None


def test_a_resident_sees_the_red_banner_until_they_read_it(alert_world, alerts):
    w = alert_world
    client = client_for(w.resident)
    home = client.get("/")
    assert home.status_code == 200
    found = banner(home.content.decode())
    assert found is not None
    assert shown(found) == {alerts["town_hall"].pk}
    assert "Pont Saint-Vincent fermé" in found
    assert f'action="{read_url(alerts["town_hall"])}"' in found
    response = client.post(read_url(alerts["town_hall"]), {"next": "/"})
    assert response["Location"] == "/"
    assert banner(client.get("/").content.decode()) is None


def test_opening_the_alert_also_removes_the_banner(alert_world, alerts):
    w = alert_world
    client = client_for(w.resident)
    client.get(detail(alerts["town_hall"]))
    assert banner(client.get("/").content.decode()) is None


def test_a_member_sees_their_communitys_unread_alert_in_the_banner(alert_world, alerts):
    w = alert_world
    client = client_for(w.sms_member)
    found = banner(client.get("/").content.decode())
    # The town hall's first, then the community's; never the twinned one (e-mail only).
    assert shown(found) == {alerts["town_hall"].pk, alerts["here"].pk}
    assert found.index(f'data-alert="{alerts["town_hall"].pk}"') < found.index(
        f'data-alert="{alerts["here"].pk}"'
    )
    assert 'data-alert-kind="town-hall"' in found and 'data-alert-kind="community"' in found
    assert "Démarcheur suspect rue des Lilas." in found and "Intra-muros" in found
    client.post(read_url(alerts["here"]), {"next": "/"})
    assert shown(banner(client.get("/").content.decode())) == {alerts["town_hall"].pk}


def test_the_banner_puts_the_town_hall_first_in_one_query(alert_world, django_assert_num_queries):
    w = alert_world
    older = town_hall(w)  # older than the community's alerts, shown first all the same
    mine = [send(w, text=f"Alerte {i}") for i in range(5)]
    with django_assert_num_queries(1):
        alerts = unread_alerts_for_banner(w.sms_member, w.commune)
    assert alerts == [older, *reversed(mine[1:])]  # at most 5, newest first after it
    body = banner(client_for(w.sms_member).get("/").content.decode())
    assert body.index(f'data-alert="{older.pk}"') < body.index(f'data-alert="{mine[-1].pk}"')
    assert unread_alerts_for_banner(UserFactory(), w.commune) == []


def test_the_banner_leaves_out_the_authors_own_alert_and_other_communities(alert_world, alerts):
    w = alert_world
    # The author was not notified of their own alert: only the town hall's.
    assert shown(banner(client_for(w.member).get("/").content.decode())) == {alerts["town_hall"].pk}
    # Paramé's référent: the town hall's only (their own alert is theirs).
    assert shown(banner(client_for(w.far_referent).get("/").content.decode())) == {
        alerts["town_hall"].pk
    }
    assert banner(Client(HTTP_HOST=HOST).get("/").content.decode()) is None


def community_nav(response) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    return re.search(r'<nav class="community-nav".*?</nav>', body, re.S).group(0)


# --- the module switched off ---------------------------------------------------------------


def test_module_off_hides_pages_and_banner_and_keeps_data(alert_world, alerts):
    w = alert_world
    client = client_for(w.member)
    community_page = reverse("communities:detail", args=[w.here.pk])
    assert f'href="{INDEX}"' in community_nav(client.get(community_page))
    switch(w.commune, "alerts", False)
    for path in (INDEX, SEND, detail(alerts["here"])):
        assert client.get(path).status_code == 404
    assert client.post(read_url(alerts["town_hall"]), {"next": "/"}).status_code == 404
    assert (
        client.post(SEND, {"confirm": "on", "category": "security", "text": "Alerte"}).status_code
        == 404
    )
    home = client.get("/")
    assert home.status_code == 200 and banner(home.content.decode()) is None
    assert f'href="{INDEX}"' not in community_nav(client.get(community_page))
    assert Alert.objects.count() == 4
    assert read_at(w.member, alerts["town_hall"]) is None
    switch(w.commune, "alerts", True)
    assert client.get(INDEX).status_code == 200
    assert banner(client.get("/").content.decode()) is not None


# --- sending asks for confirmation (it cannot be undone) -----------------------------------


def test_sending_without_confirming_is_a_french_form_error_and_sends_nothing(alert_world):
    client = client_for(alert_world.member)
    form = client.get(SEND).content.decode()
    assert 'name="confirm"' in form and 'type="checkbox"' in form
    response = client.post(SEND, {"category": "roads", "text": "Arbre tombé rue de la Pie."})
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"] == [
        "Cochez la case pour confirmer : une alerte part aussitôt et ne peut être ni "
        "modifiée ni supprimée."
    ]
    assert not Alert.objects.exists()
    # The text typed is kept for the second try.
    assert "Arbre tombé rue de la Pie." in response.content.decode()
