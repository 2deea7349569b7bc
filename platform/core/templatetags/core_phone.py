"""Phone numbers on pages: ``{% load core_phone %}``.

``{{ number|phone_national }}`` shows "06 11 22 33 44" or "27 22 44 10 10";
``{{ number|phone_e164 }}`` gives "+33611223344" for a ``tel:`` link.
"""

from __future__ import annotations

from django import template

from core import phones

register = template.Library()


@register.filter
def phone_national(number) -> str:
    return phones.national(number)


@register.filter
def phone_e164(number) -> str:
    return phones.e164(number)
