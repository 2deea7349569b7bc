"""Unfollowing a commune asks for the password (ACC-9, seed 000), on the site.

"renseignez votre mot de passe, après avoir choisi de supprimer le suivi d'une commune
ou de votre compte dans sa totalité, pour valider la suppression." Wrong passwords
count as failed logins (django-axes): the fifth locks the account.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

from communes.models import Follow
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

pytestmark = pytest.mark.django_db
UNFOLLOW = "/compte/communes/saint-malo/ne-plus-suivre/"
WRONG = "Votre mot de passe est incorrect."


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(commune):
    return validated(UserFactory(first_name="Marie", last_name="Durand"), commune)


@pytest.fixture
def site(person):
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(person)
    return client


def follows(person) -> list[str]:
    return list(Follow.objects.filter(user=person).values_list("commune__slug", flat=True))


def test_the_confirmation_page_asks_for_the_password(site):
    response = site.get(UNFOLLOW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html and 'autocomplete="current-password"' in html
    assert "Votre mot de passe actuel" in html


def test_the_right_password_unfollows(site, person):
    response = site.post(UNFOLLOW, {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/compte/communes/"
    assert follows(person) == []


def test_a_wrong_password_changes_nothing(site, person):
    response = site.post(UNFOLLOW, {"password": "not my password"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": [WRONG]}
    assert WRONG in response.content.decode()
    assert follows(person) == ["saint-malo"]


def test_a_missing_password_changes_nothing(site, person):
    response = site.post(UNFOLLOW, {})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["Champ requis."]}
    assert follows(person) == ["saint-malo"]
    assert not AccessAttempt.objects.exists()  # nothing was tried: no failure counted


def test_wrong_passwords_count_as_failed_logins_and_lock_the_account(site, person):
    for _ in range(4):
        assert site.post(UNFOLLOW, {"password": "guess"}).status_code == 200
    locked = site.post(UNFOLLOW, {"password": "guess"})
    assert locked.status_code == 403
    assert "Votre compte est verrouillé après 5 mots de passe erronés." in locked.content.decode()
    # Locked: even the right password no longer works, as on the login page.
    assert site.post(UNFOLLOW, {"password": PASSWORD}).status_code == 403
    assert follows(person) == ["saint-malo"]
    login = Client(HTTP_HOST="saint-malo.localhost").post(
        "/compte/connexion/", {"username": person.email, "password": PASSWORD}
    )
    assert login.status_code == 403


def test_an_account_without_a_password_must_choose_one_first(commune):
    person = validated(UserFactory(), commune)
    person.set_unusable_password()
    person.save()
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(person)
    response = client.post(UNFOLLOW, {"password": "anything"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password": [
            "Votre compte n’a pas encore de mot de passe : choisissez-en un avec le lien "
            "« Mot de passe oublié ? » de la page de connexion, puis réessayez."
        ]
    }
    assert follows(person) == ["saint-malo"]
    assert not AccessAttempt.objects.exists()
