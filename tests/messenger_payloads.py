"""Webhook bodies in each messenger's real wire format (external-apis.md, sections 4 and 5),
as the platforms send them, and the signed requests that carry them."""

from __future__ import annotations

import json
from typing import Any

TG_SECRET = "test-telegram-secret"
WA_APP_SECRET = "test_app_secret"
WA_VERIFY_TOKEN = "test-verify-token"
VK_SECRET = "test-vk-secret"
VK_CONFIRMATION = "a1b2c3d4"
VK_GROUP_ID = "229876543"
VIBER_TOKEN = "test_viber_auth_token"
#: 2026-03-01 12:00:00 UTC
UNIX = 1772366400


def telegram_update(
    *,
    update_id: int = 900001,
    chat_id: int = 111222333,
    text: str | None = "Здравствуйте, есть ли в наличии сковорода?",
    first_name: str = "Иван",
    last_name: str = "Петров",
    message_id: int = 42,
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": {
            "id": chat_id,
            "is_bot": False,
            "first_name": first_name,
            "last_name": last_name,
            "username": "ivan_petrov",
            "language_code": "ru",
        },
        "chat": {
            "id": chat_id,
            "first_name": first_name,
            "last_name": last_name,
            "username": "ivan_petrov",
            "type": "private",
        },
        "date": UNIX,
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


def whatsapp_event(
    *,
    wa_id: str = "79161234567",
    message_id: str = "wamid.HBgLNzkxNjEyMzQ1NjcVAgASGBQzQUZCMEI2RTdDMUJBMEU4NDlFRQA=",
    text: str = "Добрый день! Хочу заказать чайник",
    name: str = "Мария",
) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id,
                                    "timestamp": str(UNIX),
                                    "text": {"body": text},
                                    "type": "text",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def whatsapp_status(*, message_id: str, status: str = "delivered") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            "statuses": [
                                {
                                    "id": message_id,
                                    "status": status,
                                    "timestamp": str(UNIX),
                                    "recipient_id": "79161234567",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def vk_message_new(
    *,
    event_id: str = "3f0c1ee0a7a5d1f2c9c1e6a0b2b4d6e8f0a1b2c3",
    from_id: int = 567890,
    text: str = "Привет! Сколько стоит доставка?",
    secret: str = VK_SECRET,
    message_id: int = 301,
) -> dict[str, Any]:
    return {
        "group_id": int(VK_GROUP_ID),
        "type": "message_new",
        "event_id": event_id,
        "v": "5.199",
        "object": {
            "message": {
                "date": UNIX,
                "from_id": from_id,
                "id": message_id,
                "out": 0,
                "version": 10000123,
                "attachments": [],
                "conversation_message_id": 12,
                "fwd_messages": [],
                "important": False,
                "is_hidden": False,
                "peer_id": from_id,
                "random_id": 0,
                "text": text,
            },
            "client_info": {
                "button_actions": ["text", "vkpay", "open_app", "location", "open_link"],
                "keyboard": True,
                "inline_keyboard": True,
                "carousel": True,
                "lang_id": 0,
            },
        },
        "secret": secret,
    }


def viber_message(
    *,
    token: int = 4912661846655238145,
    user_id: str = "01234567890A=",
    text: str = "Здравствуйте, заказ ещё не пришёл",
    name: str = "Ольга",
) -> dict[str, Any]:
    return {
        "event": "message",
        "timestamp": UNIX * 1000 + 123,
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token,
        "sender": {
            "id": user_id,
            "name": name,
            "avatar": "http://avatar.example.com",
            "language": "ru",
            "country": "RU",
            "api_version": 10,
        },
        "message": {"text": text, "type": "text", "tracking_data": "", "media": None},
        "silent": False,
    }


def body(payload: dict[str, Any]) -> bytes:
    """Compact JSON, non-ASCII kept as UTF-8: what the platforms send."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
