from django.shortcuts import render
from django.views.decorators.http import require_GET

from communes.permissions import validated_resident_required
from tests.example_module.selectors import access_book, books_in_box


@require_GET
@validated_resident_required
def book_list(request):
    books = books_in_box(commune=request.commune)
    return render(request, "bookbox/list.html", {"books": books})


@require_GET
@validated_resident_required
def book_detail(request, pk: int):
    book = access_book(commune=request.commune, pk=pk)
    return render(request, "bookbox/detail.html", {"book": book})
