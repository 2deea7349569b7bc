from django.http import Http404
from rest_framework.permissions import BasePermission

from core.modules import registry


class ModuleEnabled(BasePermission):
    """Second line of the module guard for API views that declare ``module_label``.

    The URL wrapper already answers 404 for a disabled module; this keeps a view
    safe if it is ever mounted elsewhere.
    """

    def has_permission(self, request, view):
        label = getattr(view, "module_label", None)
        commune = getattr(request, "commune", None)
        if label is None or commune is None:
            return True
        if not registry.is_enabled(commune, label):
            raise Http404
        return True
