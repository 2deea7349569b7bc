"""Site pages of alerts, on the commune's host under /alertes/ (ALR-1, ALR-4, ALR-5).

* ``/alertes/``: the alerts the person may read in this commune (their community's,
  its twinned communities', the town hall's), newest first, each with its
  corrections under it; those the person has not read yet are marked new;
* ``/alertes/envoyer/``: a member alerts their community (``?corrige=<id>`` sends
  a correction of that alert);
* ``/alertes/<id>/``: one alert and its corrections; opening it marks it read
  (ALR-3: no SMS for those who read it within 4 minutes; ALR-5: the banner goes);
* ``/alertes/<id>/lue/`` (POST): "I have read it" from the red banner.

Whoever may not read an alert gets a 404, as if it did not exist. Every write is a
``modules.alerts.services`` call; its errors become French form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communities.selectors import community_of
from core.access import explained
from core.forms import service_errors
from modules.alerts import selectors, services
from modules.alerts.forms import CommunityAlertForm
from modules.alerts.models import Alert
from notifications.models import Notification
from notifications.services import mark_read as mark_event_read

PAGE_SIZE = 20


def _commune(request):
    commune = getattr(request, "commune", None)
    if commune is None:
        raise Http404
    return commune


def _own_community(request, commune):
    community = community_of(request.user)
    if community is not None and community.commune_id == commune.pk:
        return community
    return None


def _unread_event_ids(user, alerts) -> set[int]:
    """Event ids among ``alerts`` and their (prefetched) corrections that ``user`` has not read."""
    event_ids = []
    for alert in alerts:
        event_ids.append(alert.event_id)
        if alert.corrects_id is None:
            event_ids += [correction.event_id for correction in alert.corrections.all()]
    event_ids = [pk for pk in event_ids if pk]
    if not event_ids:
        return set()
    return set(
        Notification.objects.filter(
            recipient_id=user.pk, event_id__in=event_ids, read_at__isnull=True
        ).values_list("event_id", flat=True)
    )


@explained(
    gettext_lazy("Alerts"),
    gettext_lazy(
        "The alerts of your neighbourhood community and of the town hall: a burglary, a "
        "closed road, a storm. Members of a community alert their neighbours in one message."
    ),
)
@login_required
@require_http_methods(["GET", "HEAD"])
def index(request):
    commune = _commune(request)
    threads = selectors.threads_visible_to(request.user, commune)
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    alerts = list(page.object_list)
    return render(
        request,
        "alerts/index.html",
        {
            "page_obj": page,
            "alerts": alerts,
            "unread": _unread_event_ids(request.user, alerts),
            "community": _own_community(request, commune),
        },
    )


@explained(
    gettext_lazy("Send an alert"),
    gettext_lazy(
        "Members of a neighbourhood community alert all their neighbours at once, by the site, "
        "the app or SMS."
    ),
)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def send(request):
    commune = _commune(request)
    community = _own_community(request, commune)
    if community is None:
        return render(request, "alerts/no_community.html", status=403)
    corrects = None
    corrects_id = request.POST.get("corrects") or request.GET.get("corrige") or ""
    if str(corrects_id).isdigit():
        corrects = (
            selectors.alerts_visible_to(request.user, commune)
            .filter(pk=int(corrects_id), community=community)
            .first()
        )
        if corrects is None or not selectors.can_correct(request.user, corrects):
            raise Http404
    form = CommunityAlertForm(
        request.POST if request.method == "POST" else None,
        initial={"corrects": corrects.pk if corrects else None},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            alert = services.send_community_alert(
                author=request.user,
                community=community,
                text=form.cleaned_data["text"],
                category=form.cleaned_data["category"],
                corrects=corrects,
                source=Alert.Source.SITE,
            )
        if call.ok:
            messages.success(
                request,
                _("Your alert was sent to %(count)d people.") % {"count": alert.recipients},
            )
            return redirect("alerts:detail", pk=alert.pk)
    return render(
        request,
        "alerts/send.html",
        {"form": form, "community": community, "corrects": corrects},
    )


def _visible_alert(request, pk: int) -> Alert:
    return selectors.access_alert(request.user, pk, commune=getattr(request, "commune", None))


@explained(
    gettext_lazy("An alert"),
    gettext_lazy(
        "Alerts are read by the members of the community that sent them and by the residents the "
        "town hall alerts."
    ),
)
@login_required
@require_http_methods(["GET", "HEAD"])
def detail(request, pk: int):
    alert = _visible_alert(request, pk)
    # A correction is read in its thread, with the alert it corrects.
    thread = _visible_alert(request, alert.corrects_id) if alert.corrects_id else alert
    shown = [thread, *thread.corrections.all()]
    unread = _unread_event_ids(request.user, shown)
    # Opening the page reads the alert and its corrections (ALR-3, ALR-5).
    for item in shown:
        if item.event_id in unread:
            mark_event_read(request.user, item.event_id)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": thread,
            "highlight": alert.pk,
            "unread": unread,
            "can_correct": thread.community_id is not None
            and selectors.can_correct(request.user, thread),
        },
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    alert = _visible_alert(request, pk)
    if alert.event_id:
        mark_event_read(request.user, alert.event_id)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
