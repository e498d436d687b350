"""YooKassa's notifications about payments and refunds (external-apis.md, section 2)."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.errors import PermanentError, TransientError
from integrations.yookassa import client as yookassa

from .payments import payment_sync, refund_sync

logger = logging.getLogger(__name__)

#: YooKassa's answers to re-fetching the object that mean the notification is not about one
#: of its objects (404 not_found; 400 for an id that is not one): acknowledged and dropped.
NOT_THEIRS = frozenset({400, 404})


def client_ip(request: HttpRequest) -> str:
    """The address the notification came from.

    REMOTE_ADDR, unless the request came through our own reverse proxy (it connects from a
    loopback or private address): then the last X-Forwarded-For entry, the one the proxy
    appended for the peer it saw. The entries before it are whatever the sender wrote and
    are never trusted, nor is the header of a request that reached us directly. The proxy
    must append to the header (nginx: `$proxy_add_x_forwarded_for`), not pass it through.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        try:
            peer = ipaddress.ip_address(remote)
        except ValueError:
            return remote
        if peer.is_loopback or peer.is_private:
            return forwarded.split(",")[-1].strip()
    return remote


@transaction.non_atomic_requests
@csrf_exempt
@require_POST
def yookassa_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /webhooks/yookassa/`: a payment or a refund changed at YooKassa.

    The body only names the object: it is fetched again from YooKassa and its fetched state is
    applied (orders.payments.payment_sync / refund_sync), which is idempotent, because
    YooKassa repeats a notification until it gets HTTP 200, for 24 hours.

    Answers 200 once handled, also for an object that is not ours (repeating will not make
    it ours, or YooKassa does not know it); 400 for a body that is not a notification; 403
    when the sender's address is not YooKassa's (only with settings.YOOKASSA_CHECK_IP); 503
    when YooKassa cannot be asked right now or refuses our credentials, or its answer cannot
    be read, so that it notifies again later. Not atomic as a request: no transaction may
    stay open while YooKassa is asked; the services open their own.
    """
    if settings.YOOKASSA_CHECK_IP and not yookassa.is_yookassa_address(client_ip(request)):
        logger.warning("yookassa notification refused: sender %s", client_ip(request))
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    try:
        notification = yookassa.parse_notification(request.body)
    except PermanentError as exc:
        logger.warning("yookassa notification refused: %s", exc)
        return HttpResponse("bad notification", status=400, content_type="text/plain")
    try:
        if notification.object_type == "refund":
            found = refund_sync(provider_refund_id=notification.object_id)
        else:
            found = payment_sync(provider_payment_id=notification.object_id)
    except TransientError as exc:
        logger.warning(
            "yookassa %s %s: try later: %s", notification.event, notification.object_id, exc
        )
        return HttpResponse("try later", status=503, content_type="text/plain")
    except PermanentError as exc:
        if isinstance(exc, yookassa.YooKassaError) and exc.status_code in NOT_THEIRS:
            # YooKassa does not know its own object: a forged or a foreign notification.
            logger.warning("yookassa %s %s: %s", notification.event, notification.object_id, exc)
            return HttpResponse("ok", content_type="text/plain")
        # Our credentials refused (401/403), or an answer we cannot read: the notification
        # may well be real. Not acknowledged, so that YooKassa repeats it once fixed.
        logger.error(
            "yookassa %s %s: cannot check it: %s", notification.event, notification.object_id, exc
        )
        return HttpResponse("try later", status=503, content_type="text/plain")
    if found is None:
        # Only YooKassa's ids: no customer data in the logs.
        logger.info(
            "yookassa %s for an unknown %s %s",
            notification.event,
            notification.object_type,
            notification.object_id,
        )
    return HttpResponse("ok", content_type="text/plain")
