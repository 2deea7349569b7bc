"""Admin forms of hosting partners: communes, their modules, plans.

The forms only collect and shape input; the writes go through
``communes.services`` (a commune) or the Wagtail create/edit actions (a plan,
whose partner the form limits to the user's own).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from communes.models import Commune, HostingPartner, Plan
from communes.selectors import partners_for_user, plans_for_user
from core.countries import COUNTRIES
from core.modules import registry

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


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (rules.name, [(zone, zone) for zone in rules.time_zones]) for rules in COUNTRIES.values()
    ]


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

    def clean_hostname(self) -> str:
        return self.cleaned_data["hostname"].strip().lower()


class CommuneEditForm(_CommuneForm):
    class Meta:
        model = Commune
        # COM-2: the hosting partner flags a partner town hall.
        fields = [*COMMUNE_EDIT_FIELDS, "is_partner"]


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
