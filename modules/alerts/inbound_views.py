"""Inbound SMS webhook (ALR-1): ``/webhooks/alerts/sms/<provider>/``.

Providers (``orange``, ``ovh``, ``twilio``; any other name is a 404) call one address
for every commune, on any host, outside the per-commune guard: ``inbound`` finds the
sender's commune and answers for a commune that has alerts off.

403 when the request cannot be shown to come from the provider (signature, secret
token), 400 when it is not an inbound SMS, otherwise 200 whatever became of the
message (a refusal is replied to the sender by SMS, not to the provider, which would
only try again). Twilio gets an empty TwiML ``<Response/>``, so that it sends no reply
of its own. POST for every provider, GET too for OVH.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from modules.alerts.inbound import PROVIDERS, parse_inbound, receive_sms
from notifications.sms_http import InvalidCallback, InvalidSignature

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt  # a provider's server calls it; the signature or the secret token is the proof
def inbound_sms(request, provider: str):
    if provider not in PROVIDERS:
        raise Http404
    allowed = ["GET", "POST"] if provider == "ovh" else ["POST"]
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    try:
        inbound = parse_inbound(provider, request)
    except InvalidSignature:
        return HttpResponse(status=403)
    except InvalidCallback:
        return HttpResponse(status=400)
    receive_sms(inbound)
    if provider == "twilio":
        return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
    return HttpResponse(status=200)
