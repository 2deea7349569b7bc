from django import template

from privacy.matrix import alert_author_name

register = template.Library()


@register.filter
def alert_author(person) -> str:
    """The author of an alert, always by their real name (ACC-5)."""
    return alert_author_name(person)
