"""Demo data: a few customers who wrote in messengers, each on a deal of their own.

Idempotent: every message has a fixed platform event id, so a second run stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from integrations.inbound import InboundMessage

from .inbox import inbox_event_process

#: (platform, sender id, name, phone, text)
CONVERSATIONS = [
    ("telegram", "7000001", "Ирина Соколова", "", "Здравствуйте! Есть ли сковорода 28 см?"),
    (
        "whatsapp",
        "79035550101",
        "Алексей",
        "+79035550101",
        "Добрый день, хочу заказать чайник. Доставка завтра возможна?",
    ),
    ("vk", "50000001", "", "", "Привет! А где у вас самовывоз?"),
    ("viber", "demoViberUser01==", "Ольга", "", "Заказ ещё не пришёл, подскажите трек-номер"),
]


def seed_inbox_demo(log: Callable[[str], None]) -> None:
    now = timezone.now()
    stored = 0
    for n, (platform, sender, name, phone, text) in enumerate(CONVERSATIONS, start=1):
        received = inbox_event_process(
            InboundMessage(
                platform=platform,
                event_id=f"demo-{n}",
                sender_id=sender,
                sender_name=name,
                text=text,
                provider_message_id=f"demo-{n}",
                at=now,
                phone=phone,
            )
        )
        stored += int(received.created)
    log(f"Messenger inbox: {stored} new demo message(s)")
