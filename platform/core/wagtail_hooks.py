"""The core's contact with the Wagtail admin: it mounts modules' admin viewsets,
guarded by the per-commune switch (views 404, menu items hidden), and puts the
staff member's to-do list on the dashboard."""

from django.utils.module_loading import import_string
from wagtail import hooks

from core.admin_panels import ToDoPanel, to_dos
from core.modules import guard_admin_viewset, registry


@hooks.register("register_admin_viewset")
def register_module_viewsets():
    viewsets = []
    for module in registry:
        for dotted in module.admin_viewsets:
            viewset = import_string(dotted)()
            viewsets.append(guard_admin_viewset(viewset, module.module_label))
    return viewsets


@hooks.register("construct_homepage_panels")
def add_to_do_panel(request, panels):
    items = to_dos(request)
    if items:
        panels.append(ToDoPanel(items))
