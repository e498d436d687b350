"""Inbound webhooks of the customer conversation: providers telling us what became of a message."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.errors import InvalidSignature, PermanentError
from integrations.smsru.client import parse_status_callback

from .messaging import message_record_status
from .models import Message

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def smsru_status_webhook(request: HttpRequest) -> HttpResponse:
    """SMS.ru delivery statuses: `data[N]` entries signed by `hash` (external-apis.md, 3a).

    Answers the plain text "100" once the statuses are recorded, also for SMS ids we do not
    know (SMS.ru repeats a callback until it gets "100", and repeating will not make an unknown
    id known). A missing or wrong hash answers 403 and records nothing; a signed entry that
    cannot be read answers 400. Recording is idempotent, so a repeated callback is harmless.
    """
    try:
        statuses = parse_status_callback(request.POST, api_id=settings.SMSRU_API_ID)
    except InvalidSignature:
        logger.warning("smsru callback refused: bad hash")
        return HttpResponse("bad hash", status=403, content_type="text/plain")
    except PermanentError as exc:
        logger.warning("smsru callback refused: %s", exc)
        return HttpResponse(str(exc), status=400, content_type="text/plain")

    for status in statuses:
        error = ""
        if status.failed:
            error = _("SMS.ru: not delivered, status %(code)s.") % {"code": status.status_code}
        message = message_record_status(
            provider_message_id=status.sms_id,
            delivered=status.delivered,
            failed=status.failed,
            at=status.at,
            channel=Message.Channel.SMS,
            error=error,
        )
        if message is None:
            # Only the provider's id: the phone and the text stay out of the logs.
            logger.info("smsru callback for an unknown sms id %s", status.sms_id)
    return HttpResponse("100", content_type="text/plain")
