"""Site pages of private messages (CNT-3, TWN-3), under /messages/ on every host.

Thin: selectors read, services write, the privacy matrix shows people. They work
without JavaScript: choosing recipients is a GET form (search, "Ajouter", "Retirer"),
the chosen people travel as ``to`` parameters. A thread that is not yours answers 404.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.request import Request

from communes.models import Commune
from communes.selectors import resident_communes
from core import abuse
from core.forms import service_errors
from core.ids import MAX_ID
from messaging import selectors, services
from messaging.forms import MessageForm, NewThreadForm, RecipientSearchForm
from messaging.pagination import InboxCursorPagination, MessageCursorPagination
from messaging.threads import attach_authors, attach_participants
from privacy.matrix import attach_cards, people_cards


def _open_or_404(user) -> None:
    if not selectors.is_open_account(user):
        raise Http404


def _ids(values: list[str]) -> list[int]:
    result: list[int] = []
    for value in values:
        if value.isdigit() and 0 < int(value) < MAX_ID and int(value) not in result:
            result.append(int(value))
    return result


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox_view(request):
    _open_or_404(request.user)
    paginator = InboxCursorPagination()
    rows = list(paginator.paginate_queryset(selectors.inbox(request.user), Request(request)) or [])
    attach_participants(request.user, rows)
    return render(
        request,
        "messaging/inbox.html",
        {
            "rows": rows,
            "next_link": paginator.get_next_link(),
            "previous_link": paginator.get_previous_link(),
            "town_halls": resident_communes(request.user),
            "can_write": selectors.reachable_communities(request.user) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_thread_view(request):
    _open_or_404(request.user)
    data = request.POST if request.method == "POST" else request.GET
    chosen = _ids(data.getlist("to"))
    if data.get("add", "").isdigit():
        chosen = _ids([*map(str, chosen), data["add"]])
    if data.get("remove", "").isdigit():
        chosen = [pk for pk in chosen if pk != int(data["remove"])]
    reachable = selectors.reachable_people(request.user)
    chosen = [
        pk
        for pk in chosen
        if pk in set(reachable.filter(pk__in=chosen).values_list("pk", flat=True))
    ]
    too_many = len(chosen) > services.max_recipients()
    search = RecipientSearchForm(request.GET if request.method == "GET" else None)
    results = []
    query = ""
    query_too_short = False
    if search.is_valid():
        query = search.cleaned_data["q"].strip()
        query_too_short = 0 < len(query) < 2  # one letter would list half the community
        if not query_too_short and query:
            found = list(
                selectors.search_recipients(request.user, query).values_list("pk", flat=True)
            )
            results = people_cards(
                request.user,
                get_user_model().objects.filter(pk__in=[pk for pk in found if pk not in chosen]),
            )
    chips = (
        people_cards(request.user, get_user_model().objects.filter(pk__in=chosen)) if chosen else []
    )
    form = NewThreadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        people = list(get_user_model().objects.filter(pk__in=chosen))
        with service_errors(form) as call:
            thread = services.thread_start(
                author=request.user,
                recipients=people,
                body=form.cleaned_data["body"],
                subject=form.cleaned_data["subject"],
            )
        if call.ok:
            abuse.tell_written(request, thread, _("Your message is sent."))
            return redirect("messaging:thread", pk=thread.pk)
    return render(
        request,
        "messaging/new.html",
        {
            "form": form,
            "search": search,
            "query": query,
            "query_too_short": query_too_short,
            "results": results,
            "chips": chips,
            "chosen": chosen,
            "too_many": too_many,
            "max_recipients": services.max_recipients(),
            "can_write": selectors.reachable_communities(request.user) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_view(request, pk: int):
    row = selectors.access_thread(request.user, pk)
    thread = row.thread
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            message = services.message_send(
                thread=thread, author=request.user, body=form.cleaned_data["body"]
            )
        if call.ok:
            abuse.tell_written(request, message, _("Your message is sent."))
            return redirect(f"{reverse('messaging:thread', args=[thread.pk])}#latest")
    paginator = MessageCursorPagination()
    page = list(
        paginator.paginate_queryset(
            selectors.messages_of(thread, include_hidden=True).select_related("thread__commune"),
            Request(request),
        )
        or []
    )
    attach_authors(request.user, page)
    selectors.annotate_blocked(page, request.user)
    selectors.mark_new(page, viewer_id=request.user.pk, since=row.last_read_at)
    if request.method == "GET" and request.GET.get("cursor") is None:
        services.mark_read(participant=row)
    attach_participants(request.user, [row])
    blocked = selectors.blocked_ids(request.user)
    return render(
        request,
        "messaging/thread.html",
        {
            "row": row,
            "thread": thread,
            "page": list(reversed(page)),  # oldest first on the page
            "older_link": paginator.get_next_link(),
            "newer_link": paginator.get_previous_link(),
            "form": form,
            "blocked": blocked,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def town_hall_view(request, commune_slug: str):
    _open_or_404(request.user)
    commune = get_object_or_404(Commune, slug=commune_slug)
    allowed = selectors.can_write_to_town_hall(request.user, commune)
    form = NewThreadForm(request.POST if request.method == "POST" and allowed else None)
    if request.method == "POST" and allowed and form.is_valid():
        with service_errors(form) as call:
            thread = services.town_hall_thread_start(
                author=request.user,
                commune=commune,
                body=form.cleaned_data["body"],
                subject=form.cleaned_data["subject"],
            )
        if call.ok:
            abuse.tell_written(request, thread, _("Your message is sent to the town hall."))
            return redirect("messaging:thread", pk=thread.pk)
    return render(
        request,
        "messaging/town_hall.html",
        {
            "commune": commune,
            "town_hall": selectors.town_hall_name(commune),
            "allowed": allowed,
            "form": form,
        },
        status=200 if allowed else 403,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def blocks_view(request):
    _open_or_404(request.user)
    if request.method == "POST":
        raw = request.POST.get("unblock", "")
        if raw.isdigit() and services.unblock(blocker=request.user, blocked_id=int(raw)):
            flash.success(request, _("This person can write to you again."))
        return redirect("messaging:blocks")
    blocks = attach_cards(request.user, selectors.blocks_of(request.user), "blocked")
    return render(request, "messaging/blocks.html", {"blocks": blocks})


@login_required
@require_POST
def block_view(request, user_id: int):
    _open_or_404(request.user)
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None or not selectors.may_block(request.user, person):
        raise Http404
    services.block(blocker=request.user, blocked=person)
    flash.success(
        request,
        _("Blocked: this person can no longer write to you. You can undo it in “Blocked people”."),
    )
    back = request.POST.get("next", "")
    if back.startswith("/messages/") and "//" not in back:
        return redirect(back)
    return redirect("messaging:blocks")
