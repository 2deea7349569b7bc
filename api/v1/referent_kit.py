"""The référents' kit in the API (CTY-12): ``/api/v1/referent-kit/``.

The documents platform staff manage in the CMS (``communities.kit``: a snippet whose
files live in the private "Kit référent" collection). Référents of any community and
the platform's staff (``communities.kit.may_use_kit``) list them and download each
file through this API, never through a public URL; anyone else signed in gets 403,
anonymous callers 401. The list and the file are ``communities.kit``'s, shared with
the site's page.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.views import APIView

from communities.kit import kit_file_response, kit_items, may_use_kit
from communities.models import ReferentKitDocument
from core.ids import positive_id
from core.openapi import path_id

TAGS = ["referent kit"]
DOCUMENT_ID = path_id("document_id", "Id of a document of the kit (the list's `id`).")
BINARY = OpenApiResponse(
    OpenApiTypes.BINARY,
    description=(
        "The file as an attachment (`Content-Disposition: attachment; filename=…`), with "
        "the content type of its name (a PDF as application/pdf)."
    ),
)


class MayUseKit(permissions.BasePermission):
    """Référents of any community and the platform's staff (signed in: 401 otherwise)."""

    message = _("Only the référents of a community and the platform's staff use the kit.")

    def has_permission(self, request, view):
        return may_use_kit(request.user)


class KitDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    file_size = serializers.SerializerMethodField(
        help_text=_("Size of the file in bytes (null when unknown).")
    )
    file_extension = serializers.CharField(
        source="document.file_extension",
        read_only=True,
        help_text=_("Extension of the file name, without the dot (pdf, docx…)."),
    )
    created_at = serializers.DateTimeField(
        source="document.created_at",
        read_only=True,
        help_text=_("When the file was uploaded."),
    )
    download_url = serializers.SerializerMethodField(
        help_text=_("Address of the file in this API (the same credentials are needed).")
    )

    def get_file_size(self, item: ReferentKitDocument) -> int | None:
        document = item.document
        if document.file_size is not None:
            return document.file_size
        try:
            return document.file.size  # from the storage, no query
        except (OSError, ValueError):
            return None

    def get_download_url(self, item: ReferentKitDocument) -> str:
        url = reverse("api:v1:referent-kit-download", args=[item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class KitListApi(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, MayUseKit]
    serializer_class = KitDocumentSerializer
    filter_backends: list = []

    def get_queryset(self):
        return kit_items()

    @extend_schema(
        tags=TAGS,
        operation_id="referent_kit_list",
        summary="List the documents of the référent kit",
        description=(
            "Référents of any community and the platform's staff: the guides and templates "
            "the platform's staff publish in the CMS, in their order. 403 for anyone else "
            "signed in."
        ),
        responses={200: KitDocumentSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class KitDownloadApi(APIView):
    permission_classes = [permissions.IsAuthenticated, MayUseKit]

    @extend_schema(
        tags=TAGS,
        operation_id="referent_kit_download",
        summary="Download a document of the référent kit",
        description=(
            "Référents of any community and the platform's staff; 403 for anyone else "
            "signed in. 404 for an id that is not a document of the kit."
        ),
        parameters=[DOCUMENT_ID],
        responses={(200, "*/*"): BINARY},
    )
    def get(self, request, document_id: int):
        item = kit_items().filter(pk=positive_id(document_id)).first()
        if item is None:
            raise Http404
        return kit_file_response(item)


urlpatterns = [
    path("", KitListApi.as_view(), name="referent-kit-list"),
    path("<int:document_id>/download/", KitDownloadApi.as_view(), name="referent-kit-download"),
]
