"""Site pages of suggestions, on the commune's host under /suggestions/ (SUG-1, SUG-2).

The core's guard answers 404 where the module is off; these pages are for the commune's
validated residents and staff (``communes.permissions``: a page explaining how to follow
the commune for the others, the login page explains them to visitors). A suggestion the
person may not see (another's proposal, another commune's, hidden) answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communes.permissions import validated_resident_required
from communes.selectors import follow_of
from conversations.selectors import town_hall_name
from conversations.threads import read_thread
from core import abuse
from core.access import explained
from core.forms import service_errors
from modules.suggestions.categories import default_categories
from modules.suggestions.forms import (
    SuggestionCommentEditForm,
    SuggestionCommentForm,
    SuggestionForm,
    VoteForm,
)
from modules.suggestions.models import Category, Suggestion
from modules.suggestions.selectors import (
    access_comment,
    access_own_comment,
    access_suggestion,
    active_categories,
    attach_vote_sides,
    can_comment,
    can_manage_suggestions,
    can_propose,
    can_vote,
    history_of,
    is_following,
    suggestions_for_list,
    suggestions_of_author,
    vote_of,
)
from modules.suggestions.services import (
    comment_change,
    comment_write,
    follow_set,
    suggestion_propose,
    vote_cast,
)
from privacy.matrix import attach_cards

PAGE_SIZE = 20
PITCH = gettext_lazy(
    "The residents of the commune propose their ideas to the town hall, and vote for or "
    "against the suggestions it publishes."
)


def _detail_url(suggestion, comment=None, anchor: str = "") -> str:
    url = reverse("suggestions:detail", args=[suggestion.pk])
    if comment is not None:
        return f"{url}#comment-{comment.pk}"
    return f"{url}#{anchor}" if anchor else url


def _filters(request, commune) -> tuple[str, int | None, list]:
    status = request.GET.get("status", "")
    if status not in Suggestion.PUBLIC_STATUSES:
        status = ""
    categories = list(Category.objects.filter(commune=commune).order_by("position", "name"))
    raw = request.GET.get("category", "")
    category = int(raw) if raw.isdigit() and any(c.pk == int(raw) for c in categories) else None
    return status, category, categories


@explained(gettext_lazy("Suggestions"), PITCH)
@validated_resident_required
@require_http_methods(["GET", "HEAD"])
def suggestion_list(request):
    commune = request.commune
    status, category, categories = _filters(request, commune)
    paginator = Paginator(
        suggestions_for_list(request.user, commune, status=status, category=category), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/list.html",
        {
            "page_obj": page,
            "suggestions": list(page.object_list),
            "status": status,
            "category": category,
            "statuses": [
                (value, label)
                for value, label in Suggestion.Status.choices
                if value in Suggestion.PUBLIC_STATUSES
            ],
            "categories": categories,
            "can_propose": can_propose(request.user, commune),
        },
    )


@explained(gettext_lazy("Propose a suggestion"), PITCH)
@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def suggestion_propose_view(request):
    commune = request.commune
    if not can_propose(request.user, commune):
        return render(
            request,
            "communes/resident_required.html",
            {"follow": follow_of(request.user, commune)},
            status=403,
        )
    default_categories(commune)
    categories = list(active_categories(commune))
    form = SuggestionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        categories=categories,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            suggestion = suggestion_propose(
                commune=commune,
                author=request.user,
                category_id=data["category"],
                title=data["title"],
                description=data["description"],
                photo=data.get("photo"),
            )
        if call.ok:
            abuse.tell_written(
                request,
                suggestion,
                _("Your suggestion is sent: the town hall will read it and answer you."),
            )
            return redirect("suggestions:detail", pk=suggestion.pk)
    return render(
        request,
        "suggestions/propose.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@explained(gettext_lazy("My suggestions"), PITCH)
@validated_resident_required
@require_http_methods(["GET", "HEAD"])
def my_suggestions(request):
    paginator = Paginator(suggestions_of_author(request.user, request.commune), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/mine.html",
        {"page_obj": page, "suggestions": list(page.object_list)},
    )


def _vote_form(vote, data=None) -> VoteForm:
    initial = {}
    if vote is not None:
        initial = {"side": "for" if vote.in_favour else "against"}
    return VoteForm(data, initial=initial, prefix="vote")


@explained(gettext_lazy("A suggestion"), PITCH)
@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def suggestion_detail(request, pk: int):
    """The suggestion, its vote form, its follow-up and its comments; POST writes a comment
    or an answer (the vote has its own address)."""
    commune = request.commune
    user = request.user
    suggestion = access_suggestion(user, pk, commune=commune)
    manager = can_manage_suggestions(user, commune)
    writable = can_comment(user, suggestion, manager=manager)
    town_hall = town_hall_name(commune)
    comment_form = None
    if writable:
        comment_form = SuggestionCommentForm(
            request.POST if request.method == "POST" else None,
            initial={"parent": request.GET.get("reply")},
            can_sign=manager,
            town_hall=town_hall,
        )
    if request.method == "POST":
        if comment_form is None:
            messages.error(request, _("Comments are closed on this suggestion."))
            return redirect(_detail_url(suggestion))
        if comment_form.is_valid():
            data = comment_form.cleaned_data
            parent = None
            if data["parent"]:
                try:
                    parent = access_comment(suggestion, data["parent"])
                except Http404:
                    comment_form.add_error(None, _("This comment cannot be answered here."))
            if not comment_form.errors:
                with service_errors(comment_form) as call:
                    comment = comment_write(
                        suggestion=suggestion,
                        author=user,
                        body=data["body"],
                        parent=parent,
                        as_town_hall=data.get("as_town_hall", False),
                    )
                if call.ok:
                    abuse.tell_written(request, comment, _("Your comment is published."))
                    return redirect(_detail_url(suggestion, comment))
    attach_cards(user, [suggestion], "author", public_author=True)
    thread = read_thread(request, suggestion) if suggestion.is_public else None
    comments = attach_vote_sides(suggestion, thread.comments) if thread else []
    reply_to = None
    if thread is not None and writable:
        raw = request.GET.get("reply", "")
        if raw.isdigit():
            reply_to = next((c for c in thread.comments if c.pk == int(raw)), None)
    vote = vote_of(user, suggestion)
    votable = can_vote(user, suggestion)
    return render(
        request,
        "suggestions/detail.html",
        {
            "suggestion": suggestion,
            "manager": manager,
            "is_author": suggestion.author_id == user.pk,
            "vote": vote,
            "votable": votable,
            "vote_form": _vote_form(vote) if votable else None,
            "following": is_following(user, suggestion),
            "history": list(history_of(suggestion)) if suggestion.is_public else [],
            "thread": thread,
            "comments": comments,
            "form": comment_form,
            "writable": writable,
            "reply_to": reply_to,
            "town_hall": town_hall,
            "commune": commune,
            "viewer_id": user.pk,
            "statuses": Suggestion.Status,
        },
        status=400 if request.method == "POST" else 200,
    )


@validated_resident_required
@require_POST
def vote_view(request, pk: int):
    suggestion = access_suggestion(request.user, pk, commune=request.commune)
    form = _vote_form(None, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose for or against."))
        return redirect(_detail_url(suggestion, anchor="vote"))
    with service_errors() as call:
        vote = vote_cast(
            suggestion=suggestion,
            user=request.user,
            in_favour=form.in_favour,
            comment=form.cleaned_data["comment"],
        )
    if not call.ok:
        messages.error(request, call.error)
        return redirect(_detail_url(suggestion, anchor="vote"))
    if vote.comment is not None and vote.comment.hidden_at is not None:
        messages.warning(request, str(abuse.HELD_MESSAGE))
    else:
        messages.success(request, _("Your vote is recorded."))
    return redirect(_detail_url(suggestion, anchor="vote"))


@validated_resident_required
@require_POST
def follow_view(request, pk: int):
    suggestion = access_suggestion(request.user, pk, commune=request.commune)
    on = request.POST.get("on") == "1"
    with service_errors() as call:
        follow_set(suggestion=suggestion, user=request.user, on=on)
    if not call.ok:
        messages.error(request, call.error)
    elif on:
        messages.success(request, _("You will be told of the follow-up of this suggestion."))
    else:
        messages.success(request, _("You no longer follow this suggestion."))
    return redirect(_detail_url(suggestion))


@validated_resident_required
@require_http_methods(["GET", "HEAD"])
def photo_view(request, pk: int):
    """The photo, for those who see the suggestion (private storage, never a public URL)."""
    suggestion = access_suggestion(request.user, pk, commune=request.commune)
    return private_photo(suggestion)


def private_photo(suggestion) -> FileResponse:
    if not suggestion.photo:
        raise Http404
    try:
        handle = suggestion.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type="image/jpeg",
        as_attachment=False,
        filename=f"suggestion-{suggestion.pk}.jpg",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit_view(request, pk: int, comment_id: int):
    """The author edits their comment; anyone else gets a 404 (not theirs)."""
    suggestion = access_suggestion(request.user, pk, commune=request.commune)
    comment = access_own_comment(request.user, suggestion, comment_id)
    form = SuggestionCommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            comment = comment_change(
                comment=comment,
                suggestion=suggestion,
                by=request.user,
                body=form.cleaned_data["body"],
            )
        if call.ok:
            messages.success(request, _("Your comment is saved."))
            return redirect(_detail_url(suggestion, comment))
    return render(
        request,
        "suggestions/comment_form.html",
        {
            "form": form,
            "suggestion": suggestion,
            "comment": comment,
            "back_url": _detail_url(suggestion, comment),
        },
    )
