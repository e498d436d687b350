"""What the messengers' webhooks carry, once verified and parsed: one shape for every platform.

Each platform's `updates.py` verifies a callback (secret or signature over the raw body) and
turns it into these; the apps above never see a platform's wire format.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import InvalidSignature, PermanentError


@dataclass(frozen=True)
class InboundMessage:
    """A customer wrote to us.

    `event_id` is the platform's de-duplication key of the delivery (Telegram `update_id`,
    WhatsApp `messages[].id`, VK `event_id`, Viber `message_token`): a repeated webhook carries
    the same one. `phone` is set only when the platform tells it (WhatsApp's wa_id, a Telegram
    contact card), in international digits with a leading "+".
    """

    platform: str
    event_id: str
    sender_id: str
    sender_name: str
    text: str
    provider_message_id: str
    at: datetime
    phone: str = ""
    #: What came instead of text ("photo", "sticker", "contact" …); "" for a plain text.
    attachment: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """A platform reports what became of a message we sent (WhatsApp statuses, Viber events)."""

    platform: str
    provider_message_id: str
    delivered: bool
    failed: bool
    at: datetime
    error: str = ""


InboundEvent = InboundMessage | StatusUpdate


def check_secret(given: str | None, expected: str, *, provider: str) -> None:
    """Raise InvalidSignature unless `given` equals the configured `expected`, compared in
    constant time. An empty configured secret refuses everything: no secret, no inbox."""
    if not expected or not hmac.compare_digest((given or "").encode(), expected.encode()):
        raise InvalidSignature(f"{provider}: secret is missing or does not match")


def hmac_sha256_hex(body: bytes, key: str) -> str:
    """Hex HMAC-SHA256 of the raw `body` with `key`: WhatsApp's and Viber's signature."""
    return hmac.new(key.encode(), body, "sha256").hexdigest()


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: a signed payload of an odd shape
    must give a 400 or be skipped, never an AttributeError (a 500 the platform repeats)."""
    return value if isinstance(value, dict) else {}


#: What converting a platform's timestamp may raise besides a missing key.
BAD_TIMESTAMP = (TypeError, ValueError, OverflowError, OSError)


def json_payload(body: bytes, *, provider: str) -> dict[str, Any]:
    """The callback body as a JSON object; PermanentError (a 400) when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise PermanentError(f"{provider}: the body is not JSON") from e
    if not isinstance(data, dict):
        raise PermanentError(f"{provider}: the body is not a JSON object")
    return data


def international_phone(digits: str) -> str:
    """ "79991234567" or "+79991234567" → "+79991234567"; "" for anything else."""
    value = (digits or "").strip().lstrip("+")
    return f"+{value}" if value.isdigit() and 8 <= len(value) <= 15 else ""
