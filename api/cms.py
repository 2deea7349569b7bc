"""Wagtail's headless API v2 for CMS pages, images and documents (API-2).

Wagtail's own viewsets, unchanged: the project's versioning (api/versioning.py)
applies to /api/v1/ only, so these endpoints need no override.
"""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

cms_router = WagtailAPIRouter("wagtailapi")
cms_router.register_endpoint("pages", PagesAPIViewSet)
cms_router.register_endpoint("images", ImagesAPIViewSet)
cms_router.register_endpoint("documents", DocumentsAPIViewSet)
