"""Site pages of the gazette (CNT-2) under /gazette/: my community's gazette.

One community per person, so /gazette/ is the gazette of the community the person is a
member of. Everyone else (pending members, members of twinned or other communities, the
town hall, platform staff) gets a 404 on every page, photo and file; anonymous visitors
the login page. Photos and files are served by these views, never from MEDIA_URL.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.request import Request

from communes.services import commune_url
from conversations.threads import read_thread
from core import abuse
from core.access import explained
from core.forms import service_errors
from gazette import selectors, services
from gazette.forms import CommentForm, PostForm
from gazette.models import Category
from gazette.pagination import PostCursorPagination
from privacy.matrix import attach_cards

GET = ["GET", "HEAD"]
GET_POST = ["GET", "HEAD", "POST"]


def gazette_view(view):
    """Login, then the person's community (404 without one), on its commune's host: any
    other host redirects a GET there and answers 404 to a POST."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        community = selectors.gazette_of(request.user)
        if community is None:
            raise Http404
        commune = getattr(request, "commune", None)
        if commune is None or commune.pk != community.commune_id:
            if request.method in ("GET", "HEAD"):
                return redirect(commune_url(community.commune, request.get_full_path()))
            raise Http404
        return view(request, community, *args, **kwargs)

    return wrapper


def _private_file(field_file, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@explained(
    gettext_lazy("Gazette of my community"),
    gettext_lazy("The members of a neighbourhood community share news, help and small ads."),
)
@require_http_methods(GET)
@gazette_view
def index(request, community):
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    paginator = PostCursorPagination()
    posts = list(
        paginator.paginate_queryset(
            selectors.posts_of(community, category=category), Request(request)
        )
        or []
    )
    attach_cards(request.user, posts, "author")
    selectors.mark_new_posts(request.user, posts)
    return render(
        request,
        "gazette/index.html",
        {
            "community": community,
            "posts": posts,
            "categories": Category.choices,
            "category": category,
            "next_link": paginator.get_next_link(),
            "previous_link": paginator.get_previous_link(),
        },
    )


@explained(
    gettext_lazy("Post in the gazette"),
    gettext_lazy("The members of a neighbourhood community post in its gazette."),
)
@require_http_methods(GET_POST)
@gazette_view
def publish(request, community):
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            post = services.post_create(
                community=community,
                author=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                photos=data["photos"],
                files=data["documents"],
            )
        if call.ok:
            abuse.tell_written(request, post, _("Your post is published in the gazette."))
            if abuse.is_held(post):  # hidden: its page opens once a moderator shows it
                return redirect("gazette:index")
            return redirect("gazette:detail", post.pk)
    return render(
        request, "gazette/post_form.html", {"form": form, "community": community, "post": None}
    )


@require_http_methods(GET)
@gazette_view
def detail(request, community, pk: int):
    # A post moderation hid is gone for everyone but its author, who sees it marked.
    post = selectors.access_post(request.user, pk, community=community, include_hidden=True)
    if post.hidden_at is not None and post.author_id != request.user.pk:
        raise Http404
    attach_cards(request.user, [post], "author")
    since = selectors.markers_of(request.user, [post]).get(post.pk)
    post.is_new = since is None and post.author_id != request.user.pk  # type: ignore[attr-defined]  # display
    thread = read_thread(request, post)
    reply_to = None
    reply = request.GET.get("reply")
    if reply and reply.isdigit():
        reply_to = next((c for c in thread.comments if c.pk == int(reply)), None)
    form = CommentForm(initial={"parent": reply_to.pk if reply_to else None})
    return render(
        request,
        "gazette/detail.html",
        {
            "community": community,
            "commune": community.commune,
            "post": post,
            "photos": list(post.photos.all()),
            "files": list(post.files.all()),
            "thread": thread,
            "comments": thread.comments,
            "form": form,
            "reply_to": reply_to,
            "viewer_id": request.user.pk,
            "is_author": post.author_id == request.user.pk,
        },
    )


@explained(
    gettext_lazy("Edit a post"),
    gettext_lazy("The author of a post in the gazette changes it here."),
)
@require_http_methods(GET_POST)
@gazette_view
def edit(request, community, pk: int):
    post = selectors.access_own_post(request.user, pk, community=community)
    initial = {"category": post.category, "title": post.title, "body": post.body}
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            post = services.post_edit(
                post=post,
                by=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                photos=data["photos"],
                files=data["documents"],
            )
        if call.ok:
            messages.success(request, _("Your post is saved."))
            return redirect("gazette:detail", post.pk)
    return render(
        request, "gazette/post_form.html", {"form": form, "community": community, "post": post}
    )


@require_http_methods(["POST"])
@gazette_view
def comment(request, community, pk: int):
    post = selectors.access_post(request.user, pk, community=community)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        parent = None
        if data["parent"]:
            parent = selectors.post_comments(post).filter(pk=data["parent"]).first()
            if parent is None:
                form.add_error(None, _("This comment cannot be answered here."))
        if not form.errors:
            with service_errors(form) as call:
                written = services.comment_create(
                    post=post, author=request.user, body=data["body"], parent=parent
                )
            if call.ok:
                abuse.tell_written(request, written, _("Your comment is published."))
                return redirect(f"/gazette/{post.pk}/#comment-{written.pk}")
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect(f"/gazette/{post.pk}/#comment-form")


@require_http_methods(GET_POST)
@gazette_view
def comment_edit(request, community, pk: int, comment_id: int):
    post = selectors.access_post(request.user, pk, community=community)
    comment = selectors.access_post_comment(request.user, post, comment_id)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            comment = services.comment_edit(
                comment=comment, post=post, by=request.user, body=form.cleaned_data["body"]
            )
        if call.ok:
            messages.success(request, _("Your comment is saved."))
            return redirect(f"/gazette/{post.pk}/#comment-{comment.pk}")
    return render(
        request,
        "gazette/comment_form.html",
        {"form": form, "community": community, "post": post, "comment": comment},
    )


@require_http_methods(GET)
@gazette_view
def photo(request, community, pk: int, photo_id: int):
    post = selectors.access_post(request.user, pk, community=community)
    image = selectors.access_photo(request.user, post, photo_id)
    return _private_file(
        image.image, content_type="image/jpeg", filename=f"photo-{image.pk}.jpg", inline=True
    )


@require_http_methods(GET)
@gazette_view
def document(request, community, pk: int, file_id: int):
    post = selectors.access_post(request.user, pk, community=community)
    attached = selectors.access_file(request.user, post, file_id)
    return _private_file(
        attached.file, content_type=attached.content_type, filename=attached.name, inline=False
    )
