"""Site pages of the town hall's polls, on the commune's host under /sondages/ (POL-1).

The core's guard answers 404 where the module is off. The list and a poll's page show the
question to anyone (a visitor or a resident not validated yet is told how to take part);
the form and the results are for the commune's validated residents and staff
(``selectors.sees_polls``). The vote is a POST to ``/sondages/<pk>/voter/``: the choice is
in the body only, never in a URL nor in a log line; then back to the poll's page (PRG).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from communes.permissions import request_sees_resident_content, validated_resident_required
from communes.selectors import follow_of
from core.access import explained
from modules.polls import ballots
from modules.polls.forms import VoteForm
from modules.polls.models import Poll
from modules.polls.permissions import can_manage_polls
from modules.polls.selectors import (
    access_poll,
    choices_of,
    polls_for,
    results_of,
    status_of,
    voted_flag,
)

PAGE_SIZE = 20


@require_http_methods(["GET", "HEAD"])
def poll_list(request):
    commune = request.commune
    user = request.user
    paginator = Paginator(polls_for(user, commune), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for poll in page.object_list:
        poll.status = status_of(poll)
    return render(
        request,
        "polls/poll_list.html",
        {
            "polls": page.object_list,
            "page_obj": page,
            "sees": request_sees_resident_content(request, commune),
            "manager": can_manage_polls(user, commune),
            "follow": follow_of(user, commune),
            "commune": commune,
        },
    )


def _detail(request, poll: Poll, *, form: VoteForm | None = None, status: int = 200):
    commune = request.commune
    user = request.user
    sees = request_sees_resident_content(request, commune)
    voted = voted_flag(poll, user)
    choices = choices_of(poll)
    may_vote = ballots.may_vote(user, poll) and not voted
    if may_vote and form is None:
        form = VoteForm(choices=choices)
    return render(
        request,
        "polls/poll_detail.html",
        {
            "poll": poll,
            "status": status_of(poll),
            "choices": choices,
            "sees": sees,
            "voted": voted,
            "may_vote": may_vote,
            "form": form if may_vote else None,
            "results": results_of(poll, user, voted=voted),
            "manager": can_manage_polls(user, commune),
            "follow": follow_of(user, commune),
            "commune": commune,
            "tz": commune.tzinfo,
        },
        status=status,
    )


@explained(
    gettext_lazy("Answer a poll of the town hall"),
    gettext_lazy("The validated residents of the commune answer the town hall's polls."),
)
@require_http_methods(["GET", "HEAD"])
def poll_detail(request, pk: int):
    return _detail(request, access_poll(request.user, pk, commune=request.commune))


@sensitive_post_parameters("choice")  # error reports must not pair a person with a choice
@require_POST
def poll_vote(request, pk: int):
    """A visitor goes to the login page, then back to the poll's page (not to this
    POST-only address); everyone else through :func:`_vote`."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("polls:detail", args=[pk]))
    return _vote(request, pk)


@validated_resident_required
def _vote(request, pk: int):
    """Vote, then back to the poll (PRG). Nothing here writes the choice anywhere but in
    ``ballots.vote``'s sealed ballot."""
    poll = access_poll(request.user, pk, commune=request.commune)
    form = VoteForm(request.POST, choices=choices_of(poll))
    if form.is_valid():
        choice_id = form.cleaned_data["choice"]
    elif ballots.may_vote(request.user, poll) and not voted_flag(poll, request.user):
        return _detail(request, poll, form=form, status=400)
    else:  # the refusal that matters is not the form's: ask the ballot box why
        raw = request.POST.get("choice", "")
        choice_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    try:
        ballots.vote(poll=poll, user=request.user, choice_id=choice_id)
    except ballots.VoteRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Thank you: your answer is recorded, anonymously."))
    return redirect("polls:detail", pk=poll.pk)
