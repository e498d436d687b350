"""Viber REST Bot API callbacks: the signature and the events (external-apis.md, 5c).

Every callback carries `X-Viber-Content-Signature`: the hex HMAC-SHA256 of the raw JSON body
with the bot's auth token. `event` is one of message, delivered, seen, failed, subscribed,
unsubscribed, conversation_started, webhook; `timestamp` is in milliseconds; `message_token`
is a 64-bit integer (Python's json reads it exactly).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidSignature, PermanentError
from ..inbound import (
    BAD_TIMESTAMP,
    InboundEvent,
    InboundMessage,
    StatusUpdate,
    hmac_sha256_hex,
    international_phone,
    mapping,
)

PROVIDER = "viber"
SIGNATURE_HEADER = "X-Viber-Content-Signature"


def sign(body: bytes, *, auth_token: str) -> str:
    """The `X-Viber-Content-Signature` Viber sends with `body` (sandbox, tests)."""
    return hmac_sha256_hex(body, auth_token)


def verify_signature(body: bytes, *, header: str | None, auth_token: str) -> None:
    """Raise InvalidSignature unless `header` is the signature of the exact raw `body`."""
    if not auth_token or not hmac.compare_digest(
        (header or "").strip().lower().encode(), sign(body, auth_token=auth_token).encode()
    ):
        raise InvalidSignature(f"{PROVIDER}: X-Viber-Content-Signature does not match")


def parse_event(payload: dict[str, Any]) -> list[InboundEvent]:
    """The customer's message, or our message's status, in a verified callback; [] for the
    other events (subscriptions, the webhook check).

    Raises PermanentError for a callback without `event`, `timestamp` or the ids it needs.
    """
    event = payload.get("event")
    try:
        at = datetime.fromtimestamp(int(payload["timestamp"]) / 1000, tz=UTC)
    except (KeyError, *BAD_TIMESTAMP) as e:
        raise PermanentError(f"{PROVIDER}: callback without a timestamp") from e
    if event == "message":
        return [_message(payload, at)]
    if event in ("delivered", "seen", "failed"):
        token = payload.get("message_token")
        if token is None:
            raise PermanentError(f"{PROVIDER}: {event} without a message_token")
        return [
            StatusUpdate(
                platform=PROVIDER,
                provider_message_id=str(token),
                delivered=event != "failed",
                failed=event == "failed",
                at=at,
                error=f"{PROVIDER}: {payload.get('desc', '')}" if event == "failed" else "",
            )
        ]
    if not event:
        raise PermanentError(f"{PROVIDER}: callback without an event")
    return []


def _message(payload: dict[str, Any], at: datetime) -> InboundMessage:
    sender = mapping(payload.get("sender"))
    message = mapping(payload.get("message"))
    token = payload.get("message_token")
    if not sender.get("id") or token is None or not isinstance(message, dict):
        raise PermanentError(f"{PROVIDER}: message without sender.id or message_token")
    kind = str(message.get("type") or "")
    text = str(message.get("text") or "").strip() if kind == "text" else ""
    phone = ""
    if kind == "contact":
        phone = international_phone(str(mapping(message.get("contact")).get("phone_number", "")))
    return InboundMessage(
        platform=PROVIDER,
        event_id=str(token),
        sender_id=str(sender["id"]),
        sender_name=str(sender.get("name") or ""),
        text=text,
        provider_message_id=str(token),
        at=at,
        phone=phone,
        attachment="" if text else kind,
    )
