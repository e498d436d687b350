"""WhatsApp Cloud API (Meta Graph API): sending a text message (external-apis.md, section 5a).

Wire format: `POST {WHATSAPP_API_URL}/v21.0/{phone-number-id}/messages` with a Bearer token;
errors come as the Graph envelope `{"error": {"message", "type", "code", "error_subcode"?,
"error_data"?, "fbtrace_id"}}`. Free-form text is accepted only within 24 hours of the
customer's last message; outside it Meta refuses (a permanent error here: a template is needed).
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings

from ..delivery import Delivery
from ..errors import IntegrationError, PermanentError, TransientError
from ..http import call, json_body, mask

logger = logging.getLogger(__name__)

PROVIDER = "whatsapp"
GRAPH_VERSION = "v21.0"
#: Graph error codes that clear by themselves: 1 unknown / 2 service unavailable, and the rate
#: limits 4 (application), 80007 (business account), 130429 (throughput), 131056 (pair rate).
#: Meta sends them with HTTP 400 or 403, so the HTTP status alone would call them permanent.
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131056})


def send_text(*, wa_id: str, text: str) -> Delivery:
    """Send a free-form text to `wa_id` and return its "wamid…" message id.

    Raises TransientError when Meta is unreachable, answers 5xx, or reports a rate limit or
    a temporary failure (codes in TRANSIENT_CODES); PermanentError with the Graph `message`
    and `code` for other 4xx (bad token 190, outside the 24 h window, bad recipient …).
    """
    base = settings.WHATSAPP_API_URL.rstrip("/")
    url = f"{base}/{GRAPH_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "text",
        "text": {"body": text},
    }
    response = call(
        "POST",
        url,
        provider=PROVIDER,
        json=payload,
        headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
        classify_error=_classify_error,
        idempotent=False,
    )
    body = json_body(response, provider=PROVIDER)
    try:
        message_id = body["messages"][0]["id"]
    except (KeyError, IndexError, TypeError) as e:
        raise PermanentError(f"{PROVIDER}: unexpected answer {response.text[:200]}") from e
    logger.info("%s: message to %s accepted as %s", PROVIDER, mask(wa_id), message_id)
    return Delivery(provider_message_id=str(message_id))


def _classify_error(response: requests.Response) -> IntegrationError | None:
    try:
        error = response.json()["error"]
        code = int(error.get("code"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # not a Graph envelope: the generic HTTP rules apply
    message = f"{PROVIDER} HTTP {response.status_code}: ({code}) {error.get('message', '')}"
    if code in TRANSIENT_CODES or response.status_code == 429 or response.status_code >= 500:
        return TransientError(message)
    return PermanentError(message)
