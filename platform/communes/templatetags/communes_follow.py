"""``{% commune_follow commune as follow %}``: the request user's follow of a commune, or None.

``{% writes_to_town_hall commune as flag %}``: the request user may write to the commune's town
hall (a validated resident with an open account). Computed here with the communes selector:
the communes app sits below messaging and never imports it; templates name its URL.
"""

from django import template

from communes.selectors import follow_of, is_validated_resident

register = template.Library()


@register.simple_tag(takes_context=True)
def commune_follow(context, commune):
    request = context.get("request")
    return follow_of(getattr(request, "user", None), commune)


@register.simple_tag(takes_context=True)
def writes_to_town_hall(context, commune) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or commune is None or not user.is_authenticated:
        return False
    return is_validated_resident(user, commune)
