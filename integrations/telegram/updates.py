"""Telegram Bot API webhook: verifying and reading an Update (external-apis.md, section 4).

Telegram POSTs one Update per request to the URL given to `setWebhook`, with the header
`X-Telegram-Bot-Api-Secret-Token: <secret_token>`. Our URL carries the same secret as its last
path segment, so a request without both is refused. Telegram repeats an update until it gets
a 2xx; `update_id` tells the repeats apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import PermanentError
from ..inbound import BAD_TIMESTAMP, InboundMessage, check_secret, international_phone, mapping

PROVIDER = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Content of a message that is not text, in the order Telegram's Message object lists them.
ATTACHMENTS = (
    "contact",
    "photo",
    "video",
    "voice",
    "audio",
    "document",
    "sticker",
    "animation",
    "video_note",
    "location",
)


def verify(*, header_secret: str | None, url_secret: str, expected: str) -> None:
    """Raise InvalidSignature unless both the header and the URL carry the configured secret."""
    check_secret(url_secret, expected, provider=PROVIDER)
    check_secret(header_secret, expected, provider=PROVIDER)


def parse_update(update: dict[str, Any]) -> InboundMessage | None:
    """The customer's message in an Update, or None for what is not one for the inbox.

    Only `message` from a person in a private chat counts; edits, button presses, group chats
    and bots are skipped (the webhook still answers 200, or Telegram would repeat them).
    A contact card the customer shares about themselves gives their phone.

    Raises PermanentError for an Update without `update_id` or a message without its ids.
    """
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        raise PermanentError(f"{PROVIDER}: update without an update_id")
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = mapping(message.get("from"))
    chat = mapping(message.get("chat"))
    if chat.get("type") != "private" or sender.get("is_bot"):
        return None
    try:
        chat_id = int(chat["id"])
        message_id = int(message["message_id"])
        at = datetime.fromtimestamp(int(message["date"]), tz=UTC)
    except (KeyError, *BAD_TIMESTAMP) as e:
        raise PermanentError(f"{PROVIDER}: message without chat id, message_id or date") from e

    phone = ""
    contact = message.get("contact")
    # Anyone's card can be forwarded; only the customer's own card tells us their number.
    if isinstance(contact, dict) and contact.get("user_id") == sender.get("id"):
        phone = international_phone(str(contact.get("phone_number") or ""))
    text = str(message.get("text") or message.get("caption") or "").strip()
    attachment = "" if text else next((kind for kind in ATTACHMENTS if kind in message), "")
    name = " ".join(
        part for part in (sender.get("first_name"), sender.get("last_name")) if part
    ) or str(sender.get("username") or "")
    return InboundMessage(
        platform=PROVIDER,
        event_id=str(update_id),
        sender_id=str(chat_id),
        sender_name=name,
        text=text,
        provider_message_id=str(message_id),
        at=at,
        phone=phone,
        attachment=attachment,
    )
