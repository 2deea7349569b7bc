"""Requests that mail someone are limited (issue 21, item 2).

* The site's "mot de passe oublié" sent one e-mail per request (50 in a minute to one
  person): it now shares the API's limits (3 an hour per address, 20 per client), with
  the same answer either way.
* An e-mail change mails the address typed, with a first name the sender chose: 3 an
  hour per account and 3 an hour per address written to.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many e-mail changes asked in the last hour: try again later."


def _reset(client, email):
    return client.post("/compte/mot-de-passe/oublie/", {"email": email})


def test_the_sites_reset_form_sends_three_mails_an_hour_to_one_address(client):
    person = UserFactory(email="marie@example.org")
    answers = [_reset(client, person.email) for _ in range(5)]
    assert {answer.status_code for answer in answers} == {302}
    assert {answer["Location"] for answer in answers} == {"/compte/mot-de-passe/oublie/envoye/"}
    assert [message.to for message in mail.outbox] == [[person.email]] * 3


def test_the_sites_reset_form_answers_the_same_for_an_unknown_address(client):
    unknown = _reset(client, "nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (
        302,
        "/compte/mot-de-passe/oublie/envoye/",
    )
    assert mail.outbox == []


def _change(user, new_email):
    client = APIClient()
    client.force_authenticate(user)
    with translation.override("en"):
        return client.post(
            "/api/v1/me/email/",
            {"password": PASSWORD, "new_email": new_email},
            HTTP_ACCEPT_LANGUAGE="en",
        )


def test_one_account_asks_three_changes_an_hour(django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [_change(person, f"new{n}@example.org").status_code for n in range(3)]
        refused = _change(person, "new4@example.org")
    assert statuses == [202, 202, 202]
    assert len(mail.outbox) == 6  # each: the link to the new address, a notice to the old
    assert (refused.status_code, refused.json()) == (400, {"new_email": [TOO_MANY]})
    assert "new4@example.org" not in {message.to[0] for message in mail.outbox}


def test_one_address_receives_three_change_links_an_hour(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert _change(UserFactory(), "target@example.org").status_code == 202
        refused = _change(UserFactory(), "target@example.org")
    assert (refused.status_code, refused.json()) == (400, {"new_email": [TOO_MANY]})
    assert [message.to for message in mail.outbox].count(["target@example.org"]) == 3
