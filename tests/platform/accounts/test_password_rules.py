"""A password has an upper bound (issue 21, item 5): 1,024 characters, a French message."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.password_rules import MAX_LENGTH, MaximumLengthValidator

pytestmark = pytest.mark.django_db

STRONG_TAIL = "Gr4nde-Rue-des-Remparts"


def test_the_bound_is_inclusive():
    validator = MaximumLengthValidator()
    validator.validate("x" * MAX_LENGTH)
    with pytest.raises(ValidationError) as refused:
        validator.validate("x" * (MAX_LENGTH + 1))
    assert refused.value.code == "password_too_long"


def test_the_message_and_the_rule_are_french():
    with translation.override("fr"):
        with pytest.raises(ValidationError) as refused:
            MaximumLengthValidator(max_length=20).validate("x" * 21)
        assert refused.value.messages == [
            "Ce mot de passe est trop long : 20 caractères au maximum."
        ]
        assert "Votre mot de passe ne peut pas dépasser 1024 caractères." in (
            password_validators_help_texts()
        )


def test_registration_refuses_a_megabyte_password_on_its_field():
    password = "a" * (1024 * 1024) + STRONG_TAIL
    response = APIClient().post(
        "/api/v1/accounts/register/",
        {
            "email": "long@example.org",
            "password": password,
            "first_name": "Kouamé",
            "last_name": "Yao",
            "address": "Rue des Jardins, Cocody",
            "latitude": 5.36,
            "longitude": -3.99,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert (
        "Ce mot de passe est trop long : 1024 caractères au maximum."
        in (response.json()["password"])
    )
    assert not User.objects.filter(email="long@example.org").exists()
