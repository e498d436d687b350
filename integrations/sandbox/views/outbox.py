"""The outbox page and its «Delivered» button that plays SMS.ru's delivery callback."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ...errors import IntegrationError
from ...http import call
from ...smsru.client import format_status_entry, sign_status_callback
from ..cdek import FAIL_MARKERS, INVALID_MARKER, PICKUP_POINTS
from ..models import (
    SandboxCdekOrder,
    SandboxCdekWebhook,
    SandboxMessage,
    SandboxPayment,
    SandboxRefund,
)
from .common import BAD_RECIPIENT_SUFFIX, TRANSIENT_FAULT_SUFFIX
from .yookassa import FAULT_MARKER

#: How many of the latest messages the outbox shows.
OUTBOX_SIZE = 200
#: SMS.ru's "delivered" status code.
DELIVERED = 103
#: Where SMS.ru would post its status callbacks: our own webhook.
CALLBACK_PATH = "/webhooks/sms/smsru/"


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The latest messages the fake providers accepted, payments and CDEK orders, newest first."""
    return render(
        request,
        "sandbox/outbox.html",
        {
            "sandbox_messages": SandboxMessage.objects.all()[:OUTBOX_SIZE],
            "transient_suffix": TRANSIENT_FAULT_SUFFIX,
            "bad_recipient_suffix": BAD_RECIPIENT_SUFFIX,
            "smsru": SandboxMessage.Provider.SMSRU,
            "sandbox_payments": SandboxPayment.objects.annotate(
                refunded=Sum(
                    "refunds__amount", filter=Q(refunds__status=SandboxRefund.Status.SUCCEEDED)
                )
            )[:OUTBOX_SIZE],
            "payment_statuses": SandboxPayment.Status,
            "payment_fault_marker": FAULT_MARKER,
            "cdek_orders": SandboxCdekOrder.objects.all()[:OUTBOX_SIZE],
            "cdek_webhooks": SandboxCdekWebhook.objects.all(),
            "cdek_fail_marker": FAIL_MARKERS[0],
            "cdek_invalid_marker": INVALID_MARKER,
            "cdek_pickup_points": ", ".join(PICKUP_POINTS),
            "cdek_step_seconds": settings.SANDBOX_CDEK_STEP_SECONDS,
        },
    )


# Not inside the request transaction: the callback below reaches our own server, whose webhook
# must see delivered_at committed and, on SQLite, must be able to take the write lock at all.
@transaction.non_atomic_requests
@require_POST
def smsru_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an SMS delivered and POST a signed SMS.ru status callback (103) to our webhook.

    A webhook that is unreachable or refuses the callback does not undo the mark; the page
    says what happened.
    """
    message = get_object_or_404(SandboxMessage, pk=pk, provider=SandboxMessage.Provider.SMSRU)
    if message.delivered_at is None:
        message.delivered_at = timezone.now()
        message.save(update_fields=["delivered_at"])
    entry = format_status_entry(
        sms_id=message.provider_message_id, status_code=DELIVERED, at=message.delivered_at
    )
    form = sign_status_callback([entry], api_id=settings.SMSRU_API_ID)
    url = f"{settings.SITE_URL.rstrip('/')}{CALLBACK_PATH}"
    try:
        response = call("POST", url, provider="smsru-callback", data=form)
    except IntegrationError as e:
        messages.warning(
            request,
            _("Marked as delivered, but the status callback to %(url)s failed: %(error)s")
            % {"url": url, "error": e},
        )
    else:
        # SMS.ru counts any answer other than "100" as a failed delivery and repeats it.
        if response.text.strip() == "100":
            messages.success(request, _("Marked as delivered; the webhook accepted the callback."))
        else:
            messages.warning(
                request,
                _("Marked as delivered, but the webhook answered %(answer)s instead of 100.")
                % {"answer": response.text[:100]},
            )
    return redirect("sandbox:outbox")
