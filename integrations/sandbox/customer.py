"""The sandbox's customer side of the messengers: webhook requests exactly as each platform
sends them (body, signature, secret), for the «write as a customer» page (views/customer.py).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ..telegram import updates as telegram
from ..viber import updates as viber
from ..whatsapp import updates as whatsapp

PLATFORMS = ("telegram", "whatsapp", "vk", "viber")
#: A customer id per platform for the form, in that platform's own shape.
DEFAULT_SENDERS = {
    "telegram": "111222333",
    "whatsapp": "79161234567",
    "vk": "567890",
    "viber": "01234567890A=",
}


@dataclass(frozen=True)
class WebhookRequest:
    """What to POST to our own webhook: the path below SITE_URL, the raw body, the headers."""

    path: str
    body: bytes
    headers: dict[str, str]


def customer_writes(*, platform: str, sender_id: str, name: str, text: str) -> WebhookRequest:
    """The signed webhook `platform` would send when this customer writes `text`.

    Every call is a new message: its platform event id is fresh. Raises ValueError for an
    unknown platform.
    """
    now = int(time.time())
    if platform == "telegram":
        chat_id = int(sender_id)
        sender = {"id": chat_id, "is_bot": False, "first_name": name, "language_code": "ru"}
        payload: dict[str, Any] = {
            "update_id": secrets.randbelow(2**31),
            "message": {
                "message_id": secrets.randbelow(2**31),
                "from": sender,
                "chat": {"id": chat_id, "first_name": name, "type": "private"},
                "date": now,
                "text": text,
            },
        }
        secret = settings.TELEGRAM_WEBHOOK_SECRET
        return WebhookRequest(
            path=f"/webhooks/telegram/{secret}/",
            body=_json(payload),
            headers={telegram.SECRET_HEADER: secret},
        )
    if platform == "whatsapp":
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "15550000000",
                "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID,
            },
            "contacts": [{"profile": {"name": name}, "wa_id": sender_id}],
            "messages": [
                {
                    "from": sender_id,
                    "id": f"wamid.sandbox{uuid.uuid4().hex}",
                    "timestamp": str(now),
                    "text": {"body": text},
                    "type": "text",
                }
            ],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "100000000000000", "changes": [{"value": value, "field": "messages"}]}
            ],
        }
        body = _json(payload)
        return WebhookRequest(
            path="/webhooks/whatsapp/",
            body=body,
            headers={
                whatsapp.SIGNATURE_HEADER: whatsapp.sign(
                    body, app_secret=settings.WHATSAPP_APP_SECRET
                )
            },
        )
    if platform == "vk":
        from_id = int(sender_id)
        payload = {
            "group_id": int(settings.VK_GROUP_ID or 1),
            "type": "message_new",
            "event_id": secrets.token_hex(20),
            "v": "5.199",
            "object": {
                "message": {
                    "date": now,
                    "from_id": from_id,
                    "id": secrets.randbelow(2**31),
                    "out": 0,
                    "attachments": [],
                    "conversation_message_id": 1,
                    "fwd_messages": [],
                    "important": False,
                    "is_hidden": False,
                    "peer_id": from_id,
                    "random_id": 0,
                    "text": text,
                },
                "client_info": {"keyboard": True, "inline_keyboard": True, "lang_id": 0},
            },
            "secret": settings.VK_CALLBACK_SECRET,
        }
        return WebhookRequest(path="/webhooks/vk/", body=_json(payload), headers={})
    if platform == "viber":
        payload = {
            "event": "message",
            "timestamp": now * 1000,
            "chat_hostname": "SN-SANDBOX_",
            "message_token": secrets.randbelow(2**63),
            "sender": {"id": sender_id, "name": name, "language": "ru", "api_version": 10},
            "message": {"text": text, "type": "text"},
            "silent": False,
        }
        body = _json(payload)
        return WebhookRequest(
            path="/webhooks/viber/",
            body=body,
            headers={
                viber.SIGNATURE_HEADER: viber.sign(body, auth_token=settings.VIBER_AUTH_TOKEN)
            },
        )
    raise ValueError(f"unknown platform {platform!r}")


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
