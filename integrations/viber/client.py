"""Viber REST Bot API: sending a text message (external-apis.md, section 5c).

Wire format: `POST {VIBER_API_URL}/send_message` with the `X-Viber-Auth-Token` header and
JSON. Viber answers HTTP 200 even for errors: `{"status": 0, "status_message": "ok",
"message_token": <int64>}` or a non-zero `status` with its name in `status_message`.
"""

from __future__ import annotations

import logging

from django.conf import settings

from ..delivery import Delivery
from ..errors import PermanentError, TransientError
from ..http import call, json_body, mask

logger = logging.getLogger(__name__)

PROVIDER = "viber"
#: Viber's max length of `sender.name`.
SENDER_NAME_MAX = 28
#: 12 "tooManyRequests" (rate control breach) is the only status that clears by waiting.
#: The rest are our configuration (2 invalidAuthToken, 7–9 account blocked/not found/
#: suspended), our payload (3 badData, 4 missingData) or the customer (5 receiverNotRegistered,
#: 6 receiverNotSubscribed, 11 receiverNoSuitableDevice): the same request fails again.
TRANSIENT_STATUSES = frozenset({12})


def send_message(*, receiver: str, text: str) -> Delivery:
    """Send `text` to the Viber user id `receiver` and return the message token.

    Raises TransientError when Viber is unreachable, answers 429/5xx or status 12;
    PermanentError with the status and `status_message` for any other non-zero status.
    """
    payload = {
        "receiver": receiver,
        "type": "text",
        "text": text,
        "sender": {"name": settings.VIBER_SENDER_NAME[:SENDER_NAME_MAX]},
    }
    response = call(
        "POST",
        f"{settings.VIBER_API_URL.rstrip('/')}/send_message",
        provider=PROVIDER,
        json=payload,
        headers={"X-Viber-Auth-Token": settings.VIBER_AUTH_TOKEN},
        idempotent=False,
    )
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict) or "status" not in body:
        raise PermanentError(f"{PROVIDER}: unexpected answer {response.text[:200]}")
    status = body["status"]
    if status != 0:
        message = f"{PROVIDER}: status {status}: {body.get('status_message', '')}"
        if status in TRANSIENT_STATUSES:
            raise TransientError(message)
        raise PermanentError(message)
    token = body.get("message_token")
    if token is None:
        raise PermanentError(f"{PROVIDER}: accepted without a message_token")
    # message_token exceeds 2**53: Python's json reads it as an exact int; keep it a string.
    logger.info("%s: message to %s sent as %s", PROVIDER, mask(receiver), token)
    return Delivery(provider_message_id=str(token))
