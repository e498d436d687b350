"""One entry point for outgoing customer messages, whatever the channel.

Callers (a Celery task, S6) pass an idempotency key that is stable across retries of the same
message. Only VK de-duplicates on the provider side (`random_id`); for the other channels the
caller must record the returned `Delivery` and not send again once it has one.
"""

from __future__ import annotations

import hashlib

from .delivery import Delivery
from .smsru import client as smsru
from .telegram import client as telegram
from .viber import client as viber
from .vk import client as vk
from .whatsapp import client as whatsapp

__all__ = ["CHANNELS", "Delivery", "send_message", "vk_random_id"]

#: Channel codes; the meaning of `recipient` differs per channel (see `send_message`).
CHANNELS = ("sms", "telegram", "whatsapp", "viber", "vk")


def send_message(*, channel: str, recipient: str, text: str, idempotency_key: str) -> Delivery:
    """Send `text` to `recipient` over `channel` and return the provider's message id.

    `recipient` is an E.164 phone for "sms", a chat id for "telegram", a wa_id for
    "whatsapp", a user id for "viber" and a peer id for "vk".

    Raises ValueError for an unknown channel or an empty idempotency key; TransientError
    (retry later) or PermanentError (do not retry) from the provider's client.
    """
    if not idempotency_key:
        raise ValueError("idempotency_key must not be empty")
    if channel == "sms":
        return smsru.send_sms(phone=recipient, text=text)
    if channel == "telegram":
        return telegram.send_message(chat_id=recipient, text=text)
    if channel == "whatsapp":
        return whatsapp.send_text(wa_id=recipient, text=text)
    if channel == "viber":
        return viber.send_message(receiver=recipient, text=text)
    if channel == "vk":
        return vk.send_message(
            peer_id=recipient, text=text, random_id=vk_random_id(idempotency_key)
        )
    raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")


def vk_random_id(idempotency_key: str) -> int:
    """VK's `random_id` for a message: the same key always gives the same positive int32.

    VK refuses to send a second message with a `random_id` it has seen from this sender, so
    a Celery retry after a lost answer does not text the customer twice. 0 would switch the
    check off, hence the `or 1`.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return (int(digest[:8], 16) & 0x7FFFFFFF) or 1
