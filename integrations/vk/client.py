"""VK API: sending a community message (external-apis.md, section 5b).

Wire format: `POST {VK_API_URL}/messages.send`, form-encoded, with `access_token` and `v`.
VK answers HTTP 200 even for errors: `{"response": <message id>}` or
`{"error": {"error_code", "error_msg", "request_params"}}`.
"""

from __future__ import annotations

import logging

from django.conf import settings

from ..delivery import Delivery
from ..errors import PermanentError, TransientError
from ..http import call, json_body, mask

logger = logging.getLogger(__name__)

PROVIDER = "vk"
API_VERSION = "5.199"
#: VK error codes worth retrying: 1 "Unknown error occurred, try later", 6 "Too many requests
#: per second", 10 "Internal server error". Everything else (5 bad token, 100 bad parameter,
#: 901 no permission to message the user, …) will fail the same way again.
TRANSIENT_CODES = frozenset({1, 6, 10})


def send_message(*, peer_id: str, text: str, random_id: int) -> Delivery:
    """Send `text` to `peer_id` and return the VK message id.

    `random_id` is VK's de-duplication key: a retry with the same value is not delivered
    twice. Use `integrations.messaging.vk_random_id(idempotency_key)`.

    Raises TransientError when VK is unreachable, answers 429/5xx or an error with a code in
    TRANSIENT_CODES; PermanentError with `error_code` and `error_msg` otherwise. The error's
    `request_params` are not repeated: they hold the message text.
    """
    data = {
        "peer_id": peer_id,
        "message": text,
        "random_id": random_id,
        "access_token": settings.VK_ACCESS_TOKEN,
        "v": API_VERSION,
    }
    url = f"{settings.VK_API_URL.rstrip('/')}/messages.send"
    response = call("POST", url, provider=PROVIDER, data=data)
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise PermanentError(f"{PROVIDER}: unexpected answer")
    if "error" in body:
        error = body["error"] if isinstance(body["error"], dict) else {}
        code = error.get("error_code")
        message = f"{PROVIDER}: error {code}: {error.get('error_msg', '')}"
        if code in TRANSIENT_CODES:
            raise TransientError(message)
        raise PermanentError(message)
    message_id = body.get("response")
    if not isinstance(message_id, int):
        raise PermanentError(f"{PROVIDER}: unexpected answer without a message id")
    logger.info("%s: message to %s sent as %s", PROVIDER, mask(peer_id), message_id)
    return Delivery(provider_message_id=str(message_id))
