"""VK Callback API: the confirmation, the secret and `message_new` (external-apis.md, 5b).

VK POSTs JSON events. The first one, `{"type": "confirmation", "group_id": …}`, must be
answered with the confirmation string shown in the community's Callback API settings; every
other event carries the configured `secret` and must be answered with the plain text `ok`,
or VK sends it again. `event_id` is unique per event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidSignature, PermanentError
from ..inbound import BAD_TIMESTAMP, InboundMessage, check_secret, mapping

PROVIDER = "vk"
CONFIRMATION = "confirmation"
#: Peer ids from here on are group chats, not a customer's private dialog.
CHAT_PEER_ID_START = 2_000_000_000


def is_confirmation(payload: dict[str, Any]) -> bool:
    return payload.get("type") == CONFIRMATION


def verify_confirmation(payload: dict[str, Any], *, group_id: str, secret: str) -> None:
    """Raise InvalidSignature for a confirmation of another community (when `group_id` is
    configured) or one that carries a wrong secret."""
    if group_id and str(payload.get("group_id")) != group_id:
        raise InvalidSignature(f"{PROVIDER}: confirmation for another community")
    if "secret" in payload:
        check_secret(payload.get("secret"), secret, provider=PROVIDER)


def verify(payload: dict[str, Any], *, secret: str) -> None:
    """Raise InvalidSignature unless the event's `secret` is the configured one."""
    check_secret(payload.get("secret"), secret, provider=PROVIDER)


def parse_event(payload: dict[str, Any]) -> InboundMessage | None:
    """The customer's message in a verified `message_new` event; None for other events,
    our own outgoing messages and group chats.

    Accepts both shapes: `object.message` (API 5.103 and later) and the message directly in
    `object` (older API versions). VK gives no name, only the user id.
    Raises PermanentError for an event without `event_id` or a message without its ids.
    """
    event_id = payload.get("event_id")
    if not event_id:
        raise PermanentError(f"{PROVIDER}: event without an event_id")
    if payload.get("type") != "message_new":
        return None
    obj = mapping(payload.get("object"))
    message = obj.get("message", obj) if isinstance(obj, dict) else {}
    if not isinstance(message, dict):
        raise PermanentError(f"{PROVIDER}: message_new without a message")
    try:
        from_id = int(message["from_id"])
        peer_id = int(message.get("peer_id", from_id))
        message_id = int(message.get("id") or message.get("conversation_message_id"))
        at = datetime.fromtimestamp(int(message["date"]), tz=UTC)
    except (KeyError, *BAD_TIMESTAMP) as e:
        raise PermanentError(f"{PROVIDER}: message without from_id, id or date") from e
    if message.get("out") or peer_id >= CHAT_PEER_ID_START or from_id <= 0:
        return None
    text = str(message.get("text") or "").strip()
    attachments = message.get("attachments")
    attachments = attachments if isinstance(attachments, list) else []
    attachment = ""
    if not text and attachments and isinstance(attachments[0], dict):
        attachment = str(attachments[0].get("type") or "")
    return InboundMessage(
        platform=PROVIDER,
        event_id=str(event_id),
        sender_id=str(peer_id),
        sender_name="",
        text=text,
        provider_message_id=str(message_id),
        at=at,
        attachment=attachment,
    )
