"""The core's only contact with the Wagtail admin: it mounts modules' admin viewsets,
guarded by the per-commune switch (views 404, menu items hidden)."""

from django.utils.module_loading import import_string
from wagtail import hooks

from core.modules import guard_admin_viewset, registry


@hooks.register("register_admin_viewset")
def register_module_viewsets():
    viewsets = []
    for module in registry:
        for dotted in module.admin_viewsets:
            viewset = import_string(dotted)()
            viewsets.append(guard_admin_viewset(viewset, module.module_label))
    return viewsets
