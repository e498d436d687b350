"""Telegram Bot API: sending a text message (external-apis.md, section 4).

Wire format: `POST {TELEGRAM_API_URL}/bot<token>/sendMessage` with JSON; every answer is an
envelope `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description",
"parameters"?: {"retry_after"}}`.
"""

from __future__ import annotations

import logging
import re

import requests
from django.conf import settings

from ..delivery import Delivery
from ..errors import IntegrationError, PermanentError, TransientError
from ..http import call, json_body, mask

logger = logging.getLogger(__name__)

PROVIDER = "telegram"
_NUMERIC_CHAT_ID = re.compile(r"-?\d+")


def send_message(*, chat_id: str, text: str) -> Delivery:
    """Send `text` to a chat and return the message id (unique within that chat only).

    Raises TransientError when Telegram is unreachable, answers 5xx or 429 (then with
    `retry_after` from `parameters.retry_after`: Telegram's limits are dynamic, the wait it
    names is the one to honour); PermanentError with Telegram's `description` for 400
    ("chat not found"), 403 ("bot was blocked by the user") and other refusals.
    """
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    payload = {"chat_id": _chat_id(chat_id), "text": text}
    response = call(
        "POST",
        url,
        provider=PROVIDER,
        json=payload,
        classify_error=_classify_error,
        idempotent=False,
    )
    body = json_body(response, provider=PROVIDER)
    result = body.get("result") if isinstance(body, dict) and body.get("ok") else None
    if not isinstance(result, dict) or "message_id" not in result:
        raise PermanentError(f"{PROVIDER}: unexpected answer {response.text[:200]}")
    logger.info("%s: message to %s sent as %s", PROVIDER, mask(chat_id), result["message_id"])
    return Delivery(provider_message_id=str(result["message_id"]))


def _chat_id(chat_id: str) -> int | str:
    # Telegram takes an Integer or a "@channel" String; send numbers as numbers, as its own
    # clients do, so that nothing depends on Telegram coercing "123" for us.
    return int(chat_id) if _NUMERIC_CHAT_ID.fullmatch(chat_id) else chat_id


def _classify_error(response: requests.Response) -> IntegrationError | None:
    try:
        body = response.json()
    except ValueError:
        return None  # not Telegram's envelope (a proxy page): the generic rules apply
    if not isinstance(body, dict):
        return None
    description = body.get("description", "")
    message = f"{PROVIDER} HTTP {response.status_code}: {description}"
    if response.status_code == 429:
        retry_after = (body.get("parameters") or {}).get("retry_after")
        if not isinstance(retry_after, int):
            retry_after = None
        return TransientError(message, retry_after=retry_after)
    if response.status_code >= 500:
        return TransientError(message)
    return PermanentError(message)
