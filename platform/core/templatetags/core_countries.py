"""Country rules on pages: ``{% load core_countries %}``.

``{{ commune.country|emergency_sentence }}`` gives "In an emergency, call 17 (police)
or 112." with the numbers of that country (ALR-7), in the active language.
"""

from __future__ import annotations

from django import template

from core import countries

register = template.Library()


@register.filter
def emergency_sentence(country) -> str:
    return countries.emergency_sentence(country)
