"""Site pages of comments (CNT-1), on the commune's host under /commentaires/.

The thread itself shows under the news page (``{% news_comments page %}``); these
views take its form: publish a comment or an answer, and the author's edit page. They
are for the commune's validated residents and staff (``communes.permissions``); a
missing page or comment, another commune's and one the person may not touch answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from communes.permissions import validated_resident_required
from conversations.forms import CommentEditForm, CommentForm
from conversations.notify import comment_path
from conversations.selectors import (
    access_news,
    access_own_comment,
    can_answer_as_town_hall,
    can_comment,
    comments_on,
    town_hall_name,
)
from conversations.services import comment_create, comment_edit
from core import abuse
from core.access import explained
from core.forms import service_errors


def _page_url(request, page) -> str:
    return page.relative_url(request.commune.site, request)


@explained(
    gettext_lazy("Comment a news item"),
    gettext_lazy("The residents of the commune comment on the news of their town hall."),
)
@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_create_view(request, page_id: int):
    commune = request.commune
    page = access_news(request.user, page_id, commune=commune)
    if not can_comment(request.user, page, commune):
        messages.error(request, _("Comments are closed on this page."))
        return redirect(f"{_page_url(request, page)}#comments")
    form = CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"parent": request.GET.get("reply")},
        can_sign=can_answer_as_town_hall(request.user, commune),
        town_hall=town_hall_name(commune),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = None
        if data["parent"]:
            parent = comments_on(page).filter(pk=data["parent"]).first()
            if parent is None:
                form.add_error(None, _("This comment cannot be answered here."))
        if not form.errors:
            with service_errors(form) as call:
                comment = comment_create(
                    target=page,
                    commune=commune,
                    author=request.user,
                    body=data["body"],
                    parent=parent,
                    as_town_hall=data.get("as_town_hall", False),
                )
            if call.ok:
                abuse.tell_written(request, comment, _("Your comment is published."))
                return redirect(comment_path(comment, page))
    return render(
        request,
        "conversations/comment_form.html",
        {
            "form": form,
            "page": page,
            "action": request.get_full_path(),
            "back_url": f"{_page_url(request, page)}#comments",
        },
    )


@explained(
    gettext_lazy("Edit a comment"),
    gettext_lazy("The author of a comment changes it here while comments are open."),
)
@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit_view(request, pk: int):
    """The author edits their comment; anyone else gets a 404 (not theirs)."""
    commune = request.commune
    comment, page = access_own_comment(request.user, pk, commune=commune)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            comment = comment_edit(
                comment=comment,
                target=page,
                commune=commune,
                by=request.user,
                body=form.cleaned_data["body"],
            )
        if call.ok:
            messages.success(request, _("Your comment is saved."))
            return redirect(comment_path(comment, page))
    return render(
        request,
        "conversations/comment_form.html",
        {
            "form": form,
            "page": page,
            "comment": comment,
            "action": request.get_full_path(),
            "back_url": comment_path(comment, page),
        },
    )
