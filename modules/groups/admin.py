"""Wagtail admin of discussion groups (CNT-4): the town hall creates its groups, pins,
closes and archives them, and decides who joins an on-request group.

Both viewsets are scoped by ``core.admin_scope`` (``selectors.STAFF_SCOPE`` and
``MEMBER_SCOPE``): the host's commune, or on the platform's host the communes that have
the module on and where the person publishes. Saving goes through the services.
Staff answer in a group as the town hall from the group's page on the commune's site.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from conversations.models import BODY_MAX_LENGTH
from conversations.selectors import town_hall_name
from conversations.threads import attach_replies
from core import admin_scope
from core.forms import service_errors
from modules.groups.models import Group, GroupMember
from modules.groups.selectors import MEMBER_SCOPE, STAFF_SCOPE, posts_of
from modules.groups.services import group_create, group_update, membership_decide, post_create
from privacy.matrix import attach_cards


class GroupForm(WagtailAdminModelForm):
    closed = forms.BooleanField(
        label=_("Closed"),
        required=False,
        help_text=_("A closed group can be read, not written in."),
    )
    archived = forms.BooleanField(
        label=_("Archived"),
        required=False,
        help_text=_("An archived group leaves the list; its members can still read it."),
    )

    class Meta:
        model = Group
        fields = ["commune", "title", "description", "access", "pinned"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, for_user=None, commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        communes = STAFF_SCOPE.communes(user=for_user, commune=commune)
        self.fields["commune"].queryset = communes
        if self.instance.pk:
            self.fields["commune"].disabled = True
            self.fields["closed"].initial = self.instance.closed_at is not None
            self.fields["archived"].initial = self.instance.archived_at is not None
        else:
            del self.fields["closed"]
            del self.fields["archived"]
            if communes.count() == 1:
                self.fields["commune"].initial = communes.first()


class _ServiceSaveMixin:
    def form_valid(self, form):
        self.form = form
        with service_errors(form) as call:
            self.object = self.save_instance()
        if not call.ok:
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class GroupCreateView(_ServiceSaveMixin, generic.CreateView):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["commune"] = getattr(self.request, "commune", None)
        return kwargs

    def save_instance(self):
        data = self.form.cleaned_data
        return group_create(
            commune=data["commune"],
            by=self.request.user,
            title=data["title"],
            description=data["description"],
            access=data["access"],
            pinned=data["pinned"],
        )


class GroupEditView(_ServiceSaveMixin, admin_scope.EditView):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["commune"] = getattr(self.request, "commune", None)
        return kwargs

    def save_instance(self):
        data = self.form.cleaned_data
        return group_update(
            group=Group.objects.select_related("commune").get(pk=self.object.pk),
            by=self.request.user,
            title=data["title"],
            description=data["description"],
            access=data["access"],
            pinned=data["pinned"],
            closed=data["closed"],
            archived=data["archived"],
        )


def _state(group: Group) -> str:
    if group.archived_at:
        return str(_("Archived"))
    if group.closed_at:
        return str(_("Closed"))
    return str(_("Open for posts"))


class GroupIndexView(admin_scope.IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            MenuItem(
                _("Answer as the town hall"),
                url=reverse("groups_admin:reply", args=[instance.pk]),
                icon_name="comment",
                priority=20,
            ),
        ]


REPLY_POSTS = 10


class TownHallPostForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Signed with the name of the town hall and your role, never your e-mail address."
        ),
    )
    parent = forms.TypedChoiceField(
        label=_("In answer to"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [
            ("", gettext("A new message")),
            *[(post.pk, post.body[:60]) for post in posts],
        ]


class GroupReplyView(WagtailAdminTemplateMixin, FormView):
    """The town hall writes in a group, or answers one of its latest posts, signed
    "Mairie de …" with the staff member's role (CNT-4)."""

    template_name = "groups/admin/reply.html"
    form_class = TownHallPostForm
    page_title = _("Answer as the town hall")
    header_icon = "comment"

    def dispatch(self, request, *args, **kwargs):
        groups = STAFF_SCOPE.for_request(Group.objects.select_related("commune"), request)
        self.group = get_object_or_404(groups, pk=kwargs["pk"])
        self.posts = list(posts_of(self.group)[:REPLY_POSTS])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "posts": self.posts}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("groups_admin:index"), "label": _("Discussion groups")},
            {"url": "", "label": self.group.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_replies(self.request.user, self.posts)  # thread_replies and cards, one query each
        context.update(
            group=self.group,
            posts=self.posts,
            town_hall=town_hall_name(self.group.commune),
            action_url=reverse("groups_admin:reply", args=[self.group.pk]),
        )
        return context

    def form_valid(self, form):
        parent_id = form.cleaned_data.get("parent")
        parent = next((post for post in self.posts if post.pk == parent_id), None)
        with service_errors(form) as call:
            post_create(
                group=self.group,
                author=self.request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                as_town_hall=True,
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(self.request, gettext("The town hall's message is published."))
        return redirect("groups_admin:reply", pk=self.group.pk)


class GroupViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Group
    name = "groups"
    url_namespace = "groups_admin"
    icon = "group"
    # Short: Wagtail's sidebar cuts labels at about 18 characters.
    menu_label = pgettext_lazy("admin menu", "Groups")
    add_to_admin_menu = True
    menu_order = 420

    commune_scope = STAFF_SCOPE
    index_view_class = GroupIndexView
    add_view_class = GroupCreateView
    edit_view_class = GroupEditView
    form_fields = ["commune", "title", "description", "access", "pinned"]
    list_display = [
        "title",
        "commune",
        "access",
        "pinned",
        Column("state", label=_("state"), accessor=_state),
        "last_post_at",
    ]
    list_filter = ["access", "pinned"]
    search_fields = ["title"]
    search_backend_name = None
    ordering = ["-pinned", "-created_at", "-pk"]

    def get_form_class(self, for_update=False):
        return GroupForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/reply/", GroupReplyView.as_view(), name="reply"),
        ]


class DecisionForm(WagtailAdminModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = GroupMember
        fields: list[str] = []


class GroupMemberIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("group")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        object_list = attach_cards(self.request.user, object_list, "user")
        return paginator, page, object_list, is_paginated


class GroupMemberDecideView(_ServiceSaveMixin, admin_scope.EditView):
    def save_instance(self):
        return membership_decide(
            member=GroupMember.objects.select_related("group__commune").get(pk=self.object.pk),
            by=self.request.user,
            accept=self.form.cleaned_data["decision"] == "accept",
        )


class GroupMemberViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = GroupMember
    name = "group_requests"
    url_namespace = "group_requests_admin"
    icon = "user"
    menu_label = pgettext_lazy("admin menu", "Join requests")
    add_to_admin_menu = True
    menu_order = 421

    commune_scope = MEMBER_SCOPE
    index_view_class = GroupMemberIndexView
    edit_view_class = GroupMemberDecideView
    form_fields: list[str] = []
    list_display = [
        Column("person", label=_("person"), accessor=lambda m: m.user_card.display_name),
        "group",
        "status",
        "created_at",
    ]
    list_filter = ["status"]
    ordering = ["status", "-created_at", "-pk"]

    def get_form_class(self, for_update=False):
        return DecisionForm
