"""WhatsApp Cloud API webhook: the verify-token handshake, the signature and the events
(external-apis.md, section 5a).

* GET `?hub.mode=subscribe&hub.verify_token=<ours>&hub.challenge=<n>` when the callback URL is
  saved in the Meta app: answer the challenge as the plain body.
* POST events signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
  One POST may carry several messages and delivery statuses.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidSignature, PermanentError
from ..inbound import (
    BAD_TIMESTAMP,
    InboundEvent,
    InboundMessage,
    StatusUpdate,
    check_secret,
    hmac_sha256_hex,
    international_phone,
    mapping,
)

PROVIDER = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
#: Statuses of `value.statuses[].status`: "read" implies delivered.
DELIVERED_STATUSES = frozenset({"delivered", "read"})
FAILED_STATUSES = frozenset({"failed"})


def verify_handshake(params: Mapping[str, str], *, verify_token: str) -> str:
    """The `hub.challenge` to echo for a subscribe request carrying our verify token.

    Raises InvalidSignature for another mode, a wrong token or no challenge.
    """
    if params.get("hub.mode") != "subscribe" or not params.get("hub.challenge"):
        raise InvalidSignature(f"{PROVIDER}: not a subscribe handshake")
    check_secret(params.get("hub.verify_token"), verify_token, provider=PROVIDER)
    return params["hub.challenge"]


def sign(body: bytes, *, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends with `body` (sandbox, tests)."""
    return f"sha256={hmac_sha256_hex(body, app_secret)}"


def verify_signature(body: bytes, *, header: str | None, app_secret: str) -> None:
    """Raise InvalidSignature unless `header` is the signature of the exact raw `body`."""
    if not app_secret or not hmac.compare_digest(
        (header or "").strip().lower().encode(), sign(body, app_secret=app_secret).encode()
    ):
        raise InvalidSignature(f"{PROVIDER}: X-Hub-Signature-256 is missing or does not match")


def parse_events(payload: dict[str, Any]) -> list[InboundEvent]:
    """The customers' messages and our messages' statuses in a verified event POST.

    Changes of other fields (templates, account updates) are skipped. Raises PermanentError
    for an envelope that is not WhatsApp's or a message or status without its ids.
    """
    if payload.get("object") != "whatsapp_business_account":
        raise PermanentError(f"{PROVIDER}: not a whatsapp_business_account event")
    events: list[InboundEvent] = []
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes")):
            if change.get("field") != "messages" or not isinstance(change.get("value"), dict):
                continue
            value = change["value"]
            names = {
                str(c.get("wa_id")): str(mapping(c.get("profile")).get("name") or "")
                for c in _list(value.get("contacts"))
            }
            events += [_message(m, names) for m in _list(value.get("messages"))]
            events += [_status(s) for s in _list(value.get("statuses"))]
    return events


def _message(message: dict[str, Any], names: dict[str, str]) -> InboundMessage:
    try:
        wa_id = str(message["from"])
        message_id = str(message["id"])
        at = datetime.fromtimestamp(int(message["timestamp"]), tz=UTC)
    except (KeyError, *BAD_TIMESTAMP) as e:
        raise PermanentError(f"{PROVIDER}: message without from, id or timestamp") from e
    kind = str(message.get("type") or "")
    content = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        text = str(content.get("body") or "")
    elif kind == "button":
        text = str(content.get("text") or "")
    else:
        text = str(content.get("caption") or "")
    text = text.strip()
    return InboundMessage(
        platform=PROVIDER,
        event_id=message_id,
        sender_id=wa_id,
        sender_name=names.get(wa_id, ""),
        text=text,
        provider_message_id=message_id,
        at=at,
        # The wa_id is the customer's number in international digits.
        phone=international_phone(wa_id),
        attachment="" if text else kind,
    )


def _status(status: dict[str, Any]) -> StatusUpdate:
    try:
        message_id = str(status["id"])
        at = datetime.fromtimestamp(int(status["timestamp"]), tz=UTC)
    except (KeyError, *BAD_TIMESTAMP) as e:
        raise PermanentError(f"{PROVIDER}: status without id or timestamp") from e
    name = str(status.get("status") or "")
    errors = _list(status.get("errors"))
    error = ""
    if errors:
        error = f"{PROVIDER}: ({errors[0].get('code')}) {errors[0].get('title', '')}"
    return StatusUpdate(
        platform=PROVIDER,
        provider_message_id=message_id,
        delivered=name in DELIVERED_STATUSES,
        failed=name in FAILED_STATUSES,
        at=at,
        error=error,
    )


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
