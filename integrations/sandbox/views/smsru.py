"""Fake SMS.ru `sms/send` (external-apis.md, section 3a)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..models import SandboxMessage
from .common import Fault, fault_for, query_and_form, record

#: Fixed: the sandbox never runs out of money.
BALANCE = 1000.0
MAX_NUMBERS = 100

# SMS.ru's own texts, verbatim: they are wire data our client passes on, not our UI.
BAD_API_ID = (200, "Неправильный api_id")
BAD_NUMBER = (202, "Неправильно указан номер телефона получателя, либо на него нет маршрута")
NO_TEXT = (203, "Нет текста сообщения")
TOO_MANY_NUMBERS = (
    207,
    "На этот номер (или один из номеров) нельзя отправлять сообщения, "
    "либо указано более 100 номеров в списке получателей",
)


@csrf_exempt
def send(request: HttpRequest) -> HttpResponse:
    """`sms/send` with `api_id`, `to` (comma-separated) and `msg`, by GET or POST.

    Answers JSON with `json=1` and SMS.ru's plain-text lines otherwise. Per-number refusals
    come inside an overall "OK", as the real service does.
    """
    params = query_and_form(request)
    as_json = params.get("json") == "1"
    numbers = [n.strip() for n in params.get("to", "").split(",") if n.strip()]
    text = params.get("msg", "")
    refusal = _refusal(params, numbers=numbers, text=text)
    if refusal is not None:
        return _answer(
            {"status": "ERROR", "status_code": refusal[0], "status_text": refusal[1]},
            as_json=as_json,
        )
    if any(fault_for(n) is Fault.TRANSIENT for n in numbers):
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")
    # Never keep the credential in the outbox.
    payload = {key: value for key, value in params.items() if key != "api_id"}
    sms = {_digits(number): _send_one(number, text, payload) for number in numbers}
    return _answer(
        {"status": "OK", "status_code": 100, "sms": sms, "balance": BALANCE}, as_json=as_json
    )


def _refusal(params: dict[str, str], *, numbers: list[str], text: str) -> tuple[int, str] | None:
    # Checked in the order SMS.ru reports them: credentials first, then the recipients.
    if not params.get("api_id"):
        return BAD_API_ID
    if not numbers:
        return BAD_NUMBER
    if len(numbers) > MAX_NUMBERS:
        return TOO_MANY_NUMBERS
    if not text.strip():
        return NO_TEXT
    return None


def _send_one(number: str, text: str, payload: dict[str, str]) -> dict[str, Any]:
    digits = _digits(number)
    if not 10 <= len(digits) <= 15 or fault_for(digits) is Fault.BAD_RECIPIENT:
        return {"status": "ERROR", "status_code": BAD_NUMBER[0], "status_text": BAD_NUMBER[1]}
    message = record(
        provider=SandboxMessage.Provider.SMSRU,
        recipient=f"+{digits}",
        text=text,
        payload=payload,
        make_id=lambda m: f"{m.created_at:%y%m%d}-{1_000_000 + m.pk}",
    )
    return {"status": "OK", "status_code": 100, "sms_id": message.provider_message_id}


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _answer(body: dict[str, Any], *, as_json: bool) -> HttpResponse:
    if as_json:
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    # Without json=1: the request's code, then a line per number (sms_id or its error code),
    # then the balance.
    lines = [str(body["status_code"])]
    for entry in body.get("sms", {}).values():
        lines.append(entry.get("sms_id") or str(entry["status_code"]))
    if "balance" in body:
        lines.append(f"balance={body['balance']}")
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
