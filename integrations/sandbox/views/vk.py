"""Fake VK API `messages.send` (external-apis.md, section 5b)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..models import SandboxMessage
from .common import Fault, fault_for, query_and_form, record

_PARAM = "One of the parameters specified was missing or invalid: "


@csrf_exempt
def method(request: HttpRequest, name: str) -> JsonResponse:
    """`/method/<name>`: only messages.send exists here. VK answers HTTP 200 even for errors.

    A `random_id` already used for this peer returns the earlier message's id and sends
    nothing, as VK does; 0 switches that check off.
    """
    params = query_and_form(request)
    if name != "messages.send":
        return _error(3, "Unknown method passed", name, params)
    if not params.get("access_token"):
        return _error(5, "User authorization failed: no access_token passed.", name, params)
    if not params.get("v"):
        return _error(8, "Invalid request: v is required", name, params)
    peer_id = params.get("peer_id") or params.get("user_id") or ""
    text = params.get("message", "")
    random_id = params.get("random_id", "")
    if not random_id.lstrip("-").isdigit():
        return _error(100, _PARAM + "random_id is a required parameter", name, params)
    if not peer_id:
        return _error(
            100,
            _PARAM + "you should specify peer_id, user_id, domain, chat_id or user_ids param",
            name,
            params,
        )
    if not text.strip() and not params.get("attachment"):
        return _error(100, _PARAM + "message is empty or invalid", name, params)
    fault = fault_for(peer_id)
    if fault is Fault.TRANSIENT:
        return _error(10, "Internal server error", name, params)
    if fault is Fault.BAD_RECIPIENT:
        return _error(901, "Can't send messages for users without permission", name, params)
    if int(random_id) != 0:
        earlier = SandboxMessage.objects.filter(
            provider=SandboxMessage.Provider.VK,
            recipient=peer_id,
            request_payload__random_id=random_id,
        ).first()
        if earlier is not None:
            return JsonResponse({"response": int(earlier.provider_message_id)})
    message = record(
        provider=SandboxMessage.Provider.VK,
        recipient=peer_id,
        text=text,
        # Never keep the credential in the outbox.
        payload={key: value for key, value in params.items() if key != "access_token"},
        make_id=lambda m: str(m.pk),
    )
    return JsonResponse({"response": int(message.provider_message_id)})


def _error(code: int, message: str, name: str, params: dict[str, str]) -> JsonResponse:
    # VK echoes the request back without the token, the method and "oauth" first.
    request_params = [{"key": "method", "value": name}, {"key": "oauth", "value": "1"}]
    request_params += [
        {"key": key, "value": value} for key, value in params.items() if key != "access_token"
    ]
    return JsonResponse(
        {"error": {"error_code": code, "error_msg": message, "request_params": request_params}},
        json_dumps_params={"ensure_ascii": False},
    )
