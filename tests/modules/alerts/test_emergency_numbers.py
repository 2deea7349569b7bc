"""ALR-7: alert forms and messages recall the emergency numbers of the commune's country.

France: 17 (police) and 112. Côte d'Ivoire: 110, 111 or 170 (police), 180 (fire
brigade), 185 (SAMU). The site's form, the API's refusals and the SMS replies all use
``core.countries.emergency_sentence``.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from core.countries import emergency_sentence
from modules.alerts.inbound import InboundSms, Outcome, receive_sms
from notifications import sms
from notifications.sms import SmsPurpose
from tests.communities import COCODY, make_community, person_at

pytestmark = pytest.mark.django_db

FRANCE = "En cas d'urgence, appelez le 17 (police) ou le 112."
COTE_DIVOIRE = (
    "En cas d'urgence, appelez le 110, le 111 ou le 170 (police), le 180 (pompiers) "
    "ou le 185 (SAMU)."
)
COCODY_MOBILE = "+2250701020304"


@pytest.fixture
def cocody(other_commune):
    """A community of Cocody; its référent has a mobile."""
    referent = person_at(
        other_commune, COCODY, first_name="Awa", last_name="Koné", mobile=COCODY_MOBILE
    )
    community = make_community(other_commune, COCODY, name="Riviera", referent=referent)
    return community, referent


@pytest.fixture(autouse=True)
def _clean():
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()
    cache.clear()


def test_the_sentence_of_each_country():
    assert emergency_sentence("FR") == FRANCE
    assert emergency_sentence("CI") == COTE_DIVOIRE
    assert emergency_sentence(None) == FRANCE
    with translation.override("en"):
        assert emergency_sentence("FR") == "In an emergency, call 17 (police) or 112."
        assert emergency_sentence("CI") == (
            "In an emergency, call 110, 111 or 170 (police), 180 (fire brigade) or 185 (ambulance)."
        )


def test_the_sms_sentence_stays_in_the_gsm_alphabet():
    # No curly apostrophe, no ê/â/ô/î/û/ç: one SMS is 160 characters, not 70.
    for country in ("FR", "CI"):
        assert not set(emergency_sentence(country)) & set("’êâôîûç«»")


# --- the site's form ---------------------------------------------------------------------


def emergency_notice(html: str) -> str:
    start = html.index("data-emergency>") + len("data-emergency>")
    return unescape(html[start : html.index("</p>", start)])


def test_the_form_of_saint_malo_shows_french_numbers(alert_world):
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(alert_world.member)
    html = client.get("/alertes/envoyer/").content.decode()
    assert emergency_notice(html) == f"{FRANCE} N’intervenez pas vous-même."


def test_the_form_of_cocody_shows_ivorian_numbers(cocody):
    _community, referent = cocody
    client = Client(HTTP_HOST="cocody.localhost")
    client.force_login(referent)
    response = client.get("/alertes/envoyer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert emergency_notice(html) == f"{COTE_DIVOIRE} N’intervenez pas vous-même."
    assert "17 (police)" not in html


# --- the API's refusals ------------------------------------------------------------------


def rate_limited(client, slug: str) -> str:
    base = f"/api/v1/communes/{slug}/alerts/"
    assert client.post(base, {"confirm": True, "text": "Première"}, format="json").status_code == (
        201
    )
    response = client.post(base, {"confirm": True, "text": "Deuxième"}, format="json")
    assert response.status_code == 400
    [message] = response.json()["text"]
    return message


def test_the_api_refusal_in_saint_malo(alert_world, settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 1
    client = APIClient()
    client.force_authenticate(alert_world.member)
    assert rate_limited(client, "saint-malo") == (
        "Vous avez déjà envoyé 1 alertes au cours de la dernière heure : patientez un peu "
        f"avant d’en envoyer une autre. {FRANCE}"
    )


def test_the_api_refusal_in_cocody(cocody, settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 1
    _community, referent = cocody
    client = APIClient()
    client.force_authenticate(referent)
    assert rate_limited(client, "cocody") == (
        "Votre communauté a déjà reçu 1 alertes au cours de la dernière heure : patientez "
        f"un peu avant d’en envoyer une autre. {COTE_DIVOIRE}"
    )


# --- the SMS replies ---------------------------------------------------------------------


def sms_reply(commit, number: str) -> str:
    with commit(execute=True):
        outcome = receive_sms(InboundSms(number, "Cambriolage en cours rue des Lilas.", ""))
    assert outcome == Outcome.SENT
    [reply] = [m for m in sms.outbox if m.purpose == SmsPurpose.REPLY]
    assert reply.to == number
    return reply.body


def test_the_sms_reply_in_saint_malo(alert_world, django_capture_on_commit_callbacks):
    body = sms_reply(django_capture_on_commit_callbacks, alert_world.sms_member.mobile)
    assert body == f"Votre alerte a été envoyée à 3 voisins. {FRANCE}"


def test_the_sms_reply_in_cocody(cocody, django_capture_on_commit_callbacks):
    body = sms_reply(django_capture_on_commit_callbacks, COCODY_MOBILE)
    assert body == f"Votre alerte a été envoyée à 0 voisin. {COTE_DIVOIRE}"
    assert len(body) <= 160


def test_the_api_gives_the_numbers_of_the_commune(api_client, commune, other_commune):
    saint_malo = api_client.get("/api/v1/communes/saint-malo/").json()
    assert saint_malo["emergency_numbers"] == [
        {"service": "police", "number": "17"},
        {"service": "", "number": "112"},
    ]
    assert saint_malo["emergency_sentence"] == FRANCE
    cocody = api_client.get("/api/v1/communes/cocody/").json()
    assert [n["number"] for n in cocody["emergency_numbers"]] == [
        "110",
        "111",
        "170",
        "180",
        "185",
    ]
    assert cocody["emergency_numbers"][3] == {"service": "pompiers", "number": "180"}
    assert cocody["emergency_sentence"] == COTE_DIVOIRE
