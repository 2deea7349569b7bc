"""Wagtail admin of comments ("Commentaires"): the town hall reads its news' comments and
answers as the town hall (CNT-1). No delete: moderation comes with issue 17.

The scope is ``selectors.STAFF_SCOPE`` (``core.admin_scope``): the commune of the host,
or, on the platform's host, the communes where the person publishes (every commune for
superusers). A comment out of scope answers 404, like one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communes.models import NewsPage
from conversations.models import BODY_MAX_LENGTH
from conversations.selectors import (
    STAFF_SCOPE,
    access_comment_for_staff,
    can_answer_as_town_hall,
    comments_for_staff,
    news_for_staff,
    replies_of,
    town_hall_name,
)
from conversations.services import comment_create
from core.forms import service_errors
from privacy.matrix import attach_cards

TITLE = gettext_lazy("Comments")
PAGE_SIZE = 30


def _host_commune(request):
    return getattr(request, "commune", None)


def _with_pages(comments) -> list:
    """Set ``news`` on each comment: its news page, in one query for the list."""
    comments = list(comments)
    pages = NewsPage.objects.filter(pk__in={c.target_id for c in comments}).only(
        "title", "url_path"
    )
    by_id = {page.pk: page for page in pages}
    for comment in comments:
        comment.news = by_id.get(comment.target_id)
    return comments


class CommentListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "conversations/admin/comments.html"
    page_title = TITLE
    header_icon = "comment"

    def get_breadcrumbs_items(self):
        # Wagtail's header shows the breadcrumbs when there are any: end them with the
        # page's own title, or the header reads "Accueil".
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        commune = _host_commune(request)
        raw = request.GET.get("news", "")
        news_id = int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else None
        comments = comments_for_staff(user=request.user, commune=commune, page_id=news_id)
        page_obj = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("p"))
        rows = _with_pages(page_obj.object_list)
        attach_cards(request.user, rows, "author", public_author=True)
        context.update(
            comments=rows,
            page_obj=page_obj,
            news_choices=news_for_staff(user=request.user, commune=commune).only("title"),
            news_id=news_id,
        )
        return context


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Write your comment.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    as_town_hall = forms.BooleanField(
        label=gettext_lazy("Answer as the town hall"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "Signed with the name of the town hall and your role, never your e-mail address."
        ),
    )


class CommentReplyView(WagtailAdminTemplateMixin, FormView):
    template_name = "conversations/admin/reply.html"
    form_class = ReplyForm
    page_title = gettext_lazy("Answer a comment")
    header_icon = "comment"

    def dispatch(self, request, *args, **kwargs):
        self.comment = access_comment_for_staff(
            request.user, kwargs["pk"], commune=_host_commune(request)
        )
        if self.comment.parent_id is not None:  # answer the thread's top comment
            self.comment = access_comment_for_staff(
                request.user, self.comment.parent_id, commune=_host_commune(request)
            )
        self.news = NewsPage.objects.filter(pk=self.comment.target_id).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not can_answer_as_town_hall(self.request.user, self.comment.commune):
            del form.fields["as_town_hall"]
        return form

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("conversations_admin:comments"), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        thread = [self.comment, *replies_of([self.comment.pk])]
        attach_cards(self.request.user, thread, "author", public_author=True)
        context.update(
            comment=self.comment,
            replies=thread[1:],
            news=self.news,
            town_hall=town_hall_name(self.comment.commune),
            action_url=reverse("conversations_admin:reply", args=[self.comment.pk]),
        )
        return context

    def form_valid(self, form):
        if self.news is None:
            form.add_error(None, _("This news item no longer exists."))
            return self.form_invalid(form)
        with service_errors(form) as call:
            comment_create(
                target=self.news,
                commune=self.comment.commune,
                author=self.request.user,
                body=form.cleaned_data["body"],
                parent=self.comment,
                as_town_hall=form.cleaned_data.get("as_town_hall", False),
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(self.request, _("Your answer is published under the news item."))
        return redirect("conversations_admin:comments")


class CommentsMenuItem(MenuItem):
    def is_shown(self, request):
        return STAFF_SCOPE.serves(request)


def menu_item():
    return CommentsMenuItem(
        TITLE,
        reverse("conversations_admin:comments"),
        icon_name="comment",
        order=260,
        name="comments",
    )


urlpatterns = [
    path("comments/", CommentListView.as_view(), name="comments"),
    path("comments/<int:pk>/reply/", CommentReplyView.as_view(), name="reply"),
]
