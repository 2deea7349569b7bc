"""Admin forms of hosting partners: communes, their modules, plans.

The forms only collect and shape input; the writes go through
``communes.services`` (a commune) or the Wagtail create/edit actions (a plan,
whose partner the form limits to the user's own).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from wagtail.admin.forms import WagtailAdminModelForm

from communes.models import Commune, HostingPartner, Plan
from communes.selectors import partners_for_user, plans_for_user
from communes.territory import map_view, parse_boundary
from core.countries import COUNTRIES
from core.modules import registry
from core.phones import NationalPhoneWidget
from core.types import StrOrPromise

IDENTITY_FIELDS = [
    "name",
    "country",
    "official_code",
    "postal_codes",
    "time_zone",
    "population",
]
CONTACT_FIELDS = ["contact_email", "contact_phone", "contact_address", "opening_hours"]

# Fields ``communes.services.commune_update`` accepts from the edit form.
COMMUNE_EDIT_FIELDS = [*IDENTITY_FIELDS, "plan", "theme", *CONTACT_FIELDS]


def time_zone_choices() -> list[tuple[StrOrPromise, list[tuple[str, str]]]]:
    return [
        (rules.name, [(zone, zone) for zone in rules.time_zones]) for rules in COUNTRIES.values()
    ]


def read_phones_in(form: forms.Form, country: str | None, *names: str) -> None:
    """Phone fields of ``form`` read a number typed without +33/+225 in ``country``
    (as accounts read a resident's numbers in their commune's), store it in E.164 and
    show it back in that country's national format ("02 99 40 71 11")."""
    region = country if country in COUNTRIES else "FR"
    for name in names:
        field = form.fields.get(name)
        if field is None:
            continue
        national = PhoneNumberField(
            region=region,
            widget=NationalPhoneWidget(region=region),
            label=field.label,
            required=field.required,
            help_text=field.help_text,
        )
        national.widget.attrs.update(autocomplete="tel", inputmode="tel")
        form.fields[name] = national


class _CommuneForm(WagtailAdminModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["plan"].queryset = plans_for_user(user).select_related("hosting_partner")
        self.fields["plan"].help_text = _(
            "Only plans of the commune's hosting partner whose bracket covers its population."
        )


class CommuneCreateForm(_CommuneForm):
    hostname = forms.CharField(
        label=_("host name"),
        max_length=255,
        help_text=_("The commune's web site address, without https:// (saint-malo.example.fr)."),
    )

    class Meta:
        model = Commune
        fields = [
            "hosting_partner",
            "name",
            "slug",
            *IDENTITY_FIELDS[1:],
            "plan",
            "theme",
            *CONTACT_FIELDS,
        ]

    field_order = ["hosting_partner", "name", "slug", "hostname"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partners = partners_for_user(self.for_user)
        self.fields["hosting_partner"].queryset = partners
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _(
            "Identifies the commune in addresses of the API. Made from the name when empty."
        )
        if self.initial.get("hosting_partner") is None and len(partners) == 1:
            self.initial["hosting_partner"] = partners[0].pk
        # The number is read in the country chosen on the same form.
        country = self.data.get(self.add_prefix("country")) if self.is_bound else None
        read_phones_in(self, country or self.initial.get("country"), "contact_phone")

    def clean_hostname(self) -> str:
        return self.cleaned_data["hostname"].strip().lower()


class TerritoryMapWidget(forms.Textarea):
    """The boundary as GeoJSON in a text area, drawn and edited on a Leaflet map.

    ``communes/admin/territory.js`` shows the boundary (Leaflet.draw: draw, edit,
    remove polygons) and the centre (a marker written to the centre fields); without
    JavaScript the text area takes GeoJSON or WKT.
    """

    template_name = "communes/admin/territory_widget.html"

    class Media:
        css = {"all": ("leaflet/leaflet.css", "leaflet/draw/leaflet.draw.css")}
        js = (
            "leaflet/leaflet.js",
            "leaflet/draw/leaflet.draw.js",
            "communes/admin/territory.js",
        )

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 3, "data-territory-boundary": "", **(attrs or {})})
        self.map = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["map"] = self.map
        return context


class TerritoryFieldsMixin(forms.Form):
    """COM-5: the commune's boundary, centre and radius (``communes.territory``)."""

    boundary = forms.CharField(
        label=_("Boundary of the commune"),
        required=False,
        widget=TerritoryMapWidget,
        help_text=_(
            "Draw the territory on the map (several shapes for islands), or paste GeoJSON "
            "or WKT. Residents' homes and communities must lie inside it. Empty: a radius "
            "around the centre."
        ),
    )
    center_latitude = forms.FloatField(
        label=_("Latitude of the centre"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "data-territory-latitude": ""}),
    )
    center_longitude = forms.FloatField(
        label=_("Longitude of the centre"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "data-territory-longitude": ""}),
        help_text=_("The marker on the map: maps of the site open there without a boundary."),
    )
    territory_radius_km = forms.FloatField(
        label=_("Radius (km)"),
        required=False,
        min_value=0.5,
        max_value=200,
    )

    def init_territory(self, commune: Commune | None) -> None:
        if commune is not None and commune.pk:
            if commune.boundary is not None:
                self.initial.setdefault("boundary", commune.boundary.geojson)
            if commune.center is not None:
                self.initial.setdefault("center_latitude", commune.center.y)
                self.initial.setdefault("center_longitude", commune.center.x)
            self.initial.setdefault("territory_radius_km", commune.radius_km)
        self.fields["territory_radius_km"].help_text = _(
            "Without a boundary, homes must lie within this distance of the centre. "
            "Empty: %(default)s km."
        ) % {"default": f"{settings.COMMUNE_DEFAULT_RADIUS_KM:g}"}
        view = map_view(commune)
        self.fields["boundary"].widget.map = {
            "tiles_url": settings.MAP_TILES_URL,
            "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
            "center": view.center_attr,
            "zoom": view.zoom,
        }

    def clean_boundary(self):
        return parse_boundary(self.cleaned_data.get("boundary"))

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("center_latitude"), data.get("center_longitude")
        if (latitude is None) != (longitude is None):
            self.add_error("center_longitude", _("Give both the latitude and the longitude."))
        both = latitude is not None and longitude is not None
        data["center"] = Point(longitude, latitude, srid=4326) if both else None
        return data

    def territory_values(self) -> dict:
        return {
            "boundary": self.cleaned_data.get("boundary"),
            "center": self.cleaned_data.get("center"),
            "radius_km": self.cleaned_data.get("territory_radius_km"),
        }


class CommuneEditForm(TerritoryFieldsMixin, _CommuneForm):
    class Meta:
        model = Commune
        # COM-2: the hosting partner flags a partner town hall.
        fields = [*COMMUNE_EDIT_FIELDS, "is_partner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_territory(self.instance)
        read_phones_in(self, self.instance.country, "contact_phone")


class ModuleSwitchesForm(forms.Form):
    """One checkbox per installed module, checked when it is on for the commune."""

    def __init__(self, *args, commune: Commune, **kwargs):
        super().__init__(*args, **kwargs)
        enabled = registry.enabled_labels(commune)
        for module in registry:
            self.fields[module.module_label] = forms.BooleanField(
                label=module.verbose_name,
                help_text=module.description,
                required=False,
                initial=module.module_label in enabled,
            )


class PlanForm(WagtailAdminModelForm):
    class Meta:
        model = Plan
        fields = [
            "hosting_partner",
            "name",
            "min_population",
            "max_population",
            "period",
            "price",
            "currency",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partners = partners_for_user(self.for_user)
        self.fields["hosting_partner"].queryset = partners
        if self.instance.pk is None and len(partners) == 1:
            self.initial.setdefault("hosting_partner", partners[0].pk)


class HostingPartnerForm(WagtailAdminModelForm):
    class Meta:
        model = HostingPartner
        fields = ["name", "slug", "contact_email", "staff"]
