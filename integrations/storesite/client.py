"""Order events to the store's website: one signed JSON POST to the URL the store set.

Wire format (docs/store-callbacks.md): `POST <callback_url>` with the JSON event as the body and
the headers `Content-Type: application/json`, `X-Store-Code`, `X-Event-Id` and `X-Signature`
(signing.py). Any 2xx means the site has it; redirects are not followed (the site must answer
at the URL it gave, and following a 302 would turn the POST into a GET).
"""

from __future__ import annotations

import requests

from ..errors import IntegrationError, PermanentError, TransientError
from ..http import BODY_SNIPPET, call
from .signing import sign

PROVIDER = "storesite"


class SiteUnavailable(TransientError):
    """The site answered 429 or 5xx: send the event again later. `status_code` is its answer."""

    def __init__(self, *args: object, status_code: int, retry_after: int | None = None) -> None:
        super().__init__(*args, retry_after=retry_after)
        self.status_code = status_code


class SiteRefused(PermanentError):
    """The site answered another 4xx (or a 1xx/3xx): the same event will not fare better."""

    def __init__(self, *args: object, status_code: int) -> None:
        super().__init__(*args)
        self.status_code = status_code


def post_event(url: str, body: bytes, *, store_code: str, secret: str, event_id: str) -> int:
    """Deliver one event; returns the HTTP status of the site's 2xx answer.

    The event id makes a repeat harmless (the site de-duplicates on it), so a read timeout is
    an ordinary TransientError: the event is simply sent again.

    Raises TransientError on timeouts and connection errors, SiteUnavailable (a TransientError,
    with `retry_after` from a numeric Retry-After header) on HTTP 429 and 5xx, SiteRefused (a
    PermanentError) on any other 4xx and on a 1xx/3xx answer.
    """
    response = call(
        "POST",
        url,
        provider=PROVIDER,
        classify_error=_classify,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Store-Code": store_code,
            "X-Event-Id": event_id,
            "X-Signature": sign(body, secret),
        },
        allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise SiteRefused(_message(response, "not 2xx"), status_code=response.status_code)
    return response.status_code


def _classify(response: requests.Response) -> IntegrationError:
    status = response.status_code
    if status == 429 or status >= 500:
        return SiteUnavailable(
            _message(response), status_code=status, retry_after=_retry_after(response)
        )
    return SiteRefused(_message(response), status_code=status)


def _message(response: requests.Response, note: str = "") -> str:
    status = f"{response.status_code} ({note})" if note else str(response.status_code)
    return f"{PROVIDER} HTTP {status}: {response.text[:BODY_SNIPPET]}"


def _retry_after(response: requests.Response) -> int | None:
    # Only the delay-seconds form, like integrations.http; the backoff covers an HTTP-date.
    value = response.headers.get("Retry-After", "").strip()
    return int(value) if value.isdigit() else None
