"""Fake WhatsApp Cloud API `POST /{phone-number-id}/messages` (external-apis.md, section 5a)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..models import SandboxMessage
from .common import Fault, fault_for, json_object, record

MAX_TEXT = 4096


@csrf_exempt
def messages(request: HttpRequest, version: str, phone_number_id: str) -> JsonResponse:
    """Text messages only; Graph error envelopes for everything the real endpoint refuses."""
    if request.method != "POST":
        return _error(400, 100, "Unsupported get request.", "GraphMethodException")
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or not auth.removeprefix("Bearer ").strip():
        return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
    body = json_object(request)
    if body is None:
        return _error(400, 100, "(#100) Invalid parameter")
    problem = _problem(body)
    if problem:
        return _error(400, 100, problem)
    to = str(body["to"])
    text = body["text"]["body"]
    fault = fault_for(to)
    if fault is Fault.TRANSIENT:
        return _error(500, 1, "An unknown error has occurred.")
    if fault is Fault.BAD_RECIPIENT:
        return _error(
            400,
            131030,
            "(#131030) Recipient phone number not in allowed list",
            details="Recipient phone number not in allowed list: Add recipient phone number "
            "to recipient list and try again.",
        )
    wa_id = "".join(ch for ch in to if ch.isdigit())
    message = record(
        provider=SandboxMessage.Provider.WHATSAPP,
        recipient=wa_id,
        text=text,
        payload=body,
        make_id=lambda _: "wamid." + base64.b64encode(secrets.token_bytes(30)).decode(),
    )
    return JsonResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": message.provider_message_id}],
        }
    )


def _problem(body: dict[str, Any]) -> str | None:
    if body.get("messaging_product") != "whatsapp":
        return "(#100) The parameter messaging_product is required."
    if not body.get("to"):
        return "(#100) The parameter to is required."
    # Meta's default type is "text"; the sandbox knows no other.
    if body.get("type", "text") != "text":
        return f"(#100) Param type {body.get('type')!r} is not supported by the sandbox"
    text = body.get("text")
    if not isinstance(text, dict) or not str(text.get("body") or "").strip():
        return "(#100) The parameter text['body'] is required."
    if len(str(text["body"])) > MAX_TEXT:
        return f"(#100) Param text['body'] must be at most {MAX_TEXT} characters long."
    return None


def _error(
    status: int,
    code: int,
    message: str,
    error_type: str = "OAuthException",
    *,
    details: str | None = None,
) -> JsonResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(16),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return JsonResponse({"error": error}, status=status)
