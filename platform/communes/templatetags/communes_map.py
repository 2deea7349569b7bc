"""``{% commune_map_view commune as view %}``: where a map of the commune opens (COM-5).

``view.center_attr``, ``view.zoom``, ``view.bounds_attr`` and ``view.outline_attr`` go
into data attributes; the scripts fit the boundary, else centre on the centre.
"""

from django import template

from communes.territory import map_view

register = template.Library()


@register.simple_tag
def commune_map_view(commune):
    return map_view(commune)
