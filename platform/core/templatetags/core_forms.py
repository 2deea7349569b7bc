"""Fields of a form in groups, for pages that lay a long form out in fieldsets.

    {% fields_of form "first_name last_name pseudonym" as names %}
    {% fields_except form "first_name last_name pseudonym photo" as others %}

A name the form does not have is skipped, so a field added to or removed from the form
still shows (in ``fields_except``) or simply goes, without breaking the page.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def fields_of(form, names: str) -> list:
    return [form[name] for name in names.split() if name in form.fields]


@register.simple_tag
def fields_except(form, names: str) -> list:
    left_out = set(names.split())
    return [field for field in form if field.name not in left_out]
