"""Fake Telegram Bot API `sendMessage` (external-apis.md, section 4)."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ..models import SandboxMessage
from .common import Fault, fault_for, json_object, query_and_form, record

MAX_TEXT = 4096
_NUMERIC = re.compile(r"-?\d+")


@csrf_exempt
def bot_method(request: HttpRequest, token: str, method: str) -> JsonResponse:
    """`/bot<token>/<method>`: only sendMessage exists here; parameters as JSON, form or query."""
    if not token:
        return _error(401, "Unauthorized")
    # Telegram matches method names case-insensitively.
    if method.lower() != "sendmessage":
        return _error(404, "Not Found")
    params = _params(request)
    if params is None:
        return _error(400, "Bad Request: can't parse JSON object")
    chat_id = str(params.get("chat_id") or "").strip()
    text = str(params.get("text") or "")
    if not chat_id:
        return _error(400, "Bad Request: chat_id is empty")
    if not text.strip():
        return _error(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT:
        return _error(400, "Bad Request: message is too long")
    fault = fault_for(chat_id)
    if fault is Fault.TRANSIENT:
        return _error(500, "Internal Server Error")
    if fault is Fault.BAD_RECIPIENT:
        return _error(400, "Bad Request: chat not found")
    message = record(
        provider=SandboxMessage.Provider.TELEGRAM,
        recipient=chat_id,
        text=text,
        payload=params,
        make_id=lambda m: str(m.pk),
    )
    bot_id = token.split(":", 1)[0]
    result = {
        "message_id": int(message.provider_message_id),
        "from": {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Sandbox",
            "username": "sandbox_bot",
        },
        "chat": {
            "id": int(chat_id) if _NUMERIC.fullmatch(chat_id) else chat_id,
            "type": "private",
        },
        "date": int(timezone.now().timestamp()),
        "text": text,
    }
    return JsonResponse({"ok": True, "result": result}, json_dumps_params={"ensure_ascii": False})


def _params(request: HttpRequest) -> dict[str, Any] | None:
    if request.content_type == "application/json":
        return json_object(request)
    return query_and_form(request)


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error_code": status, "description": description}, status=status
    )
