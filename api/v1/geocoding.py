"""Address search for the apps (ACC-7): BAN in France, Nominatim in Côte d'Ivoire."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.geocoding import (
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    MIN_QUERY_LENGTH,
    GeocodingUnavailable,
    geocoder_for_country,
)
from api.schema import DETAIL, VALIDATION
from core.countries import COUNTRY_CHOICES


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = GeocodingUnavailable.message
    default_code = "geocoding_unavailable"


class GeocodingSearchQuery(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            f"The address typed so far; fewer than {MIN_QUERY_LENGTH} characters give no results."
        ),
    )
    country = serializers.ChoiceField(
        choices=COUNTRY_CHOICES,
        default="FR",
        help_text="Country of the commune: FR searches the Base adresse nationale, CI "
        "OpenStreetMap (Nominatim).",
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=5)


class GeocodedAddressSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The full address, as the provider writes it.")  # type: ignore[assignment]  # a field named label shadows Field.label in the DRF stubs
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    postcode = serializers.CharField(help_text="Empty where there is none (Côte d'Ivoire).")
    city = serializers.CharField()
    citycode = serializers.CharField(help_text="INSEE code of the commune in France, else empty.")
    country = serializers.CharField(help_text="ISO 3166-1 code, e.g. FR or CI.")
    score = serializers.FloatField(help_text="Relevance from 0 to 1, as the provider rates it.")


class GeocodingResultsSerializer(serializers.Serializer):
    results = GeocodedAddressSerializer(many=True, help_text="Best match first.")


@extend_schema(
    tags=["geocoding"],
    parameters=[GeocodingSearchQuery],
    responses={
        200: GeocodingResultsSerializer,
        400: OpenApiResponse(VALIDATION, description="Missing q, unknown country or bad limit."),
        503: OpenApiResponse(
            DETAIL, description="The address provider is not available: retry later."
        ),
    },
)
class GeocodingSearch(APIView):
    """Addresses matching a query, with their position: for the address of an account.

    Open to everyone (registration needs it); throttled per person, or per network
    address when anonymous. With CI, search when the person asks (a button), not at each
    keystroke: OpenStreetMap's Nominatim forbids autocomplete.
    """

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "geocoding"

    def get(self, request):
        query = GeocodingSearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        geocoder = geocoder_for_country(params["country"])
        try:
            results = geocoder.search(params["q"], limit=params["limit"])
        except GeocodingUnavailable as exc:
            raise ServiceUnavailable(exc.message) from exc
        return Response(GeocodingResultsSerializer({"results": results}).data)


urlpatterns = [
    path("search/", GeocodingSearch.as_view(), name="geocoding-search"),
]
