from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from tests.example_module.selectors import access_book, books_in_box

TAGS = ["bookbox"]


class BookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    left_at = serializers.DateTimeField()


class BookApiMixin:
    module_label = "bookbox"
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]


class BookListApi(BookApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="bookbox_list",
        summary="The books in the commune's box",
        responses={200: BookSerializer(many=True)},
    )
    def get(self, request, commune_slug: str):
        books = books_in_box(commune=request.commune)[:50]
        return Response(BookSerializer(books, many=True).data)


class BookDetailApi(BookApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="bookbox_retrieve",
        summary="One book of the box",
        parameters=[
            OpenApiParameter("book_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
        ],
        responses={200: BookSerializer},
    )
    def get(self, request, commune_slug: str, book_id: int):
        return Response(BookSerializer(access_book(commune=request.commune, pk=book_id)).data)
