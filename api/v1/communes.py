"""Public read API of communes: identity, web site and enabled modules."""

from django.db.models import Prefetch
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers

from communes.models import Commune, CommuneModule
from core.modules import registry


class ModuleSerializer(serializers.Serializer):
    label = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


def module_entries(commune) -> list[dict]:
    enabled = registry.enabled_labels(commune)
    return [
        {"label": m.module_label, "name": str(m.verbose_name), "description": str(m.description)}
        for m in registry
        if m.module_label in enabled
    ]


class CommuneSerializer(serializers.ModelSerializer):
    postal_codes = serializers.ListField(
        source="postal_code_list", child=serializers.CharField(), read_only=True
    )
    hostname = serializers.CharField(read_only=True)
    contact_email = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)
    modules = serializers.SerializerMethodField()

    class Meta:
        model = Commune
        fields = [
            "slug",
            "name",
            "country",
            "official_code",
            "postal_codes",
            "time_zone",
            "population",
            "hostname",
            "contact_email",
            "contact_phone",
            "contact_address",
            "opening_hours",
            "theme",
            "modules",
        ]
        read_only_fields = fields

    @extend_schema_field(ModuleSerializer(many=True))
    def get_modules(self, commune) -> list[dict]:
        return module_entries(commune)


def communes_for_api():
    return Commune.objects.select_related("site").prefetch_related(
        Prefetch(
            "module_switches", queryset=CommuneModule.objects.only("commune", "module", "enabled")
        )
    )


@extend_schema(tags=["communes"])
class CommuneList(generics.ListAPIView):
    """Communes hosted on the platform, with the modules each has switched on."""

    serializer_class = CommuneSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["country"]

    def get_queryset(self):
        return communes_for_api().order_by("name")


@extend_schema(tags=["communes"])
class CommuneDetail(generics.RetrieveAPIView):
    serializer_class = CommuneSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    lookup_url_kwarg = "commune_slug"

    def get_queryset(self):
        return communes_for_api()


urlpatterns = [
    path("", CommuneList.as_view(), name="commune-list"),
    path("<slug:commune_slug>/", CommuneDetail.as_view(), name="commune-detail"),
]
