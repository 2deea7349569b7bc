"""Site pages of discussion groups, on the commune's host under /groupes/ (CNT-4).

The core's guard answers 404 where the module is off; these pages are for the commune's
validated residents and staff (``communes.permissions``: a page explaining how to follow
the commune for the others). A group the person may not see answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communes.permissions import validated_resident_required
from conversations.selectors import town_hall_name
from conversations.threads import read_thread
from core import abuse
from core.access import explained
from core.forms import service_errors
from modules.groups.forms import PostEditForm, PostForm
from modules.groups.models import GroupMember
from modules.groups.selectors import (
    access_group,
    access_own_post,
    access_post,
    access_readable_group,
    can_join,
    can_manage_groups,
    can_post,
    can_read,
    groups_for_list,
    membership_of,
    readable_unread,
)
from modules.groups.services import group_join, post_create, post_edit, subscription_set

LIST_SIZE = 100


def _detail_url(group, post=None) -> str:
    url = reverse("groups:detail", args=[group.pk])
    return f"{url}#comment-{post.pk}" if post is not None else url


@explained(
    gettext_lazy("Discussion groups"),
    gettext_lazy("The town hall opens discussion groups where the residents talk together."),
)
@validated_resident_required
@require_http_methods(["GET", "HEAD"])
def group_list(request):
    commune = request.commune
    manager = can_manage_groups(request.user, commune)
    groups = readable_unread(
        request.user, list(groups_for_list(request.user, commune)[:LIST_SIZE]), manager=manager
    )
    return render(request, "groups/group_list.html", {"groups": groups, "manager": manager})


@explained(
    gettext_lazy("A discussion group"),
    gettext_lazy("The residents of the commune talk together in the town hall's groups."),
)
@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def group_detail(request, pk: int):
    commune = request.commune
    user = request.user
    group = access_group(user, pk, commune=commune)
    member = membership_of(user, group)
    manager = can_manage_groups(user, commune)
    readable = can_read(user, group, member=member, manager=manager)
    writable = can_post(user, group, member=member, manager=manager)
    town_hall = town_hall_name(commune)
    form = None
    if writable:
        form = PostForm(
            request.POST if request.method == "POST" else None,
            initial={"parent": request.GET.get("reply")},
            can_sign=manager,
            town_hall=town_hall,
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This group is closed: it can be read, not written in."))
            return redirect(_detail_url(group))
        if form.is_valid():
            data = form.cleaned_data
            parent = None
            if data["parent"]:
                try:
                    parent = access_post(group, data["parent"])
                except Http404:  # not a listed post of this group
                    form.add_error(None, _("This message cannot be answered here."))
            if not form.errors:
                with service_errors(form) as call:
                    post = post_create(
                        group=group,
                        author=user,
                        body=data["body"],
                        parent=parent,
                        as_town_hall=data.get("as_town_hall", False),
                    )
                if call.ok:
                    abuse.tell_written(request, post, _("Your message is published."))
                    return redirect(_detail_url(group, post))
    thread = read_thread(request, group) if readable else None
    reply_to = None
    if thread is not None and writable:
        raw = request.GET.get("reply", "")
        if raw.isdigit():
            reply_to = next((c for c in thread.comments if c.pk == int(raw)), None)
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "member": member,
            "manager": manager,
            "readable": readable,
            "writable": writable,
            "joinable": can_join(user, group, member=member),
            "thread": thread,
            "comments": thread.comments if thread else [],
            "form": form,
            "reply_to": reply_to,
            "town_hall": town_hall,
            "commune": commune,
            "viewer_id": user.pk,
            "statuses": GroupMember.Status,
        },
        status=400 if request.method == "POST" else 200,
    )


@validated_resident_required
@require_POST
def group_join_view(request, pk: int):
    group = access_group(request.user, pk, commune=request.commune)
    with service_errors() as call:
        member = group_join(group=group, user=request.user)
    if not call.ok:
        messages.error(request, call.error)
    elif member.status == GroupMember.Status.PENDING:
        messages.success(request, _("Your request is sent: the town hall will answer it."))
    else:
        messages.success(request, _("You joined the group."))
    return redirect(_detail_url(group))


@validated_resident_required
@require_POST
def group_subscription_view(request, pk: int):
    group = access_readable_group(request.user, pk, commune=request.commune)
    subscribed = request.POST.get("subscribed") == "1"
    with service_errors() as call:
        subscription_set(group=group, user=request.user, subscribed=subscribed)
    if not call.ok:
        messages.error(request, call.error)
    elif subscribed:
        messages.success(request, _("You will be told of new messages in this group."))
    else:
        messages.success(request, _("You will no longer be told of new messages."))
    return redirect(_detail_url(group))


@validated_resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_edit_view(request, pk: int, post_id: int):
    """The author edits their post; anyone else gets a 404 (not theirs)."""
    group = access_readable_group(request.user, pk, commune=request.commune)
    post = access_own_post(request.user, group, post_id)
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            post = post_edit(
                post=post, group=group, by=request.user, body=form.cleaned_data["body"]
            )
        if call.ok:
            messages.success(request, _("Your message is saved."))
            return redirect(_detail_url(group, post))
    return render(
        request,
        "groups/post_form.html",
        {"form": form, "group": group, "post": post, "back_url": _detail_url(group, post)},
    )
