"""Failure classes shared by every external client.

Celery retries only `TransientError`; a `PermanentError` means that sending the same request
again cannot succeed (bad credentials, a rejected payload) and a person must look at it.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """A call to an external system failed."""


class TransientError(IntegrationError):
    """Timeouts, connection errors, HTTP 429 and 5xx: worth retrying later.

    `retry_after` is the pause in seconds the provider asked for (Telegram's
    `parameters.retry_after`, an HTTP `Retry-After` header), or None when it named none;
    a Celery task may pass it as `countdown` instead of its own backoff.
    """

    retry_after: int | None = None

    def __init__(self, *args: object, retry_after: int | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


class PermanentError(IntegrationError):
    """HTTP 4xx and malformed answers: retrying the same request will not help."""


class DeliveryUnknown(PermanentError):
    """A request that is not safe to repeat got no answer in time: the provider may have
    accepted it. Retrying could send the customer the same text twice, so a person decides."""


class InvalidSignature(PermanentError):
    """An incoming callback's signature (hash, HMAC) is missing or does not match: reject it."""
