"""Wagtail's headless API v2 for CMS pages, images and documents (API-2).

The project's DRF settings version /api/v1/ by URL namespace; Wagtail's
endpoints live outside it, so they opt out of versioning.
"""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet


class CmsPages(PagesAPIViewSet):
    versioning_class = None


class CmsImages(ImagesAPIViewSet):
    versioning_class = None


class CmsDocuments(DocumentsAPIViewSet):
    versioning_class = None


cms_router = WagtailAPIRouter("wagtailapi")
cms_router.register_endpoint("pages", CmsPages)
cms_router.register_endpoint("images", CmsImages)
cms_router.register_endpoint("documents", CmsDocuments)
