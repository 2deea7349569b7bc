"""The référents' kit (CTY-12): documents managed in the CMS, downloaded by référents.

Platform staff manage the kit as a Wagtail snippet (``ReferentKitDocument``,
``communities.wagtail_hooks``); each document of the kit lives in the private
"Kit référent" collection, whose view restriction admits the platform staff
group only, so Wagtail's own ``/documents/<id>/<file>`` URLs refuse everyone
else. Référents of any community (and platform staff) list and download the kit
here; the file is streamed by this view, never through a public URL. The API
(``api.v1.referent_kit``) lists and streams the same documents through
``kit_items`` and ``kit_file_response``.

``urlpatterns`` are app-relative: ``communities.urls`` includes them under
``kit/`` in the ``communities`` namespace (``communities:kit``,
``communities:kit_download``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from wagtail.models import Collection, CollectionViewRestriction, GroupCollectionPermission

from accounts.staff import is_platform_staff, platform_staff_group
from communities.models import ReferentKitDocument
from communities.selectors import is_referent_anywhere

KIT_COLLECTION_NAME = "Kit référent"
# What the platform staff may do with documents of the kit collection in the CMS.
KIT_DOCUMENT_PERMISSIONS = ("add_document", "change_document", "choose_document", "delete_document")


def may_use_kit(user) -> bool:
    """Référents of any community and the platform's staff."""
    return is_platform_staff(user) or is_referent_anywhere(user)


# --- the private collection ------------------------------------------------------------------


@transaction.atomic
def kit_collection() -> Collection:
    """The "Kit référent" collection, made private to the platform staff group on first use.

    Idempotent: creates what is missing (the collection, its "groups" view
    restriction, the staff group's document permissions on it) and leaves the
    rest alone.
    """
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=KIT_COLLECTION_NAME).first()
    if collection is None:
        collection = root.add_child(name=KIT_COLLECTION_NAME)
    group = platform_staff_group()
    restriction = CollectionViewRestriction.objects.filter(collection=collection).first()
    if restriction is None:
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
    elif restriction.restriction_type != CollectionViewRestriction.GROUPS:
        restriction.restriction_type = CollectionViewRestriction.GROUPS
        restriction.password = ""
        restriction.save(update_fields=["restriction_type", "password"])
    restriction.groups.add(group)
    for permission in Permission.objects.filter(
        content_type__app_label="wagtaildocs", codename__in=KIT_DOCUMENT_PERMISSIONS
    ):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )
    return collection


def move_to_kit(document) -> None:
    """Put a document of the kit into the private collection (it may have been uploaded
    elsewhere)."""
    collection = kit_collection()
    if document.collection_id != collection.pk:
        document.collection = collection
        document.save(update_fields=["collection"])


def refuse_kit_document(document, request):
    """``before_serve_document`` hook: a kit document is served by Wagtail to staff only.

    The collection's restriction already refuses others; this also covers a kit
    document that someone moved out of the collection by hand.
    """
    if is_platform_staff(request.user):
        return None
    if not ReferentKitDocument.objects.filter(document=document).exists():
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


# --- the documents, for the site's views and the API (api.v1.referent_kit) ------------------


def kit_items():
    """The kit's documents in their order, each with its Wagtail document (one query)."""
    return ReferentKitDocument.objects.select_related("document").order_by(
        "sort_order", "title", "pk"
    )


def kit_file_response(item: ReferentKitDocument) -> FileResponse:
    """The document of ``item`` as an attachment, never cached; Http404 when its file is
    missing from the storage."""
    document = item.document
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- views -------------------------------------------------------------------------------------


def _check(request) -> None:
    if not may_use_kit(request.user):
        raise PermissionDenied


@require_safe
@login_required
@never_cache
def kit(request):
    _check(request)
    return render(request, "communities/kit.html", {"items": kit_items()})


@require_safe
@login_required
@never_cache
def kit_download(request, pk: int):
    _check(request)
    return kit_file_response(get_object_or_404(kit_items(), pk=pk))


urlpatterns = [
    path("", kit, name="kit"),
    path("<int:pk>/", kit_download, name="kit_download"),
]
