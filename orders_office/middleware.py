"""Answers 503 Service Unavailable, not 500, while the database cannot be reached."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait: PostgreSQL restarts in a few seconds.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """A view that lost the database (PostgreSQL restarting, a failover, a cut connection)
    answers 503 with Retry-After. Its transaction (ATOMIC_REQUESTS) wrote nothing, so the
    store's website, a provider's webhook or the manager may simply send the request again;
    a 500 would say that the request itself is wrong, and page the people on call for a
    restart. The next request opens a fresh connection (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable: %s %s answered 503 (%s)",
            request.method,
            request.path,
            type(exception).__name__,
        )
        message = _("The service is temporarily unavailable. Try again in a few seconds.")
        if request.path.startswith("/api/"):  # the API answers its errors in JSON
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
