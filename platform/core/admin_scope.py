"""Admin screens scoped to the communes a staff member serves: one base for every app.

A :class:`CommuneScope` says, for one kind of row, which communes an admin screen shows
and how a row reaches its commune:

* on a commune's host, that commune only;
* on the platform's host, every commune, or, for a module, the communes that have it on
  (``module_label``);
* then only the communes the person serves (``staff_communes(user)``: the town hall, the
  hosting partner…, which the app that owns the rule computes), unless
  ``sees_every_commune(user)`` (superusers by default; platform staff where the app says
  so);
* a row is in scope when its commune (``commune_field``, a lookup path such as
  ``"commune"`` or ``"community__commune"``; several paths: any of them) is.

Admin viewsets inherit :class:`CommuneScopedViewSetMixin` and name their scope; their
views subclass the scoped generic views below (``IndexView``, ``EditView``,
``DeleteView``, ``InspectView``, ``HistoryView``, ``UsageView``), so the list shows the
rows in scope and every URL naming a row out of scope answers 404, exactly like a row
that does not exist. The menu item is shown only when the scope holds a commune. The
app's selectors use the same scope for reads outside the admin (permission policies,
dashboard counts), so the rule is written once.

The core names no app: ``staff_communes`` is given by the app (the core cannot import
``communes.selectors``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView as WagtailHistoryView
from wagtail.admin.views.generic.usage import UsageView as WagtailUsageView
from wagtail.permission_policies import ModelPermissionPolicy

from core.access import is_open_account
from core.modules import registry


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


@dataclass(frozen=True)
class CommuneScope:
    """Which rows an admin screen shows a staff member (see the module docstring)."""

    staff_communes: Callable  # user -> QuerySet[Commune]: the communes the person serves
    commune_field: str | tuple[str, ...] = "commune"
    module_label: str | None = None
    sees_every_commune: Callable = is_superuser  # user -> bool
    # An extra condition on rows for those who do not see every commune (or None).
    staff_condition: Q | None = None

    @property
    def commune_fields(self) -> tuple[str, ...]:
        fields = self.commune_field
        return (fields,) if isinstance(fields, str) else tuple(fields)

    def communes(self, *, user, commune=None) -> QuerySet:
        """The communes in scope: the host's commune or the platform's, those ``user`` serves."""
        Commune = apps.get_model("communes", "Commune")
        if commune is not None:
            communes = Commune.objects.filter(pk=commune.pk)
        elif self.module_label is not None:
            communes = registry.enabled_communes(self.module_label)
        else:
            communes = Commune.objects.all()
        if not self.sees_every_commune(user):
            communes = communes.filter(pk__in=self.staff_communes(user).values("pk"))
        return communes

    def filter(self, queryset: QuerySet, *, user, commune=None) -> QuerySet:
        """``queryset`` kept to the rows whose commune is in scope."""
        in_scope = self.communes(user=user, commune=commune).values("pk")
        condition = Q()
        for field in self.commune_fields:
            condition |= Q(**{f"{field}__in": in_scope})
        queryset = queryset.filter(condition)
        if self.staff_condition is not None and not self.sees_every_commune(user):
            queryset = queryset.filter(self.staff_condition)
        return queryset

    def for_request(self, queryset: QuerySet, request) -> QuerySet:
        return self.filter(queryset, user=request.user, commune=getattr(request, "commune", None))

    def communes_for_request(self, request) -> QuerySet:
        return self.communes(user=request.user, commune=getattr(request, "commune", None))

    def serves(self, request) -> bool:
        """Whether the person serves a commune of this scope here: one query per request
        and scope (the admin's menu asks it of every item on every page)."""
        cache = request.__dict__.setdefault("_commune_scope_serves", {})
        if id(self) not in cache:
            cache[id(self)] = self.communes_for_request(request).exists()
        return cache[id(self)]


# --- the permission policy ------------------------------------------------------------


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Wagtail's permission policy for rows the town hall's staff handle without a Django
    permission to grant: ``actions`` are allowed to an open account that serves at least
    one commune (``scope.staff_communes``) or sees every commune, on the rows of ``scope``.
    Subclasses name the actions and the scope (``ScopedPermissionPolicy`` is abstract)."""

    actions: frozenset[str] = frozenset()
    scope: CommuneScope

    def _serves_a_commune(self, user) -> bool:
        # One answer per request and rule: policies sharing ``staff_communes`` share it.
        rule = self.scope.staff_communes
        cache = f"_serves_{getattr(rule, '__module__', '')}.{getattr(rule, '__qualname__', '')}"
        cached = getattr(user, cache, None)
        if cached is None:
            cached = bool(user.is_authenticated) and (
                self.scope.sees_every_commune(user) or self.scope.staff_communes(user).exists()
            )
            if user.is_authenticated:
                setattr(user, cache, cached)
        return cached

    def user_has_permission(self, user, action):
        if action not in self.actions or not is_open_account(user):
            return False
        return self._serves_a_commune(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return self._rows(user).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self._rows(user)

    def _rows(self, user) -> QuerySet:
        return self.scope.filter(self.model._default_manager.all(), user=user)


# --- the views ---------------------------------------------------------------------------


class CommuneScopedViewMixin:
    """A view of a scoped viewset: ``commune_scope`` is given by the viewset."""

    commune_scope: CommuneScope | None = None
    request: HttpRequest

    def scoped(self, queryset: QuerySet) -> QuerySet:
        assert self.commune_scope is not None, "the viewset gives the scope"
        return self.commune_scope.for_request(queryset, self.request)


class IndexView(CommuneScopedViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped(super().get_base_queryset())


class EditView(CommuneScopedViewMixin, generic.EditView):
    def get_queryset(self):
        return self.scoped(super().get_queryset())


class DeleteView(CommuneScopedViewMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped(super().get_queryset())


class InspectView(CommuneScopedViewMixin, generic.InspectView):
    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.model._default_manager.all()
        return get_object_or_404(self.scoped(queryset), pk=unquote(str(self.pk)))


class HistoryView(CommuneScopedViewMixin, WagtailHistoryView):
    def get_base_object_queryset(self):
        return self.scoped(super().get_base_object_queryset())


class UsageView(CommuneScopedViewMixin, WagtailUsageView):
    def get_base_object_queryset(self):
        return self.scoped(super().get_base_object_queryset())


# Wagtail's views that name a row, and the scoped view each must be built on.
SCOPED_VIEWS = (
    (generic.IndexView, IndexView),
    (generic.EditView, EditView),
    (generic.DeleteView, DeleteView),
    (generic.InspectView, InspectView),
    (WagtailHistoryView, HistoryView),
    (WagtailUsageView, UsageView),
    (generic.CopyView, None),  # a copy would read any row: scoped viewsets have none
)


class CommuneScopedViewSetMixin:
    """A Wagtail ``ModelViewSet`` whose views and menu item keep to ``commune_scope``.

    The default view classes are the scoped ones; a view class of the viewset that
    reads rows without the scope stops start-up (``ImproperlyConfigured``), so a
    forgotten override cannot show another commune's rows.
    """

    commune_scope: CommuneScope | None = None
    copy_view_enabled = False
    index_view_class = IndexView
    edit_view_class = EditView
    delete_view_class = DeleteView
    inspect_view_class = InspectView
    history_view_class = HistoryView
    usage_view_class = UsageView

    def construct_view(self, view_class, **kwargs):
        if self.commune_scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no commune_scope.")
        for wagtail_view, scoped_view in SCOPED_VIEWS:
            if issubclass(view_class, wagtail_view) and (
                scoped_view is None or not issubclass(view_class, scoped_view)
            ):
                raise ImproperlyConfigured(
                    f"{view_class.__name__} reads {self.model.__name__} rows without the "
                    f"commune scope: build it on core.admin_scope's views."
                )
        return super().construct_view(view_class, commune_scope=self.commune_scope, **kwargs)

    @cached_property
    def menu_item_class(self):
        base = super().menu_item_class
        scope = self.commune_scope

        def is_shown(item, request):
            return base.is_shown(item, request) and scope.serves(request)

        return type(base.__name__, (base,), {"is_shown": is_shown})


class ServiceSaveMixin:
    """For a Wagtail create or edit view whose ``save_instance`` calls an app's service:
    the service's ValidationError lands on the form's fields (``core.forms.service_errors``)
    and the page is shown again with Wagtail's error message, instead of a 500."""

    def form_valid(self, form):
        from core.forms import service_errors

        self.form = form
        with service_errors(form) as call:
            self.object = self.save_instance()
        if not call.ok:
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()
