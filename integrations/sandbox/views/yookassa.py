"""Fake YooKassa API v3 and its payment page (external-apis.md, section 2).

The API takes the real requests at the real paths below `/sandbox/yookassa/v3/` and answers in
YooKassa's format, errors included. `confirmation_url` leads to a page here where the buyer
pays or refuses; either way the sandbox then POSTs the real-format notification to our
webhook, as YooKassa would. Refunds succeed at once and notify a moment after the answer.

Fault injection: a payment description containing "FAIL500" gets HTTP 500 (result unknown).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ...errors import IntegrationError, PermanentError
from ...http import call
from ..models import SandboxPayment, SandboxRefund
from .common import json_object

logger = logging.getLogger(__name__)

#: A payment description containing this gets HTTP 500, as YooKassa's "result unknown".
FAULT_MARKER = "FAIL500"
#: Where YooKassa would send notifications: our own webhook.
WEBHOOK_PATH = "/webhooks/yookassa/"
#: YooKassa notifies after it has answered; this gives create_refund's caller time to record
#: the refund before the notification about it arrives.
REFUND_NOTIFICATION_DELAY = 1.0
MAX_KEY = 64
MAX_DESCRIPTION = 128
MAX_REFUND_DESCRIPTION = 250
MAX_RECEIPT_ITEMS = 100
VAT_CODES = range(1, 13)
CENT = Decimal("0.01")
_MONEY = re.compile(r"\d{1,10}(\.\d{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: The card the sandbox buyer always pays with (YooKassa's test card).
PAYMENT_METHOD_TITLE = "Bank card *4477"
GATEWAY_ID = "1000001"

Status = SandboxPayment.Status


class Refusal(Exception):
    """A request YooKassa would refuse: the HTTP status and its error body's fields."""

    def __init__(self, status: int, code: str, description: str, parameter: str = "") -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.parameter = parameter


def _api(*methods: str) -> Callable[..., Callable[..., JsonResponse]]:
    """An API endpoint: no CSRF, YooKassa's 405, its Basic auth, and Refusal → its error body.

    The view gets the shop id and whether the secret key is a test one. It runs outside the
    request transaction and writes in its own short ones: our webhook re-fetches the payment
    from here while its own request transaction holds SQLite's write lock (IMMEDIATE mode),
    and a GET that began a transaction of its own would wait for that lock until the client
    timed out.
    """

    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @transaction.non_atomic_requests
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                if request.method not in methods:
                    raise Refusal(405, "invalid_request", "Method not allowed")
                shop_id, secret = _basic_auth(request)
                return view(
                    request, *args, shop_id=shop_id, test=secret.startswith("test_"), **kwargs
                )
            except Refusal as refusal:
                return _error(refusal)

        return wrapper

    return decorate


@_api("POST")
def create_payment(request: HttpRequest, *, shop_id: str, test: bool) -> JsonResponse:
    """`POST /payments`: a one-stage redirect payment, pending until the buyer acts.

    Two-stage payments (`capture: false`) are refused: the sandbox has no capture step.
    """
    key = _idempotence_key(request)
    body = _body(request)
    existing = SandboxPayment.objects.filter(idempotence_key=key).first()
    if existing is not None:
        return _repeat(existing, body)
    amount, currency = _money(body.get("amount"), "amount")
    if body.get("capture") is not True:
        raise Refusal(400, "invalid_request", "The sandbox supports only capture: true", "capture")
    confirmation = body.get("confirmation")
    if not isinstance(confirmation, dict) or confirmation.get("type") != "redirect":
        raise Refusal(
            400,
            "invalid_request",
            "The sandbox supports only redirect confirmation",
            "confirmation",
        )
    return_url = confirmation.get("return_url")
    if not isinstance(return_url, str) or not return_url.startswith(("http://", "https://")):
        raise Refusal(400, "invalid_request", "Invalid return_url", "confirmation.return_url")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise Refusal(
            400,
            "invalid_request",
            f"Description must be a string of at most {MAX_DESCRIPTION} characters",
            "description",
        )
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        raise Refusal(400, "invalid_request", "Metadata must be an object", "metadata")
    receipt = body.get("receipt")
    if receipt is not None:
        _check_receipt(receipt, total=amount)
    if FAULT_MARKER in description:
        raise Refusal(500, "internal_server_error", "Internal server error")
    try:
        with transaction.atomic():
            payment = SandboxPayment.objects.create(
                payment_id=_new_id("000f"),
                amount=amount,
                currency=currency,
                description=description,
                metadata=metadata,
                receipt=receipt,
                return_url=return_url,
                idempotence_key=key,
                request_payload=body,
                account_id=shop_id,
                test=test,
            )
    except IntegrityError:
        # A repeat with the same key raced us to it.
        return _repeat(SandboxPayment.objects.get(idempotence_key=key), body)
    return JsonResponse(payment_object(payment))


@_api("GET")
def get_payment(request: HttpRequest, payment_id: str, *, shop_id: str, test: bool) -> JsonResponse:
    """`GET /payments/{id}`."""
    return JsonResponse(payment_object(_payment_or_404(payment_id)))


@_api("POST")
def cancel_payment(
    request: HttpRequest, payment_id: str, *, shop_id: str, test: bool
) -> JsonResponse:
    """`POST /payments/{id}/cancel`: YooKassa cancels only a payment waiting for capture.

    A one-stage payment never waits, so a pending one is refused (it expires by itself) and
    a succeeded one too (it needs a refund); an already canceled one is returned as it is.
    """
    _idempotence_key(request)
    payment = _payment_or_404(payment_id)
    if payment.status != Status.CANCELED:
        raise Refusal(
            400,
            "invalid_request",
            f"Payment is in status {payment.status}; only a payment in status "
            "waiting_for_capture can be canceled",
            "payment_id",
        )
    return JsonResponse(payment_object(payment))


@_api("POST")
def create_refund(request: HttpRequest, *, shop_id: str, test: bool) -> JsonResponse:
    """`POST /refunds`: up to what is left of a succeeded payment; succeeds at once."""
    key = _idempotence_key(request)
    body = _body(request)
    existing = SandboxRefund.objects.filter(idempotence_key=key).first()
    if existing is not None:
        return _repeat(existing, body)
    payment_id = body.get("payment_id")
    if not isinstance(payment_id, str) or not payment_id:
        raise Refusal(400, "invalid_request", "Payment id is required", "payment_id")
    amount, currency = _money(body.get("amount"), "amount")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_REFUND_DESCRIPTION:
        raise Refusal(400, "invalid_request", "Invalid refund description", "description")
    if body.get("receipt") is not None:
        _check_receipt(body["receipt"], total=amount)
    with transaction.atomic():
        # Locked: two refunds at once must not both fit into what is left.
        payment = SandboxPayment.objects.select_for_update().filter(payment_id=payment_id).first()
        if payment is None:
            raise Refusal(
                400, "invalid_request", "Payment doesn't exist or access denied", "payment_id"
            )
        if payment.status != Status.SUCCEEDED:
            raise Refusal(
                400,
                "invalid_request",
                f"Payment is in status {payment.status}; only a succeeded payment can be refunded",
                "payment_id",
            )
        if currency != payment.currency:
            raise Refusal(400, "invalid_request", "Currency differs from the payment's", "amount")
        available = payment.amount - payment.refunded_amount()
        if amount > available:
            raise Refusal(
                400,
                "invalid_request",
                f"Refund amount exceeds the amount available for refund ({available:.2f})",
                "amount.value",
            )
        try:
            with transaction.atomic():
                refund = SandboxRefund.objects.create(
                    refund_id=_new_id("0016"),
                    payment=payment,
                    amount=amount,
                    description=description,
                    idempotence_key=key,
                    request_payload=body,
                )
        except IntegrityError:
            return _repeat(SandboxRefund.objects.get(idempotence_key=key), body)
    notification = refund_object(refund)
    transaction.on_commit(lambda: notify_later("refund.succeeded", notification))
    return JsonResponse(notification)


@_api("GET")
def get_refund(request: HttpRequest, refund_id: str, *, shop_id: str, test: bool) -> JsonResponse:
    """`GET /refunds/{id}`."""
    refund = SandboxRefund.objects.select_related("payment").filter(refund_id=refund_id).first()
    if refund is None:
        raise Refusal(404, "not_found", "Refund doesn't exist or access denied", "refund_id")
    return JsonResponse(refund_object(refund))


# Not inside the request transaction: the notification reaches our own server, whose webhook
# re-fetches the payment and must see the new status committed (and, on SQLite, must be able
# to take the write lock at all).
@transaction.non_atomic_requests
def pay_page(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The buyer's page: the shop's description, the receipt lines, the total and the buttons.

    POST `action=pay` → succeeded, `action=refuse` → canceled (YooKassa's "general_decline");
    then the notification goes to our webhook and the buyer to the return URL. When the
    webhook cannot be reached or refuses, the page stays and says so.
    """
    payment = get_object_or_404(SandboxPayment, payment_id=payment_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "pay":
            changed = _finish(payment, status=Status.SUCCEEDED)
        elif action == "refuse":
            changed = _finish(
                payment, status=Status.CANCELED, party="yoo_money", reason="general_decline"
            )
        else:
            return HttpResponseBadRequest("action must be pay or refuse")
        payment.refresh_from_db()
        if not changed:
            messages.info(request, _("This payment is already finished."))
            return redirect("sandbox:yookassa-pay", payment_id=payment.payment_id)
        problem = send_notification(_payment_event(payment), payment_object(payment))
        if problem is not None:
            messages.warning(
                request,
                _("The shop was not notified: %(problem)s") % {"problem": problem},
            )
            return redirect("sandbox:yookassa-pay", payment_id=payment.payment_id)
        if payment.return_url:
            return redirect(payment.return_url)
        return redirect("sandbox:yookassa-pay", payment_id=payment.payment_id)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(
        request,
        "sandbox/yookassa_pay.html",
        {"payment": payment, "lines": _receipt_lines(payment), "statuses": Status},
    )


@transaction.non_atomic_requests
@require_POST
def expire(request: HttpRequest, payment_id: str) -> HttpResponse:
    """Outbox button: the buyer never paid, YooKassa cancels ("expired_on_confirmation")."""
    payment = get_object_or_404(SandboxPayment, payment_id=payment_id)
    if _finish(
        payment, status=Status.CANCELED, party="yoo_money", reason="expired_on_confirmation"
    ):
        payment.refresh_from_db()
        _report(request, send_notification("payment.canceled", payment_object(payment)))
    else:
        messages.info(request, _("This payment is already finished."))
    return redirect("sandbox:outbox")


@transaction.non_atomic_requests
@require_POST
def renotify(request: HttpRequest, payment_id: str) -> HttpResponse:
    """Outbox button: send the payment's notification again, as YooKassa does for 24 hours."""
    payment = get_object_or_404(SandboxPayment, payment_id=payment_id)
    if payment.status == Status.PENDING:
        messages.info(request, _("A pending payment has no notification to repeat."))
    else:
        _report(request, send_notification(_payment_event(payment), payment_object(payment)))
    return redirect("sandbox:outbox")


def payment_object(payment: SandboxPayment) -> dict[str, Any]:
    """The payment as YooKassa's API and notifications show it."""
    obj: dict[str, Any] = {
        "id": payment.payment_id,
        "status": payment.status,
        "paid": payment.status == Status.SUCCEEDED,
        "amount": _amount(payment.amount, payment.currency),
        "created_at": _timestamp(payment.created_at),
        "description": payment.description,
        "metadata": payment.metadata,
        "recipient": {"account_id": payment.account_id, "gateway_id": GATEWAY_ID},
        "refundable": False,
        "test": payment.test,
    }
    if not payment.description:
        del obj["description"]
    if payment.status == Status.PENDING:
        obj["confirmation"] = {
            "type": "redirect",
            "return_url": payment.return_url,
            "confirmation_url": confirmation_url(payment.payment_id),
        }
    elif payment.status == Status.SUCCEEDED:
        refunded = payment.refunded_amount()
        obj["refundable"] = refunded < payment.amount
        obj["captured_at"] = _timestamp(payment.paid_at or payment.created_at)
        obj["payment_method"] = {
            "type": "bank_card",
            "id": payment.payment_id,
            "saved": False,
            "title": PAYMENT_METHOD_TITLE,
        }
        if refunded:
            obj["refunded_amount"] = _amount(refunded, payment.currency)
    else:
        obj["cancellation_details"] = {
            "party": payment.cancellation_party,
            "reason": payment.cancellation_reason,
        }
    if payment.receipt:
        obj["receipt_registration"] = (
            "succeeded" if payment.status == Status.SUCCEEDED else "pending"
        )
    return obj


def refund_object(refund: SandboxRefund) -> dict[str, Any]:
    """The refund as YooKassa's API and notifications show it."""
    obj: dict[str, Any] = {
        "id": refund.refund_id,
        "payment_id": refund.payment.payment_id,
        "status": refund.status,
        "amount": _amount(refund.amount, refund.payment.currency),
        "created_at": _timestamp(refund.created_at),
    }
    if refund.description:
        obj["description"] = refund.description
    return obj


def confirmation_url(payment_id: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('sandbox:yookassa-pay', args=[payment_id])}"


def send_notification(event: str, obj: dict[str, Any]) -> str | None:
    """POST `{"type": "notification", "event", "object"}` to our webhook as YooKassa does.

    Returns None when the webhook answered 200 (anything else makes YooKassa repeat), or what
    went wrong, for a message.
    """
    url = f"{settings.SITE_URL.rstrip('/')}{WEBHOOK_PATH}"
    payload = {"type": "notification", "event": event, "object": obj}
    try:
        response = call(
            "POST",
            url,
            provider="yookassa-notification",
            # The status is the news; the start of a debug error page is not.
            classify_error=lambda r: PermanentError(f"{url} answered HTTP {r.status_code}"),
            json=payload,
        )
    except IntegrationError as e:
        return str(e)
    if response.status_code != 200:
        return f"{url} answered HTTP {response.status_code} instead of 200"
    return None


def notify_later(event: str, obj: dict[str, Any]) -> None:
    """Send the notification from a thread after REFUND_NOTIFICATION_DELAY seconds."""

    def send() -> None:
        problem = send_notification(event, obj)
        if problem is not None:
            logger.warning(
                "sandbox yookassa: %s for %s not delivered: %s", event, obj["id"], problem
            )

    timer = threading.Timer(REFUND_NOTIFICATION_DELAY, send)
    timer.daemon = True
    timer.start()


def _finish(payment: SandboxPayment, *, status: str, party: str = "", reason: str = "") -> bool:
    """Move a pending payment to `status`; False when it was no longer pending."""
    fields: dict[str, Any] = {"status": status}
    if status == Status.SUCCEEDED:
        fields["paid_at"] = timezone.now()
    else:
        fields.update(cancellation_party=party, cancellation_reason=reason)
    # A conditional UPDATE: a double click, or two tabs, change the payment once.
    return SandboxPayment.objects.filter(pk=payment.pk, status=Status.PENDING).update(**fields) == 1


def _payment_event(payment: SandboxPayment) -> str:
    return f"payment.{payment.status}"


def _report(request: HttpRequest, problem: str | None) -> None:
    if problem is None:
        messages.success(request, _("The notification was sent; the shop accepted it."))
    else:
        messages.warning(
            request, _("The shop was not notified: %(problem)s") % {"problem": problem}
        )


def _receipt_lines(payment: SandboxPayment) -> list[dict[str, Any]]:
    items = (payment.receipt or {}).get("items") or []
    lines = []
    for item in items:
        quantity = Decimal(str(item["quantity"]))
        price = Decimal(str(item["amount"]["value"]))
        lines.append(
            {
                "description": item["description"],
                # "2", not "2.000" or normalize()'s "1E+1" for ten.
                "quantity": (
                    quantity.quantize(Decimal(1))
                    if quantity == quantity.to_integral_value()
                    else quantity.normalize()
                ),
                "price": price,
                "total": (price * quantity).quantize(CENT, ROUND_HALF_UP),
            }
        )
    return lines


def _basic_auth(request: HttpRequest) -> tuple[str, str]:
    scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    shop_id, _sep, secret = decoded.partition(":")
    if scheme.lower() != "basic" or not shop_id or not secret:
        raise Refusal(
            401,
            "invalid_credentials",
            "Authentication by given credentials failed: use Basic auth with shopId and secret key",
            "Authorization",
        )
    return shop_id, secret


def _idempotence_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotence-Key", "").strip()
    if not key:
        raise Refusal(400, "invalid_request", "Idempotence key is missing", "Idempotence-Key")
    if len(key) > MAX_KEY:
        raise Refusal(
            400,
            "invalid_request",
            f"Idempotence key is longer than {MAX_KEY} characters",
            "Idempotence-Key",
        )
    return key


def _body(request: HttpRequest) -> dict[str, Any]:
    body = json_object(request)
    if body is None:
        raise Refusal(400, "invalid_request", "Request body is not a valid JSON object")
    return body


def _repeat(existing: SandboxPayment | SandboxRefund, body: dict[str, Any]) -> JsonResponse:
    """A repeat with a known key: the same object for the same body, YooKassa's 400 else."""
    if existing.request_payload != body:
        raise Refusal(400, "invalid_request", "Idempotence key duplicated", "Idempotence-Key")
    if isinstance(existing, SandboxRefund):
        return JsonResponse(refund_object(existing))
    return JsonResponse(payment_object(existing))


def _money(value: Any, parameter: str) -> tuple[Decimal, str]:
    if not isinstance(value, dict):
        raise Refusal(400, "invalid_request", "Amount is required", parameter)
    raw = value.get("value")
    if not isinstance(raw, str) or not _MONEY.fullmatch(raw) or Decimal(raw) <= 0:
        raise Refusal(
            400,
            "invalid_request",
            'Amount value must be a positive decimal string, e.g. "100.00"',
            f"{parameter}.value",
        )
    currency = value.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise Refusal(400, "invalid_request", "Invalid currency", f"{parameter}.currency")
    return Decimal(raw), currency


def _check_receipt(receipt: Any, *, total: Decimal) -> None:
    """YooKassa's checks of a 54-FZ receipt: a customer contact, valid lines, the right sum."""
    if not isinstance(receipt, dict):
        raise Refusal(400, "invalid_request", "Receipt must be an object", "receipt")
    customer = receipt.get("customer")
    if not isinstance(customer, dict) or not (customer.get("phone") or customer.get("email")):
        raise Refusal(
            400,
            "invalid_request",
            "Receipt needs customer.phone or customer.email",
            "receipt.customer",
        )
    items = receipt.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_RECEIPT_ITEMS:
        raise Refusal(
            400, "invalid_request", f"Receipt needs 1 to {MAX_RECEIPT_ITEMS} items", "receipt.items"
        )
    lines_total = Decimal(0)
    for index, item in enumerate(items):
        where = f"receipt.items[{index}]"
        if not isinstance(item, dict):
            raise Refusal(400, "invalid_request", "Receipt item must be an object", where)
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= MAX_DESCRIPTION:
            raise Refusal(
                400, "invalid_request", "Invalid receipt item description", f"{where}.description"
            )
        try:
            quantity = Decimal(str(item.get("quantity")))
        except InvalidOperation:
            quantity = Decimal(0)
        if not quantity.is_finite() or quantity <= 0:
            raise Refusal(400, "invalid_request", "Invalid quantity", f"{where}.quantity")
        price, _currency = _money(item.get("amount"), f"{where}.amount")
        if item.get("vat_code") not in VAT_CODES or isinstance(item.get("vat_code"), bool):
            raise Refusal(400, "invalid_request", "Invalid vat_code", f"{where}.vat_code")
        lines_total += (price * quantity).quantize(CENT, ROUND_HALF_UP)
    if lines_total != total:
        raise Refusal(
            400,
            "invalid_request",
            f"Sum of the receipt items ({lines_total:.2f}) is not equal to the amount "
            f"({total:.2f})",
            "receipt",
        )


def _payment_or_404(payment_id: str) -> SandboxPayment:
    payment = SandboxPayment.objects.filter(payment_id=payment_id).first()
    if payment is None:
        raise Refusal(404, "not_found", "Payment doesn't exist or access denied", "payment_id")
    return payment


def _new_id(kind: str) -> str:
    # YooKassa's ids look like UUIDs with a type marker: "2d8d9ea4-000f-5000-8000-1b2b8f2e0c3a".
    hex_ = uuid.uuid4().hex
    return f"{hex_[:8]}-{kind}-5000-8000-{hex_[8:20]}"


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


def _timestamp(moment: datetime) -> str:
    # YooKassa: UTC, milliseconds, "Z".
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(refusal: Refusal) -> JsonResponse:
    body = {
        "type": "error",
        "id": str(uuid.uuid4()),
        "code": refusal.code,
        "description": refusal.description,
    }
    if refusal.parameter:
        body["parameter"] = refusal.parameter
    return JsonResponse(body, status=refusal.status)
