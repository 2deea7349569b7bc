"""Hosting partners' API (COM-3, COM-4): their communes, module switches and plans.

Only partner staff (and superusers) get in; anyone else authenticated gets 403.
Objects come from the partner-scoped selectors, so another partner's commune or
plan answers 404 exactly like one that does not exist. Writes go through
``communes.services``; its ValidationErrors become 400s (api/exceptions.py).
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from communes.models import Commune, HostingPartner, Plan
from communes.selectors import (
    access_managed_commune,
    communes_managed_by,
    partners_for_user,
    plans_for_user,
)
from communes.services import (
    CommuneIdentity,
    commune_create,
    commune_update,
    module_set_enabled,
    plan_save,
)
from core.api_fields import StrictBooleanField
from core.countries import COUNTRY_CHOICES
from core.modules import registry
from core.openapi import COMMUNE_SLUG
from core.themes import theme_choices

POSITIVE_INT_MAX = 2_147_483_647
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")

hostname_validator = RegexValidator(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
    _("Enter a host name such as saint-malo.example.fr (letters, digits, dots and dashes)."),
    flags=re.IGNORECASE,
)


# --- permission and error responses ---------------------------------------------------


class IsHostingStaff(permissions.BasePermission):
    """Authenticated staff of a hosting partner, or a superuser."""

    message = _("Only the staff of a hosting partner may use this API.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        cached = getattr(user, "_is_hosting_staff", None)
        if cached is None:
            cached = user._is_hosting_staff = partners_for_user(user).exists()
        return cached


PLAN_ID_PARAMETER = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 0},
    OpenApiParameter.PATH,
    description=_("Id of one of your plans."),
)
MODULE_PARAMETER = OpenApiParameter(
    "module",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("Label of an installed module."),
    enum=registry.labels() or None,
)


# --- serializers -----------------------------------------------------------------------


class PartnerSlugField(serializers.SlugRelatedField):
    """A hosting partner among the caller's, by slug; a non-slug never reaches the DB."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=HostingPartner.objects.none(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG_RE.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:80])
        return super().to_internal_value(data)


def _context_user(serializer):
    """The requesting user (None while the OpenAPI schema is generated)."""
    return getattr(serializer.context.get("request"), "user", None)


class PlanSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "name", "min_population", "max_population", "period"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    hosting_partner: serializers.SlugRelatedField[HostingPartner] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    bracket_label = serializers.CharField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "hosting_partner",
            "name",
            "min_population",
            "max_population",
            "bracket_label",
            "period",
            "price",
            "currency",
        ]
        read_only_fields = fields


class PlanUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    min_population = serializers.IntegerField(min_value=0, max_value=POSITIVE_INT_MAX)
    max_population = serializers.IntegerField(
        min_value=0, max_value=POSITIVE_INT_MAX, allow_null=True, required=False
    )
    period = serializers.ChoiceField(choices=Plan.Period.choices)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=list(Plan._meta.get_field("currency").choices or []))


class PlanCreateInput(PlanUpdateInput):
    hosting_partner = PartnerSlugField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hosting_partner"].queryset = partners_for_user(_context_user(self))


class ModuleStateSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label shadows Field.label in the DRF stubs
    name = serializers.CharField()
    description = serializers.CharField()
    default_enabled = serializers.BooleanField()
    enabled = serializers.BooleanField()


class ModuleSwitchInput(serializers.Serializer):
    enabled = serializers.BooleanField()


def module_states(commune: Commune) -> list[dict]:
    enabled = registry.enabled_labels(commune)
    return [
        {
            "label": module.module_label,
            "name": str(module.verbose_name),
            "description": str(module.description),
            "default_enabled": module.default_enabled,
            "enabled": module.module_label in enabled,
        }
        for module in registry
    ]


class PartnerCommuneSerializer(serializers.ModelSerializer):
    hosting_partner: serializers.SlugRelatedField[HostingPartner] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    postal_codes = serializers.ListField(
        source="postal_code_list", child=serializers.CharField(), read_only=True
    )
    hostname = serializers.CharField(read_only=True)
    plan = PlanSummarySerializer(read_only=True, allow_null=True)
    enabled_modules = serializers.SerializerMethodField()
    # Plain strings: an unknown address is "", which the "email" format would refuse.
    contact_email = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)

    class Meta:
        model = Commune
        fields = [
            "slug",
            "name",
            "hosting_partner",
            "country",
            "official_code",
            "postal_codes",
            "time_zone",
            "population",
            "hostname",
            "plan",
            "theme",
            "contact_email",
            "contact_phone",
            "contact_address",
            "opening_hours",
            "is_partner",
            "enabled_modules",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_enabled_modules(self, commune) -> list[str]:
        return commune.enabled_modules()


class CommuneUpdateInput(serializers.Serializer):
    """Identity, contact details, theme and plan; only the fields sent are changed."""

    name = serializers.CharField(max_length=200)
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES)
    official_code = serializers.CharField(max_length=12)
    postal_codes = serializers.ListField(
        child=serializers.CharField(max_length=10), max_length=30, required=False
    )
    time_zone = serializers.CharField(max_length=40)
    population = serializers.IntegerField(min_value=0, max_value=POSITIVE_INT_MAX, required=False)
    plan = serializers.PrimaryKeyRelatedField(
        queryset=Plan.objects.none(),
        allow_null=True,
        required=False,
        help_text=_("Id of one of your plans whose bracket covers the population."),
    )
    theme = serializers.ChoiceField(choices=[], required=False)
    contact_email = serializers.EmailField(allow_blank=True, required=False)
    contact_phone = PhoneNumberField(allow_blank=True, required=False)
    contact_address = serializers.CharField(allow_blank=True, required=False, max_length=2000)
    opening_hours = serializers.CharField(allow_blank=True, required=False, max_length=2000)
    is_partner = StrictBooleanField(
        required=False,
        help_text=_(
            "A partner town hall (COM-2): it sees the commune's communities, chooses how their "
            "membership requests are validated and receives their alerts."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans_for_user(_context_user(self))
        self.fields["theme"].choices = theme_choices()

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "postal_codes" in data:
            data["postal_codes"] = " ".join(data["postal_codes"])
        if "contact_phone" in data:
            data["contact_phone"] = data["contact_phone"] or ""
        return data


class CommuneCreateInput(CommuneUpdateInput):
    is_partner = None  # type: ignore[assignment]  # a new commune is not a partner yet: PATCH it
    hosting_partner = PartnerSlugField(help_text=_("Slug of one of your hosting partners."))
    slug = serializers.SlugField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text=_("Identifies the commune in the API; made from the name when empty."),
    )
    hostname = serializers.CharField(
        max_length=253,
        validators=[hostname_validator],
        help_text=_("Host name of the commune's web site (saint-malo.example.fr)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hosting_partner"].queryset = partners_for_user(_context_user(self))

    def validate_hostname(self, value: str) -> str:
        return value.strip().lower()

    def to_identity(self) -> CommuneIdentity:
        data = self.to_service_fields()
        identity_fields = set(CommuneIdentity.__dataclass_fields__)
        return CommuneIdentity(**{k: v for k, v in data.items() if k in identity_fields})


# --- communes --------------------------------------------------------------------------


@extend_schema(tags=["partner"])
class CommuneListCreate(generics.ListAPIView):
    """Your hosting partners' communes; create one (web site and home page included)."""

    serializer_class = PartnerCommuneSerializer
    permission_classes = [IsHostingStaff]
    filterset_fields = ["country"]

    def get_queryset(self):
        return communes_managed_by(self.request.user).order_by("name", "pk")

    @extend_schema(responses={200: PartnerCommuneSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CommuneCreateInput,
        responses={201: PartnerCommuneSerializer},
    )
    def post(self, request, *args, **kwargs):
        data = CommuneCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        commune = commune_create(
            by=request.user,
            partner=data.validated_data["hosting_partner"],
            identity=data.to_identity(),
            hostname=data.validated_data["hostname"],
            plan=data.validated_data.get("plan"),
        )
        commune = access_managed_commune(request.user, commune.slug)
        return Response(PartnerCommuneSerializer(commune).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["partner"], parameters=[COMMUNE_SLUG])
class CommuneDetail(generics.GenericAPIView):
    """One of your communes: read it, or change its identity, contact details, theme or plan."""

    serializer_class = PartnerCommuneSerializer
    permission_classes = [IsHostingStaff]
    queryset = Commune.objects.none()  # documents {commune_slug}; lookups are scoped
    lookup_field = "slug"
    lookup_url_kwarg = "commune_slug"

    @extend_schema(responses={200: PartnerCommuneSerializer})
    def get(self, request, commune_slug):
        commune = access_managed_commune(request.user, commune_slug)
        return Response(PartnerCommuneSerializer(commune).data)

    @extend_schema(
        request=CommuneUpdateInput,
        responses={200: PartnerCommuneSerializer},
    )
    def patch(self, request, commune_slug):
        commune = access_managed_commune(request.user, commune_slug)
        data = CommuneUpdateInput(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.to_service_fields()
        if "is_partner" in fields:
            # COM-2: the partner flag is the hosting partner's; the service saves (and logs)
            # it with the rest, as the admin's commune form does.
            commune.is_partner = fields.pop("is_partner")
        commune_update(by=request.user, commune=commune, **fields)
        commune = access_managed_commune(request.user, commune_slug)
        return Response(PartnerCommuneSerializer(commune).data)


@extend_schema(tags=["partner"], parameters=[COMMUNE_SLUG])
class CommuneModuleList(generics.GenericAPIView):
    """Every installed module, with whether it is on for this commune."""

    serializer_class = ModuleStateSerializer
    permission_classes = [IsHostingStaff]
    queryset = Commune.objects.none()  # documents {commune_slug}; lookups are scoped
    lookup_field = "slug"
    lookup_url_kwarg = "commune_slug"
    pagination_class = None

    @extend_schema(responses={200: ModuleStateSerializer(many=True)})
    def get(self, request, commune_slug):
        commune = access_managed_commune(request.user, commune_slug)
        return Response(ModuleStateSerializer(module_states(commune), many=True).data)


@extend_schema(tags=["partner"], parameters=[COMMUNE_SLUG, MODULE_PARAMETER])
class CommuneModuleSwitch(generics.GenericAPIView):
    """Switch a module on or off for this commune; its data is kept either way."""

    serializer_class = ModuleStateSerializer
    permission_classes = [IsHostingStaff]
    queryset = Commune.objects.none()  # documents {commune_slug}; lookups are scoped
    lookup_field = "slug"
    lookup_url_kwarg = "commune_slug"

    def _switch(self, request, commune_slug, module):
        commune = access_managed_commune(request.user, commune_slug)
        data = ModuleSwitchInput(data=request.data)
        data.is_valid(raise_exception=True)
        module_set_enabled(
            by=request.user,
            commune=commune,
            module=module,
            enabled=data.validated_data["enabled"],
        )
        commune = access_managed_commune(request.user, commune_slug)
        state = next(entry for entry in module_states(commune) if entry["label"] == module)
        return Response(ModuleStateSerializer(state).data)

    @extend_schema(
        request=ModuleSwitchInput,
        responses={200: ModuleStateSerializer},
    )
    def put(self, request, commune_slug, module):
        return self._switch(request, commune_slug, module)

    @extend_schema(
        request=ModuleSwitchInput,
        responses={200: ModuleStateSerializer},
    )
    def patch(self, request, commune_slug, module):
        return self._switch(request, commune_slug, module)


# --- plans ------------------------------------------------------------------------------


@extend_schema(tags=["partner"])
class PlanListCreate(generics.ListAPIView):
    """Your hosting partners' subscription plans (price per population bracket)."""

    serializer_class = PlanSerializer
    permission_classes = [IsHostingStaff]

    def get_queryset(self):
        return (
            plans_for_user(self.request.user)
            .select_related("hosting_partner")
            .order_by("hosting_partner__name", "min_population", "pk")
        )

    @extend_schema(responses={200: PlanSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PlanCreateInput, responses={201: PlanSerializer})
    def post(self, request, *args, **kwargs):
        data = PlanCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        plan = plan_save(by=request.user, plan=Plan(**data.validated_data), created=True)
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["partner"], parameters=[PLAN_ID_PARAMETER])
class PlanDetail(generics.GenericAPIView):
    """One of your plans: read it or change it (its hosting partner stays)."""

    serializer_class = PlanSerializer
    permission_classes = [IsHostingStaff]
    queryset = Plan.objects.none()  # documents {id}; lookups are scoped

    def get_object(self):
        return generics.get_object_or_404(
            plans_for_user(self.request.user).select_related("hosting_partner"),
            pk=self.kwargs["pk"],
        )

    @extend_schema(responses={200: PlanSerializer})
    def get(self, request, pk):
        return Response(PlanSerializer(self.get_object()).data)

    @extend_schema(request=PlanUpdateInput, responses={200: PlanSerializer})
    def patch(self, request, pk):
        plan = self.get_object()
        data = PlanUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for name, value in data.validated_data.items():
            setattr(plan, name, value)
        plan = plan_save(by=request.user, plan=plan, created=False)
        return Response(PlanSerializer(plan).data)


urlpatterns = [
    path("communes/", CommuneListCreate.as_view(), name="partner-commune-list"),
    path(
        "communes/<slug:commune_slug>/",
        CommuneDetail.as_view(),
        name="partner-commune-detail",
    ),
    path(
        "communes/<slug:commune_slug>/modules/",
        CommuneModuleList.as_view(),
        name="partner-commune-modules",
    ),
    path(
        "communes/<slug:commune_slug>/modules/<str:module>/",
        CommuneModuleSwitch.as_view(),
        name="partner-commune-module",
    ),
    path("plans/", PlanListCreate.as_view(), name="partner-plan-list"),
    path("plans/<int:pk>/", PlanDetail.as_view(), name="partner-plan-detail"),
]
