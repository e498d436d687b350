"""The one way our clients talk HTTP: a timeout on every call and every failure classified.

Logs carry the provider, the method, the status and the duration, never a URL (Telegram's
carries the bot token), a request body or a phone number: use `mask()` for identifiers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .errors import DeliveryUnknown, IntegrationError, PermanentError, TransientError

logger = logging.getLogger(__name__)

#: Optional per-provider look at a failed response (status >= 400) before the generic rules.
#: It returns the error to raise, or None to fall back to "429/5xx transient, 4xx permanent".
ErrorClassifier = Callable[[requests.Response], IntegrationError | None]

#: How much of an error body goes into an exception message.
BODY_SNIPPET = 200


def call(
    method: str,
    url: str,
    *,
    provider: str,
    classify_error: ErrorClassifier | None = None,
    idempotent: bool = True,
    **kwargs: Any,
) -> requests.Response:
    """Send one request with `settings.INTEGRATIONS_TIMEOUT` and classify the outcome.

    `kwargs` go to `requests.request` (data=, json=, headers=, params=); passing `timeout`
    is a TypeError on purpose: every call uses the project-wide one.

    Returns the response for any status below 400; the caller still checks the provider's own
    envelope (SMS.ru, VK and Viber report errors inside an HTTP 200).
    Raises TransientError on timeouts, connection errors, HTTP 429 and 5xx (with
    `retry_after` from a numeric Retry-After header); PermanentError on any other 4xx, with
    the provider, the status and the start of the body in the message. `classify_error`
    may replace either for a failed response. With `idempotent=False` (a send the provider
    does not de-duplicate) a read timeout raises DeliveryUnknown instead of TransientError:
    the request reached the provider, and repeating it could text the customer twice.
    """
    started = time.monotonic()
    try:
        response = requests.request(method, url, timeout=settings.INTEGRATIONS_TIMEOUT, **kwargs)
    except requests.RequestException as e:
        logger.warning("%s %s failed: %s", provider, method, type(e).__name__)
        if isinstance(e, requests.ReadTimeout) and not idempotent:
            raise DeliveryUnknown(
                f"{provider} did not answer in time; it may have accepted the request"
            ) from None
        # `from None`: the requests message repeats the full URL, and a Telegram URL holds
        # the bot token; the class name and the host are enough to diagnose.
        raise TransientError(
            f"{provider} unreachable ({type(e).__name__}) at {urlsplit(url).netloc}"
        ) from None
    elapsed_ms = (time.monotonic() - started) * 1000
    level = logging.INFO if response.status_code < 400 else logging.WARNING
    logger.log(
        level, "%s %s -> HTTP %s in %.0f ms", provider, method, response.status_code, elapsed_ms
    )
    if response.status_code < 400:
        return response
    if classify_error is not None:
        error = classify_error(response)
        if error is not None:
            raise error
    message = f"{provider} HTTP {response.status_code}: {response.text[:BODY_SNIPPET]}"
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(message, retry_after=_retry_after(response))
    raise PermanentError(message)


def json_body(response: requests.Response, *, provider: str) -> Any:
    """The decoded JSON of a successful response.

    Raises PermanentError when the body is not JSON: a provider that answers 200 with
    something else will not answer differently to the same request.
    """
    try:
        return response.json()
    except ValueError as e:  # requests' JSONDecodeError is a ValueError
        raise PermanentError(
            f"{provider} answered HTTP {response.status_code} with non-JSON: "
            f"{response.text[:BODY_SNIPPET]}"
        ) from e


def mask(value: str) -> str:
    """A recipient (phone, chat or user id) fit for logs: only its last four characters."""
    return f"…{value[-4:]}" if len(value) > 4 else "…"


def _retry_after(response: requests.Response) -> int | None:
    # Only the delay-seconds form; an HTTP-date is rare from APIs and the backoff covers it.
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None
