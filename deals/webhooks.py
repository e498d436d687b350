"""Messenger webhooks (DESIGN.md section 5): verify, parse, then one transaction per event.

Every view refuses a wrong secret or signature with 403 before it reads the payload, and
answers what the platform expects once the events are recorded; a repeated delivery is
recorded once and answered the same way, so the platform stops repeating it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from integrations.errors import InvalidSignature, PermanentError
from integrations.inbound import InboundEvent, json_payload
from integrations.telegram import updates as telegram
from integrations.viber import updates as viber
from integrations.vk import updates as vk
from integrations.whatsapp import updates as whatsapp

from .inbox import inbox_event_process

logger = logging.getLogger(__name__)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _handle(provider: str, read_events: Callable[[], list[InboundEvent]], answer: str = "ok"):
    """Run `read_events` (verification included) and record each event in its own transaction.

    403 for a bad secret or signature, 400 for a payload that cannot be read; nothing is
    written in either case.
    """
    try:
        events = read_events()
    except InvalidSignature as exc:
        logger.warning("%s webhook refused: %s", provider, exc)
        return _text("forbidden", status=403)
    except PermanentError as exc:
        logger.warning("%s webhook refused: %s", provider, exc)
        return _text(str(exc), status=400)
    for event in events:
        inbox_event_process(event)
    return _text(answer)


# The views manage their transactions: one per event, so a WhatsApp batch of messages is
# recorded message by message, as each would be if sent alone.


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def telegram_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """`POST /webhooks/telegram/<secret>/`: one Update, X-Telegram-Bot-Api-Secret-Token."""

    def read() -> list[InboundEvent]:
        telegram.verify(
            header_secret=request.headers.get(telegram.SECRET_HEADER),
            url_secret=secret,
            expected=settings.TELEGRAM_WEBHOOK_SECRET,
        )
        message = telegram.parse_update(json_payload(request.body, provider=telegram.PROVIDER))
        return [message] if message is not None else []

    return _handle(telegram.PROVIDER, read)


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    """`GET /webhooks/whatsapp/`: the verify-token handshake; `POST`: signed events."""
    if request.method == "GET":
        return _whatsapp_handshake(request)

    def read() -> list[InboundEvent]:
        whatsapp.verify_signature(
            request.body,
            header=request.headers.get(whatsapp.SIGNATURE_HEADER),
            app_secret=settings.WHATSAPP_APP_SECRET,
        )
        return whatsapp.parse_events(json_payload(request.body, provider=whatsapp.PROVIDER))

    return _handle(whatsapp.PROVIDER, read)


def _whatsapp_handshake(request: HttpRequest) -> HttpResponse:
    try:
        challenge = whatsapp.verify_handshake(
            request.GET, verify_token=settings.WHATSAPP_VERIFY_TOKEN
        )
    except InvalidSignature as exc:
        logger.warning("whatsapp handshake refused: %s", exc)
        return _text("forbidden", status=403)
    return _text(challenge)


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def vk_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /webhooks/vk/`: the confirmation string for `confirmation`, `ok` for the rest."""
    try:
        payload = json_payload(request.body, provider=vk.PROVIDER)
        if vk.is_confirmation(payload):
            vk.verify_confirmation(
                payload, group_id=settings.VK_GROUP_ID, secret=settings.VK_CALLBACK_SECRET
            )
            return _text(settings.VK_CONFIRMATION_CODE)
    except InvalidSignature as exc:
        logger.warning("vk confirmation refused: %s", exc)
        return _text("forbidden", status=403)
    except PermanentError as exc:
        return _text(str(exc), status=400)

    def read() -> list[InboundEvent]:
        vk.verify(payload, secret=settings.VK_CALLBACK_SECRET)
        message = vk.parse_event(payload)
        return [message] if message is not None else []

    return _handle(vk.PROVIDER, read)


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def viber_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /webhooks/viber/`: callbacks signed with X-Viber-Content-Signature."""

    def read() -> list[InboundEvent]:
        viber.verify_signature(
            request.body,
            header=request.headers.get(viber.SIGNATURE_HEADER),
            auth_token=settings.VIBER_AUTH_TOKEN,
        )
        return viber.parse_event(json_payload(request.body, provider=viber.PROVIDER))

    return _handle(viber.PROVIDER, read)
