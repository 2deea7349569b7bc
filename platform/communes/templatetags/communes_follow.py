"""``{% commune_follow commune as follow %}``: the request user's follow of a commune, or None."""

from django import template

from communes.selectors import follow_of

register = template.Library()


@register.simple_tag(takes_context=True)
def commune_follow(context, commune):
    request = context.get("request")
    return follow_of(getattr(request, "user", None), commune)
