"""The postal address of an account, placed on a map (ACC-7).

``AddressFieldsMixin`` adds ``address``, ``latitude`` and ``longitude`` to a form.
Coordinates (an autocomplete choice, the marker moved on the map, the phone's GPS)
win; without them the typed address is geocoded on the server, so the form works
without JavaScript. After ``is_valid()``: ``cleaned_data["address"]`` (the label) and
``cleaned_data["location"]`` (a ``Point``, WGS 84). When the geocoder is unavailable
the form stays valid with the typed address and no point (``location`` ``None``,
``location_pending`` True): ``accounts.services`` keeps it and locates it later.
The map opens on the commune (``communes.territory.map_view``).

Render it with ``{% include "includes/address_field.html" with form=form %}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.geocoding import Geocoder, geocoder_for_commune, locate_address
from communes.territory import map_view

if TYPE_CHECKING:
    from communes.models import Commune

BAD_POINT = _("The point on the map is not valid. Place it again or type the address.")


def address_initial(address: str | None, location: Point | None) -> dict[str, Any]:
    """Initial values of the three fields for an existing address."""
    initial: dict[str, Any] = {"address": address or ""}
    if location is not None:
        initial.update(latitude=location.y, longitude=location.x)
    return initial


if TYPE_CHECKING:
    _FormBase = forms.Form  # mypy sees the form the mixin is put before
else:
    _FormBase = object


class AddressFieldsMixin(_FormBase):
    """Put it before the form class: ``class F(AddressFieldsMixin, forms.Form)``.

    Takes an optional ``commune`` keyword (or a ``commune`` attribute) whose country
    picks the geocoder; France without one. ``address_required`` may be set to False.
    """

    address_required = True
    commune: Commune | None = None

    def __init__(self, *args: Any, commune: Commune | None = None, **kwargs: Any) -> None:
        if commune is not None:
            self.commune = commune
        super().__init__(*args, **kwargs)
        self.fields["address"] = forms.CharField(
            label=_("Postal address"),
            max_length=300,
            required=self.address_required,
            help_text=_("Number, street and town. Choose a suggestion or place the point."),
            widget=forms.TextInput(
                attrs={"autocomplete": "street-address", "data-address-input": ""}
            ),
        )
        for name in ("latitude", "longitude"):
            widget = forms.HiddenInput(attrs={f"data-address-{name}": ""})
            self.fields[name] = forms.FloatField(required=False, widget=widget)

    @property
    def geocoder(self) -> Geocoder:
        return geocoder_for_commune(self.commune)

    @property
    def address_country(self) -> str:
        return self.commune.country if self.commune is not None else "FR"

    @property
    def address_map(self) -> dict[str, Any]:
        """What ``includes/address_field.html`` gives the script (data attributes)."""
        search_url = reverse("accounts:address_search")
        if self.commune is not None:
            search_url += "?" + urlencode({"commune": self.commune.slug})
        view = map_view(self.commune, country=self.address_country)
        return {
            "search_url": search_url,
            "autocomplete": self.geocoder.supports_autocomplete,
            "tiles_url": settings.MAP_TILES_URL,
            "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
            "center": view.center_attr,
            "zoom": view.zoom,
            "bounds": view.bounds_attr,
            "outline": view.outline_attr,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned is None:  # a form's clean() may return None: Django keeps cleaned_data
            cleaned = self.cleaned_data
        if "address" not in self.errors:
            self._clean_location(cleaned)
        return cleaned

    def _clean_location(self, cleaned: dict[str, Any]) -> None:
        try:
            address, location = locate_address(
                address=cleaned.get("address") or "",
                latitude=cleaned.get("latitude"),
                longitude=cleaned.get("longitude"),
                commune=self.commune,
                defer_unavailable=True,
            )
        except ValidationError as error:
            if "address" in error.message_dict:
                self.add_error("address", error.error_dict["address"])
            else:
                self.add_error("address", BAD_POINT)
            return
        cleaned.update(
            address=address, location=location, location_pending=bool(address) and location is None
        )
        if location is not None:
            cleaned.update(latitude=location.y, longitude=location.x)
