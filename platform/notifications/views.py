"""Site pages: the centre (NOT-1), preferences (NOT-2), signed links (NOT-3), push."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import sms_consent_set
from communes.services import commune_url
from core.access import explained, open_account_q
from notifications import links, selectors, services
from notifications.forms import PreferencesForm
from notifications.kinds import RUBRICS, Frequency
from notifications.models import Delivery, PushDevice
from notifications.push import vapid_public_key, web_subscription_problem
from notifications.sms_http import InvalidCallback, InvalidSignature
from notifications.undeliverable import mark_mobile, mark_undeliverable, problems_of

PAGE_SIZE = 20


@explained(
    gettext_lazy("Notifications"),
    gettext_lazy(
        "Everything that happens in your commune and your community, in one place: "
        "alerts, news, requests, messages. You choose what reaches you by e-mail or on "
        "your phone."
    ),
)
@login_required
@never_cache
def centre(request):
    queryset = selectors.centre(request.user)
    before = request.GET.get("avant", "")
    if before.isdigit():
        queryset = queryset.filter(event_id__lt=int(before))
    rows = list(queryset[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        request,
        "notifications/centre.html",
        {
            "rows": rows,
            "next_before": rows[-1].event_id if more and rows else None,
            "problems": problems_of(request.user),
        },
    )


@login_required
@require_POST
def mark_read(request, event_id: int):
    if not services.mark_read(request.user, event_id):
        raise Http404
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect(request.POST.get("next") or reverse("notifications:centre"))


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:centre")


@login_required
def open_notification(request, event_id: int):
    """Open a notification: it is read, and the person goes to its content."""
    notification = selectors.centre(request.user).filter(event_id=event_id).first()
    if notification is None:
        raise Http404
    services.mark_read(request.user, event_id)
    event = notification.event
    path = links.safe_path(event.url)
    commune = event.commune
    current = getattr(request, "commune", None)
    if commune is not None and commune.site_id and (current is None or current.pk != commune.pk):
        return redirect(commune_url(commune, path))
    return redirect(path)


def follow_link(request, token: str):
    """A link from an e-mail (NOT-3): never an error page."""
    data = links.read_link(token)
    if data.valid and data.event_id is not None and data.user_id is not None:
        services.mark_read_by_id(data.user_id, data.event_id)
    if not data.valid:
        messages.info(
            request,
            _("This link has expired: log in to see the page.")
            if data.expired
            else _("This link is not valid any more: log in to find your notifications."),
        )
    target = data.path if (data.valid or data.expired) else reverse("notifications:centre")
    if request.user.is_authenticated:
        return redirect(target)
    return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': target})}")


@csrf_exempt  # RFC 8058: mail clients POST without cookies; the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    decoded = links.read_unsubscribe(token)
    user = None
    if decoded is not None:
        user = get_user_model().objects.filter(open_account_q(), pk=decoded[0]).first()
    if user is None or decoded is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=200)
    key = decoded[1]
    if request.method == "POST":
        services.unsubscribe(user, key)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(request, "notifications/unsubscribe.html", {"done": True, "key": key})
    return render(request, "notifications/unsubscribe.html", {"key": key, "label": _label(key)})


def _label(key: str) -> str:
    if key.startswith("digest:"):
        return str(Frequency(key.split(":", 1)[1]).label)
    rubric = RUBRICS.get(key)
    return str(rubric.label) if rubric else key


@explained(
    gettext_lazy("Notification preferences"),
    gettext_lazy(
        "Choose, rubric by rubric, what reaches you at once, in a daily or weekly digest, or not "
        "at all."
    ),
)
@login_required
@never_cache
def preferences(request):
    choices = selectors.offered_preferences(request.user)
    form = PreferencesForm(request.POST or None, preferences=choices, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            for key, frequency, email, push in form.values():
                services.set_preference(
                    request.user, key, frequency=frequency, email=email, push=push
                )
            sms = form.sms_consent()
            if sms is not None:
                sms_consent_set(user=request.user, accepts=sms, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("notifications:preferences")

    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "vapid_key": vapid_public_key(),
            "devices": PushDevice.objects.filter(user=request.user, active=True).order_by("-id"),
        },
    )


@login_required
@require_http_methods(["POST", "DELETE"])
def push_subscription(request):
    """The site's Web Push subscription (``notifications/push.js``)."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": _("Invalid JSON.")}, status=400)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint.startswith("https://"):
        return JsonResponse(
            {"endpoint": [_("A secure (https) push address is needed.")]}, status=400
        )
    if request.method == "DELETE":
        services.remove_device(request.user, token=endpoint)
        return JsonResponse({"subscribed": False})
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str) or not p256dh or not auth:
        return JsonResponse({"keys": [_("The subscription's keys are missing.")]}, status=400)

    if web_subscription_problem(endpoint, p256dh, auth):
        return JsonResponse({"keys": [_("This browser subscription cannot be used.")]}, status=400)
    try:
        services.register_device(
            request.user,
            platform=PushDevice.Platform.WEB,
            token=endpoint[:1000],
            p256dh=p256dh[:200],
            auth=auth[:100],
            name=request.headers.get("User-Agent", "")[:100],
        )
    except ValidationError as error:
        return JsonResponse(error.message_dict, status=400)
    return JsonResponse({"subscribed": True}, status=201)


def service_worker(request):
    """``/sw.js``: served from the root so that it may control the whole site."""
    path = finders.find("themes/default/notifications/sw.js")
    if path is None:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="application/javascript")  # noqa: SIM115
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


SMS_PROVIDERS = {
    "orange": "notifications.sms_http.OrangeSmsBackend",
    "ovh": "notifications.sms_http.OvhSmsBackend",
    "twilio": "notifications.sms_http.TwilioSmsBackend",
}


@csrf_exempt  # a provider's server calls it; the signature or the secret token is the proof
@require_http_methods(["GET", "POST"])
def sms_status(request, provider: str):
    """Delivery reports of an SMS provider: a failed number is marked undeliverable."""
    from django.utils.module_loading import import_string

    path = SMS_PROVIDERS.get(provider)
    if path is None:
        raise Http404
    try:
        statuses = import_string(path).parse_status_callback(request)
    except InvalidSignature:
        return HttpResponse(status=403)
    except InvalidCallback:
        return HttpResponse(status=400)
    for status in statuses:
        if not status.failed or not status.permanent:
            continue
        reason = f"{provider}: {status.reason}"[:300]
        if status.to:
            mark_mobile(status.to, reason)
        elif status.provider_id:  # OVH reports carry the message id only
            for delivery in Delivery.objects.filter(
                channel="sms", provider_id=status.provider_id
            ).select_related("recipient"):
                mark_undeliverable(delivery.recipient, "sms", reason)
    return HttpResponse(status=200)
