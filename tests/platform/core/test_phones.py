"""Phone numbers shown in national format (``core.phones``, ``{% load core_phone %}``)."""

import phonenumbers
import pytest
from django.template import Context, Template
from phonenumber_field.phonenumber import PhoneNumber

from core.phones import e164, national


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+33611223344", "06 11 22 33 44"),
        ("+33299406060", "02 99 40 60 60"),
        ("+2252722441010", "27 22 44 10 10"),
        ("+2250701020304", "07 01 02 03 04"),
        ("+590690123456", "0690 12 34 56"),  # Guadeloupe: French plan, dialled with a 0
        ("+262262123456", "0262 12 34 56"),  # La Réunion
        ("+442071234567", "+44 20 7123 4567"),  # elsewhere: the form to dial from here
    ],
)
def test_national_format(number, shown):
    assert national(number) == shown


def test_a_parsed_number_is_formatted_too():
    assert national(PhoneNumber.from_string("+2252722441010")) == "27 22 44 10 10"
    assert national(phonenumbers.parse("+33611223344")) == "06 11 22 33 44"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_no_number_shows_nothing(empty):
    assert national(empty) == ""
    assert e164(empty) == ""


@pytest.mark.parametrize("text", ["au 06 12 34 56 78", "+3361", "ask at the town hall"])
def test_text_that_is_not_a_number_is_shown_as_given(text):
    assert national(text) == text
    assert e164(text) == ""


def test_e164_for_links():
    assert e164("+33 6 11 22 33 44") == "+33611223344"
    assert e164(PhoneNumber.from_string("+2252722441010")) == "+2252722441010"


def test_template_filters():
    template = Template(
        "{% load core_phone %}"
        '<a href="tel:{{ number|phone_e164 }}">{{ number|phone_national }}</a>'
        "|{{ missing|phone_national }}|{{ ivorian|phone_national }}"
    )
    html = template.render(Context({"number": "+33611223344", "ivorian": "+2252722441010"}))
    assert html == '<a href="tel:+33611223344">06 11 22 33 44</a>||27 22 44 10 10'


# --- on the pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_profile_shows_ones_numbers_in_national_format(client, other_commune):
    from tests.factories import UserFactory
    from tests.follows import validated

    person = validated(
        UserFactory(mobile="+2250701020304", landline="+2252722441010"), other_commune
    )
    client.force_login(person)
    page = client.get("/compte/profil/", HTTP_HOST="cocody.localhost").content.decode()
    assert "07 01 02 03 04" in page
    assert "27 22 44 10 10" in page
    assert "+225" not in page


@pytest.mark.django_db
def test_the_commune_contact_in_the_footer(client, commune, other_commune):
    commune.contact_phone = "+33299406060"
    commune.save(update_fields=["contact_phone"])
    other_commune.contact_phone = "+2252722441010"
    other_commune.save(update_fields=["contact_phone"])
    saint_malo = client.get("/", HTTP_HOST="saint-malo.localhost").content.decode()
    assert '<a href="tel:+33299406060">02 99 40 60 60</a>' in saint_malo
    cocody = client.get("/", HTTP_HOST="cocody.localhost").content.decode()
    assert '<a href="tel:+2252722441010">27 22 44 10 10</a>' in cocody
