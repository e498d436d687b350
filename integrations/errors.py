"""Failure classes shared by every external client.

Celery retries only `TransientError`; a `PermanentError` means that sending the same request
again cannot succeed (bad credentials, a rejected payload) and a person must look at it.
"""


class IntegrationError(Exception):
    """A call to an external system failed."""


class TransientError(IntegrationError):
    """Timeouts, connection errors, HTTP 429 and 5xx: worth retrying later."""


class PermanentError(IntegrationError):
    """HTTP 4xx and malformed answers: retrying the same request will not help."""
