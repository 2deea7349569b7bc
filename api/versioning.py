"""Versioning of the platform's REST API, and of nothing else.

The platform's API is versioned by URL namespace: ``/api/v1/`` is included under the
``api:v1`` namespace (``api/urls.py``) and its views get ``request.version == "v1"``.
Other Django REST framework views mounted in the project are not ours to version:
Wagtail's admin API (``/admin/api/main/``, which its page explorer calls) and its
headless API (``/api/cms/v2/``). DRF's ``NamespaceVersioning`` applied to them would
look for a version in *their* namespaces and answer 404 "Invalid version in URL path"
(which broke the page explorer for every staff member).

:class:`ApiNamespaceVersioning` is therefore scoped: it reads the version from the
namespace only for requests resolved inside the ``api`` namespace and leaves every
other view unversioned (``request.version`` is ``None``).
"""

from __future__ import annotations

from rest_framework.versioning import NamespaceVersioning

API_NAMESPACE = "api"


class ApiNamespaceVersioning(NamespaceVersioning):
    allowed_versions = ("v1",)
    # The version drf-spectacular documents when it generates the schema without a
    # request (tests/api/test_contract.py); requests always name theirs in the path.
    default_version = "v1"

    def determine_version(self, request, *args, **kwargs):
        resolver_match = getattr(request, "resolver_match", None)
        namespaces = resolver_match.namespaces if resolver_match else []
        if not namespaces or namespaces[0] != API_NAMESPACE:
            return None  # not the platform's API: Wagtail's admin and headless APIs
        return super().determine_version(request, *args, **kwargs)
