"""Fake Viber REST Bot API `send_message` (external-apis.md, section 5c)."""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import SandboxMessage
from .common import Fault, fault_for, json_object, record

SENDER_NAME_MAX = 28


@csrf_exempt
@require_POST
def send_message(request: HttpRequest) -> HttpResponse:
    """Text messages only. Viber answers HTTP 200 with a non-zero `status` for errors."""
    if not request.headers.get("X-Viber-Auth-Token", "").strip():
        return _status(2, "invalidAuthToken")
    body = json_object(request)
    if body is None:
        return _status(3, "badData")
    problem = _problem(body)
    if problem is not None:
        return _status(*problem)
    receiver = str(body["receiver"])
    fault = fault_for(receiver)
    if fault is Fault.TRANSIENT:
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")
    if fault is Fault.BAD_RECIPIENT:
        return _status(6, "receiverNotSubscribed")
    message = record(
        provider=SandboxMessage.Provider.VIBER,
        recipient=receiver,
        text=body["text"],
        payload=body,
        # Real tokens are int64 values above 2**53; keep that, it breaks naive JSON parsers.
        make_id=lambda _: str((1 << 62) | secrets.randbits(62)),
    )
    return JsonResponse(
        {
            "status": 0,
            "status_message": "ok",
            "message_token": int(message.provider_message_id),
            "chat_hostname": "SN-SANDBOX_",
        }
    )


def _problem(body: dict[str, Any]) -> tuple[int, str] | None:
    if not body.get("receiver"):
        return 4, "missingData"
    sender = body.get("sender")
    name = sender.get("name") if isinstance(sender, dict) else None
    if not name:
        return 4, "missingData"
    if len(name) > SENDER_NAME_MAX or body.get("type") != "text":
        return 3, "badData"
    if not str(body.get("text") or "").strip():
        return 4, "missingData"
    return None


def _status(status: int, status_message: str) -> JsonResponse:
    return JsonResponse({"status": status, "status_message": status_message})
