"""CDEK's ORDER_STATUS pushes (external-apis.md, section 1), mounted at /webhooks/cdek/."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from automation.models import Via
from integrations.cdek import client as cdek
from integrations.errors import PermanentError

from .shipments import _enqueue_sync, shipment_for_push

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def cdek_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /webhooks/cdek/`: a shipment's status changed at CDEK.

    CDEK does not sign its pushes, so the body is never trusted: only a push about one of our
    shipments is taken, and it only makes a worker read the order from CDEK
    (`shipment_sync`), which stores each status once. Answers 200 quickly, also for a
    shipment that is not ours (logged with CDEK's ids only); 400 for a body that is not an
    ORDER_STATUS push.
    """
    try:
        event = cdek.parse_status_webhook(request.body)
    except PermanentError as exc:
        logger.warning("cdek webhook refused: %s", exc)
        return HttpResponse("bad request", status=400, content_type="text/plain")
    shipment_id = shipment_for_push(event)
    if shipment_id is None:
        logger.info("cdek %s for an unknown shipment %s", event.code, event.uuid)
        return HttpResponse("ok", content_type="text/plain")
    transaction.on_commit(lambda: _enqueue_sync(shipment_id, via=Via.WEBHOOK))
    return HttpResponse("ok", content_type="text/plain")
