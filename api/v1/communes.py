"""Public read API of communes: identity, web site and enabled modules."""

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response

from communes.models import Commune, CommuneModule
from core.countries import COUNTRIES, emergency_sentence
from core.modules import registry


class EmergencyNumberSerializer(serializers.Serializer):
    service = serializers.CharField(
        allow_blank=True, help_text=_("The service (police…); empty for a general number (112).")
    )
    number = serializers.CharField()


class ModuleSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label shadows Field.label in the DRF stubs
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
    emergency_numbers = serializers.SerializerMethodField(
        help_text=_("The emergency numbers of the commune's country (ALR-7), in order.")
    )
    emergency_sentence = serializers.SerializerMethodField(
        help_text=_(
            'The sentence alert forms show: "In an emergency, call 17 (police) or 112." '
            "(in the language asked)."
        )
    )

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
            "emergency_numbers",
            "emergency_sentence",
        ]
        read_only_fields = fields

    @extend_schema_field(ModuleSerializer(many=True))
    def get_modules(self, commune) -> list[dict]:
        return module_entries(commune)

    @extend_schema_field(EmergencyNumberSerializer(many=True))
    def get_emergency_numbers(self, commune) -> list[dict]:
        rules = COUNTRIES.get(commune.country)
        numbers = rules.emergency_numbers if rules else ()
        return [{"service": str(service), "number": number} for service, number in numbers]

    def get_emergency_sentence(self, commune) -> str:
        return emergency_sentence(commune.country)


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


# --- the app's feed: banners on top, then the town hall's news ---------------------------

FEED_NEWS = 20


class FeedBannerEntrySerializer(serializers.Serializer):
    module = serializers.CharField(help_text="The module that shows it (`alerts`).")
    kind = serializers.CharField(
        help_text="`alert.town_hall` or `alert.community` for the alerts module."
    )
    id = serializers.IntegerField(help_text="The item's id in its module's API.")
    title = serializers.CharField()
    text = serializers.CharField()
    url = serializers.URLField(help_text="The item on the commune's site.")
    created_at = serializers.DateTimeField()


class FeedNewsSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The page's id in the CMS API.")
    title = serializers.CharField()
    date = serializers.DateField()
    intro = serializers.CharField()
    url = serializers.URLField(allow_null=True)


class FeedPinEntrySerializer(serializers.Serializer):
    module = serializers.CharField(help_text="The module that pins it (`polls`).")
    kind = serializers.CharField(help_text="`poll.open` for the polls module.")
    id = serializers.IntegerField(help_text="The item's id in its module's API.")
    title = serializers.CharField()
    text = serializers.CharField()
    url = serializers.URLField(help_text="The item on the commune's site.")
    until = serializers.DateTimeField(
        allow_null=True, help_text="When the pin goes by itself (a poll's closing)."
    )


class FeedSerializer(serializers.Serializer):
    pinned = FeedPinEntrySerializer(
        many=True,
        help_text="Above the banners and the news, until the person acts on each: the open "
        "polls they have not answered (module `polls`). Empty for visitors.",
    )
    banners = FeedBannerEntrySerializer(
        many=True,
        help_text="Show these first, in red, until read: the town hall's alerts you have not "
        "read, then your community's (module `alerts`). Empty for visitors.",
    )
    news = FeedNewsSerializer(many=True, help_text="The latest news, newest first.")


class CommuneFeed(generics.GenericAPIView):
    serializer_class = FeedSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["communes"],
        operation_id="communes_feed",
        summary="The commune's feed: banners on top, then the latest news",
        description=(
            "What the app shows on a commune's home screen. `pinned` first: what the person "
            "has still to answer (an open poll), until they do. `banners` come from the modules "
            "switched on for the commune (today the red banner of unread alerts: call the alerts "
            "API's `POST {id}/read/` when the person has read one); the same list the site shows "
            f"above every page. `news`: the {FEED_NEWS} latest news (full pages through the CMS "
            "API). Anyone may read the news; banners need a signed-in person."
        ),
        responses={200: FeedSerializer},
    )
    def get(self, request, commune_slug: str):
        from django.shortcuts import get_object_or_404

        from communes.models import NewsPage
        from core.signals import feed_pins, site_banners

        commune = get_object_or_404(Commune.objects.select_related("site"), slug=commune_slug)
        banners = [
            {"module": banner.module, **entry}
            for banner in site_banners(commune, request)
            for entry in banner.entries
        ]
        pinned = [
            {"module": pin.module, **entry}
            for pin in feed_pins(commune, request)
            for entry in pin.entries
        ]
        news = []
        root = commune.site.root_page if commune.site is not None else None
        if root is not None:
            pages = (
                NewsPage.objects.live()
                .public()
                .child_of(root)
                .order_by("-date", "-first_published_at")[:FEED_NEWS]
            )
            news = [
                {
                    "id": page.pk,
                    "title": page.title,
                    "date": page.date,
                    "intro": page.intro,
                    "url": page.get_full_url(request),
                }
                for page in pages
            ]
        return Response(FeedSerializer({"pinned": pinned, "banners": banners, "news": news}).data)


urlpatterns.append(path("<slug:commune_slug>/feed/", CommuneFeed.as_view(), name="commune-feed"))
