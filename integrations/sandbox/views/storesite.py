"""The fake store website: the callback URL of the demo stores, and the page of what it got."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ...storesite.signing import signature_matches
from .. import storesite

#: Seconds the "down" site asks to wait.
RETRY_AFTER = 60


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    """What a store's developer is asked to build (docs/store-callbacks.md): 401 to a request
    not signed with the store's secret, 200 to a good event, 200 again to a repeat of one
    (de-duplicated on the event id), 400 to a body that is not an event."""
    if storesite.is_down():
        response = HttpResponse("Service Unavailable", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    code = request.headers.get("X-Store-Code", "")
    secret = storesite.store_secret(code)
    if secret is None or not signature_matches(
        request.body, secret, request.headers.get("X-Signature", "")
    ):
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        event = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        event = None
    if not isinstance(event, dict) or not event.get("event_id"):
        return JsonResponse({"error": "not an event"}, status=400)
    event_id = str(event["event_id"])
    if request.headers.get("X-Event-Id", "") != event_id:
        return JsonResponse({"error": "X-Event-Id does not match event_id"}, status=400)
    duplicate = storesite.seen(event_id)
    storesite.remember(
        {
            "received_at": timezone.now().isoformat(),
            "store": code,
            "event_id": event_id,
            "duplicate": duplicate,
            "event": event,
        }
    )
    return JsonResponse({"ok": True, "duplicate": duplicate})


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The events the fake site received, newest first, and its «site down» switch."""
    entries = storesite.received_events()
    for entry in entries:
        entry["received"] = _parse(entry.get("received_at", ""))
        entry["body"] = json.dumps(entry.get("event"), ensure_ascii=False, indent=2)
    return render(
        request,
        "sandbox/storesite.html",
        {"entries": entries, "down": storesite.is_down(), "retry_after": RETRY_AFTER},
    )


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    storesite.set_down(request.POST.get("down") == "1")
    return redirect("sandbox:storesite")


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
