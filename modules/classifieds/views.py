"""Site pages of classifieds, on the commune's host under /annonces/.

The core's guard answers 404 when the module is off for the commune; these
views answer 404 off-commune (the platform's own host) and are for the
commune's validated residents and staff (``communes.permissions``): anyone
else logged in gets a page explaining how to follow the commune (ACC-10).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communes.permissions import validated_resident_required
from core import abuse
from core.access import explained
from core.forms import service_errors
from modules.classifieds.forms import ClassifiedEditForm, ClassifiedForm
from modules.classifieds.models import Classified
from modules.classifieds.selectors import (
    access_classified,
    access_own_classified,
    can_change_classified,
    classifieds_of_author,
    classifieds_open,
    contact_of,
)
from modules.classifieds.services import (
    EDITABLE_FIELDS,
    classified_close,
    classified_create,
    classified_update,
)
from privacy.matrix import attach_cards

PAGE_SIZE = 20


resident_view = validated_resident_required


def _kind_filter(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in Classified.Kind.values else ""


@explained(
    gettext_lazy("Classifieds"),
    gettext_lazy(
        "Residents of the commune offer or ask for a service: babysitting, gardening, a lift to "
        "the market."
    ),
)
@resident_view
@require_http_methods(["GET", "HEAD"])
def classified_list(request):
    kind = _kind_filter(request)
    paginator = Paginator(classifieds_open(commune=request.commune, kind=kind), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "classifieds/list.html",
        {
            "page_obj": page,
            "classifieds": attach_cards(
                request.user, page.object_list, "author", public_author=True
            ),
            "kind": kind,
            "kinds": Classified.Kind.choices,
        },
    )


@explained(
    gettext_lazy("A classified"),
    gettext_lazy("Classifieds are read by the residents of the commune."),
)
@resident_view
@require_http_methods(["GET", "HEAD"])
def classified_detail(request, pk: int):
    classified = access_classified(request.user, pk, commune=request.commune)
    attach_cards(request.user, [classified], "author", public_author=True)
    return render(
        request,
        "classifieds/detail.html",
        {
            "classified": classified,
            "is_author": can_change_classified(request.user, classified),
            "published": contact_of(classified),
        },
    )


@explained(
    gettext_lazy("Post a classified"),
    gettext_lazy(
        "Residents of the commune offer or ask for a service: babysitting, gardening, a lift to "
        "the market."
    ),
)
@resident_view
@require_http_methods(["GET", "HEAD", "POST"])
def classified_publish(request):
    form = ClassifiedForm(request.POST or None, author=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            classified = classified_create(
                commune=request.commune,
                author=request.user,
                days=data["days"],
                **{name: data[name] for name in EDITABLE_FIELDS},
            )
        if call.ok:
            abuse.tell_written(request, classified, _("Your classified is published."))
            return redirect("classifieds:detail", pk=classified.pk)
    return render(request, "classifieds/form.html", {"form": form})


@explained(
    gettext_lazy("Change a classified"),
    gettext_lazy("The author of a classified changes it here while it is open."),
)
@resident_view
@require_http_methods(["GET", "HEAD", "POST"])
def classified_edit(request, pk: int):
    """The author changes their open classified; anyone else gets a 404 (not theirs)."""
    classified = access_own_classified(request.user, pk, commune=request.commune)
    if not classified.is_open:
        messages.error(
            request, _("This classified is closed or expired: it can no longer be changed.")
        )
        return redirect("classifieds:detail", pk=classified.pk)
    form = ClassifiedEditForm(request.POST or None, instance=classified, author=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            classified_update(
                classified=classified,
                by=request.user,
                **{name: data[name] for name in EDITABLE_FIELDS},
            )
        if call.ok:
            messages.success(request, _("Your classified is saved."))
            return redirect("classifieds:detail", pk=classified.pk)
    return render(request, "classifieds/form.html", {"form": form, "classified": classified})


@explained(
    gettext_lazy("My classifieds"),
    gettext_lazy("The classifieds you posted, to edit or close them."),
)
@resident_view
@require_http_methods(["GET", "HEAD"])
def classified_mine(request):
    paginator = Paginator(
        classifieds_of_author(commune=request.commune, author=request.user), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "classifieds/mine.html",
        {
            "page_obj": page,
            "classifieds": attach_cards(
                request.user, page.object_list, "author", public_author=True
            ),
        },
    )


@resident_view
@require_POST
def classified_close_view(request, pk: int):
    """The author closes their classified; anyone else gets a 404 (not theirs)."""
    classified = access_own_classified(request.user, pk, commune=request.commune)
    classified_close(classified=classified, by=request.user)
    messages.success(
        request, _("Your classified “%(title)s” is closed.") % {"title": classified.title}
    )
    return redirect("classifieds:mine")
