"""A staff-only rubric ("Comments on the news") is offered to the town hall's staff only:
residents never see it on their preferences page or in the API."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from communes.models import StaffRole
from notifications import kinds
from notifications.kinds import STAFF, Rubric
from notifications.selectors import is_rubric_offered, offered_preferences, preferences_of
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"
LABEL = "Commentaires sur les actualités"


def test_the_news_comments_rubric_is_for_staff():
    assert kinds.RUBRICS["news_comments"].audience == STAFF


def test_a_resident_is_not_asked_about_the_staff_rubric(commune):
    resident = validated(UserFactory(), commune)
    assert "news_comments" in {choice.rubric.key for choice in preferences_of(resident)}
    assert "news_comments" not in {choice.rubric.key for choice in offered_preferences(resident)}
    assert not is_rubric_offered(resident, "news_comments")

    client = Client(HTTP_HOST=HOST)
    client.force_login(resident)
    page = client.get("/notifications/preferences/").content.decode()
    assert LABEL not in page
    assert "Réponses à mes commentaires" in page

    api = APIClient(HTTP_HOST=HOST)
    api.force_authenticate(resident)
    keys = [row["rubric"] for row in api.get("/api/v1/me/notification-preferences/").json()]
    assert "news_comments" not in keys
    assert "comments" in keys
    assert api.get("/api/v1/me/notification-preferences/news_comments/").status_code == 404
    assert api.get("/api/v1/me/notification-preferences/comments/").status_code == 200


def test_town_hall_staff_choose_how_comments_reach_them(commune):
    clerk = UserFactory()
    grant(commune, clerk, StaffRole.Role.COUNCIL)
    assert is_rubric_offered(clerk, "news_comments")

    client = Client(HTTP_HOST=HOST)
    verified_login(client, clerk)  # staff pass the second factor (ACC-13)
    assert LABEL in client.get("/notifications/preferences/").content.decode()

    api = APIClient(HTTP_HOST=HOST)
    api.force_authenticate(clerk)
    keys = [row["rubric"] for row in api.get("/api/v1/me/notification-preferences/").json()]
    assert "news_comments" in keys
    response = api.put(
        "/api/v1/me/notification-preferences/news_comments/",
        {"frequency": "weekly", "email": False, "push": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["frequency"] == "weekly"


def test_an_unknown_audience_is_refused_when_the_registry_loads(monkeypatch):
    from core.modules import registry

    module = next(iter(registry))
    odd = Rubric("odd", "Odd", audience="residents")
    monkeypatch.setattr(type(module), "rubrics", (*module.rubrics, odd))
    with pytest.raises(ImproperlyConfigured, match="unknown audience 'residents'"):
        kinds.kinds.populate()
    monkeypatch.undo()
    kinds.kinds.populate()
    assert "odd" not in kinds.RUBRICS
    assert dataclasses.fields(Rubric)  # the dataclass is intact
