"""Suggestions in the Wagtail admin: the town hall's decisions and its categories (SUG-1, SUG-2).

* "Suggestions (n)": the commune's suggestions, the waiting proposals first (their number
  in the menu label and on the dashboard's to-do list), filtered by status and category.
  A suggestion opens on its decision page: the proposal (its photo through a view that
  checks the scope), its totals and history; Accept / Refuse (with a reason sent to its
  author) while it waits, then "Change the status" with a public note and "Close voting".
* "Catégories de suggestions": the commune's categories (add, rename, order by position,
  retire; delete only while unused).

Every view keeps to the communes of the staff member (``selectors.STAFF_SCOPE``); the
writes go through ``staff`` (the same rules as the API).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from core import admin_scope
from core.admin_menu import CountedMenuItem
from core.forms import service_errors
from modules.suggestions import staff
from modules.suggestions.categories import default_categories
from modules.suggestions.models import CATEGORY_MAX_LENGTH, NOTE_MAX_LENGTH, Category, Suggestion
from modules.suggestions.selectors import STAFF_SCOPE, can_manage_suggestions
from privacy.matrix import attach_cards

Status = Suggestion.Status


def waiting_in_scope(request):
    return STAFF_SCOPE.for_request(
        Suggestion.objects.filter(status=Status.PROPOSED, hidden_at__isnull=True), request
    )


# --- the suggestions ---------------------------------------------------------------------


class SuggestionsMenuItem(CountedMenuItem):
    """ "Suggestions (n)": the proposals waiting for a decision in the person's scope."""

    def count(self, request) -> int:
        return waiting_in_scope(request).count()


class _CountedMenu:
    """Put before ``ModelViewSet``: its menu item counts the waiting proposals (and is
    thereby listed on the dashboard's to-do panel)."""

    @cached_property
    def menu_item_class(self):
        base = super().menu_item_class
        return type(base.__name__, (SuggestionsMenuItem, base), {})


def _categories(request):
    if request is None:
        return Category.objects.none()
    return STAFF_SCOPE.for_request(Category.objects.all(), request).order_by("position", "name")


class SuggestionFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=Status.choices)
    category = django_filters.ModelChoiceFilter(label=_("category"), queryset=_categories)

    class Meta:
        model = Suggestion
        fields = ["status", "category"]


def _totals(suggestion: Suggestion) -> str:
    if not suggestion.is_public:
        return ""
    return gettext("%(for)s for · %(against)s against") % {
        "for": suggestion.votes_for,
        "against": suggestion.votes_against,
    }


class SuggestionIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("category", "commune")

    def order_queryset(self, queryset):
        if self.request.GET.get("ordering"):
            return super().order_queryset(queryset)
        # The waiting proposals first, then the others; the newest first in each.
        return queryset.annotate(
            waiting=Case(
                When(status=Status.PROPOSED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("waiting", "-created_at", "-pk")

    def get_edit_url(self, instance):
        return reverse("suggestions_admin:decide", args=[instance.pk])


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the author only, never published."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(status.value, status.label) for status in staff.FOLLOW_UP_STATUSES],
    )
    note = forms.CharField(
        label=_("Public note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown to the residents with the status and sent to the suggestion's followers; "
            "required for “Carried out” and “Not retained”, which close voting."
        ),
    )


class SuggestionDecideView(WagtailAdminTemplateMixin, TemplateView):
    """Read a suggestion and decide on it (accept or refuse), then follow it up."""

    template_name = "suggestions/admin/decide.html"
    header_icon = "help"
    ACTIONS = ("accept", "refuse", "status", "close")

    def dispatch(self, request, *args, **kwargs):
        suggestions = STAFF_SCOPE.for_request(
            Suggestion.objects.select_related("commune", "category"), request
        )
        self.suggestion = get_object_or_404(suggestions, pk=kwargs["pk"])
        if not can_manage_suggestions(request.user, self.suggestion.commune):
            raise Http404
        self.refuse_form = RefuseForm(prefix="refuse")
        self.status_form = StatusForm(prefix="status")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return gettext("Suggestion")

    def get_page_subtitle(self):
        return self.suggestion.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("suggestions_admin:index"), "label": gettext("Suggestions")},
            {"url": "", "label": self.suggestion.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        suggestion = self.suggestion
        attach_cards(self.request.user, [suggestion], "author")
        context.update(
            suggestion=suggestion,
            history=list(suggestion.history.select_related("by").order_by("created_at", "pk")),
            totals=_totals(suggestion),
            waiting=suggestion.status == Status.PROPOSED,
            refuse_form=self.refuse_form,
            status_form=self.status_form,
            action_url=reverse("suggestions_admin:decide", args=[suggestion.pk]),
            photo_url=(
                reverse("suggestions_admin:photo", args=[suggestion.pk]) if suggestion.photo else ""
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.ACTIONS:
            return self.get(request, *args, **kwargs)
        form = None
        if action == "refuse":
            form = self.refuse_form = RefuseForm(request.POST, prefix="refuse")
        elif action == "status":
            form = self.status_form = StatusForm(request.POST, prefix="status")
        if form is not None and not form.is_valid():
            return self.get(request, *args, **kwargs)
        data = form.cleaned_data if form is not None else {}
        with service_errors(form) as call:
            if action == "accept":
                staff.suggestion_accept(suggestion=self.suggestion, by=request.user)
                done = gettext("The suggestion is published; the residents are told.")
            elif action == "refuse":
                staff.suggestion_refuse(
                    suggestion=self.suggestion, by=request.user, reason=data["reason"]
                )
                done = gettext("The suggestion is refused; its author is told.")
            elif action == "status":
                staff.status_set(
                    suggestion=self.suggestion,
                    by=request.user,
                    status=data["status"],
                    note=data["note"],
                )
                done = gettext("The status is changed; the followers are told.")
            else:
                staff.voting_close(suggestion=self.suggestion, by=request.user)
                done = gettext("Voting is closed.")
        if not call.ok:
            if form is None:
                messages.error(request, call.error)
                return redirect("suggestions_admin:decide", pk=self.suggestion.pk)
            return self.get(request, *args, **kwargs)
        messages.success(request, done)
        return HttpResponseRedirect(reverse("suggestions_admin:decide", args=[self.suggestion.pk]))


@require_GET
def suggestion_photo(request, pk: int):
    """The proposal's photo, for the staff who handle it (private storage)."""
    suggestions = STAFF_SCOPE.for_request(Suggestion.objects.select_related("commune"), request)
    suggestion = get_object_or_404(suggestions, pk=pk)
    if not suggestion.photo or not can_manage_suggestions(request.user, suggestion.commune):
        raise Http404
    try:
        handle = suggestion.photo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type="image/jpeg", filename=f"suggestion-{suggestion.pk}.jpg"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class SuggestionHistoryView(admin_scope.HistoryView):
    # Staff only "view" a suggestion in the admin (its decisions go through staff.py's
    # rules on the decision page): reading its history needs no more.
    any_permission_required = ["view"]

    def get_edit_url(self, instance):
        # Nobody edits a suggestion: the header's button and breadcrumb lead to the
        # decision page, where the town hall acts on it.
        return reverse("suggestions_admin:decide", args=[instance.pk])


class SuggestionViewSet(admin_scope.CommuneScopedViewSetMixin, _CountedMenu, ModelViewSet):
    model = Suggestion
    name = "suggestions"
    url_namespace = "suggestions_admin"
    icon = "help"
    menu_label = pgettext_lazy("admin menu", "Suggestions")
    add_to_admin_menu = True
    menu_order = 440

    commune_scope = STAFF_SCOPE
    index_view_class = SuggestionIndexView
    history_view_class = SuggestionHistoryView
    inspect_view_enabled = False
    form_fields: list[str] = []
    filterset_class = SuggestionFilterSet
    list_display = [
        "title",
        "category",
        "status",
        Column("totals", label=capfirst(_("votes")), accessor=_totals),
        "created_at",
        "commune",
    ]
    search_fields = ["title"]
    search_backend_name = None

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/decide/", SuggestionDecideView.as_view(), name="decide"),
            path("<int:pk>/photo/", suggestion_photo, name="photo"),
        ]


# --- the categories ----------------------------------------------------------------------


class CategoryForm(WagtailAdminModelForm):
    class Meta:
        model = Category
        fields = ["commune", "name", "position", "active"]

    def __init__(self, *args, for_user=None, commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        communes = STAFF_SCOPE.communes(user=for_user, commune=commune)
        self.fields["commune"].queryset = communes
        self.fields["name"].max_length = CATEGORY_MAX_LENGTH
        self.fields["position"].help_text = _("Residents see the categories by this order.")
        self.fields["active"].help_text = _(
            "Untick to retire the category: its suggestions keep it, residents no longer choose it."
        )
        if self.instance.pk:
            self.fields["commune"].disabled = True
        elif communes.count() == 1:
            self.fields["commune"].initial = communes.first()

    def validate_unique(self):
        pass  # the service says it in French, on the name


class _ServiceSaveMixin(admin_scope.ServiceSaveMixin):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["commune"] = getattr(self.request, "commune", None)
        return kwargs


class CategoryCreateView(_ServiceSaveMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return staff.category_create(
            commune=data["commune"],
            by=self.request.user,
            name=data["name"],
            position=data["position"],
            active=data["active"],
        )


class CategoryEditView(_ServiceSaveMixin, admin_scope.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return staff.category_update(
            category=Category.objects.select_related("commune").get(pk=self.object.pk),
            by=self.request.user,
            name=data["name"],
            position=data["position"],
            active=data["active"],
        )


class CategoryDeleteView(admin_scope.DeleteView):
    def delete_action(self):
        staff.category_delete(category=self.object, by=self.request.user)


class CategoryIndexView(admin_scope.IndexView):
    def get(self, request, *args, **kwargs):
        commune = getattr(request, "commune", None)
        if commune is not None and can_manage_suggestions(request.user, commune):
            default_categories(commune)  # a commune without categories starts with these
        return super().get(request, *args, **kwargs)

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("commune")
            .annotate(used=Count("suggestions"))
        )


class CategoryViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Category
    name = "suggestion_categories"
    url_namespace = "suggestion_categories_admin"
    icon = "tag"
    # Short: Wagtail's sidebar cuts labels at about 18 characters.
    menu_label = pgettext_lazy("admin menu", "Suggestion topics")
    add_to_admin_menu = True
    menu_order = 441

    commune_scope = STAFF_SCOPE
    index_view_class = CategoryIndexView
    add_view_class = CategoryCreateView
    edit_view_class = CategoryEditView
    delete_view_class = CategoryDeleteView
    form_fields = ["commune", "name", "position", "active"]
    list_display = [
        "name",
        "position",
        "active",
        Column("used", label=capfirst(_("suggestions")), accessor="used"),
        "commune",
    ]
    list_filter = ["active"]
    ordering = ["commune", "position", "name"]
    sort_order_field = None

    def get_form_class(self, for_update=False):
        return CategoryForm
