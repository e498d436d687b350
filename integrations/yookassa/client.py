"""YooKassa API v3: payments by redirect, refunds and notifications (external-apis.md, section 2).

Wire format: JSON both ways, HTTP Basic auth `shop id : secret key`, money as strings with two
decimals (`{"value": "1234.50", "currency": "RUB"}`). Every POST carries an `Idempotence-Key`:
YooKassa answers a repeat with the same key and body with the original result, and documents
HTTP 500 as "result unknown, repeat with the same key". So our POSTs are safe to repeat and a
timeout is a TransientError here, not DeliveryUnknown as for an SMS.

Notifications carry no signature: check the sender's address (`is_yookassa_address`) if the
proxy allows, and always re-fetch the object (`get_payment`) before acting on it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from ..errors import IntegrationError, PermanentError, TransientError
from ..http import BODY_SNIPPET, call, json_body

logger = logging.getLogger(__name__)

PROVIDER = "yookassa"
CURRENCY = "RUB"
#: The API's limit for a payment's and a receipt line's `description`.
MAX_DESCRIPTION = 128
#: The API's limit for an Idempotence-Key *(unverified, see external-apis.md)*.
MAX_IDEMPOTENCE_KEY = 64
CENT = Decimal("0.01")

#: `vat_code` of a receipt line (yookassa.ru/developers/54fz/parameters-values, «Коды ставок
#: НДС»). From 1 January 2026 the standard rate is 22%: codes 11 and 12. The calculated rates
#: (10/110, 22/122 …) are for advance payments; a full payment for goods uses the plain rate.
VAT_NONE = 1
VAT_0 = 2
VAT_10 = 3
VAT_20 = 4
VAT_10_110 = 5
VAT_20_120 = 6
VAT_5 = 7
VAT_7 = 8
VAT_5_105 = 9
VAT_7_107 = 10
VAT_22 = 11
VAT_22_122 = 12
#: A catalog VAT rate ("none" or percent, as catalog.Product.VatRate stores it) → `vat_code`.
VAT_CODE_BY_RATE = {
    "none": VAT_NONE,
    "0": VAT_0,
    "5": VAT_5,
    "7": VAT_7,
    "10": VAT_10,
    "20": VAT_20,
    "22": VAT_22,
}

#: Where YooKassa sends notifications from (yookassa.ru/developers/using-api/webhooks).
NOTIFICATION_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    )
)
#: The objects a notification may be about that this client reads; YooKassa also has
#: `payment_method`, `payout` and `deal` events for products we do not use.
NOTIFICATION_OBJECTS = frozenset({"payment", "refund"})


@dataclass(frozen=True)
class ReceiptItem:
    """One line of the 54-FZ receipt: `unit_price` is per unit, as the API's `amount`.

    `description` is cut to 128 characters when sent; `vat_code` is one of the VAT_* codes
    (`vat_code_for_rate` maps the catalog's rates).
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: int


@dataclass(frozen=True)
class YooPayment:
    """A payment as the API returns it. `confirmation_url` is set while it waits for the buyer;
    `cancellation_reason` ("expired_on_confirmation", "general_decline" …) once canceled."""

    id: str
    status: str
    paid: bool
    amount: Decimal
    currency: str
    confirmation_url: str | None
    metadata: dict[str, str]
    cancellation_reason: str | None
    refundable: bool
    test: bool


@dataclass(frozen=True)
class YooRefund:
    id: str
    status: str
    amount: Decimal
    payment_id: str


@dataclass(frozen=True)
class YooNotification:
    """What a notification is about; the object itself is to be re-fetched, not trusted."""

    event: str
    object_type: str
    object_id: str
    payment_id: str


class YooKassaError(PermanentError):
    """YooKassa refused a request (HTTP 4xx): its error `code` ("invalid_request",
    "not_found", "invalid_credentials" …), `description` and the `parameter` at fault."""

    def __init__(
        self,
        *args: object,
        status_code: int,
        code: str = "",
        description: str = "",
        parameter: str = "",
    ) -> None:
        super().__init__(*args)
        self.status_code = status_code
        self.code = code
        self.description = description
        self.parameter = parameter


def create_payment(
    *,
    amount: Decimal,
    description: str,
    metadata: dict[str, str],
    idempotence_key: str,
    return_url: str | None = None,
    receipt_items: list[ReceiptItem] | None = None,
    customer_phone: str = "",
    customer_email: str = "",
) -> YooPayment:
    """Create a one-stage payment (`capture: true`) the buyer confirms at `confirmation_url`.

    The same `idempotence_key` with the same arguments returns the same payment, so a retry
    after a timeout or a 5xx never charges twice; the same key with other arguments is a
    YooKassaError ("Idempotence key duplicated"). `return_url` defaults to
    settings.YOOKASSA_RETURN_URL. With `receipt_items` the payment carries a 54-FZ receipt
    for `customer_phone` or `customer_email`: the lines must add up to `amount`.

    Raises TransientError when YooKassa is unreachable, times out or answers 429/5xx;
    YooKassaError (a PermanentError) on 4xx; PermanentError for an answer that is not a
    payment and for a receipt that YooKassa would refuse (no customer, lines ≠ amount);
    ValueError for a non-Decimal amount, more than two decimals or a bad key.
    """
    body: dict[str, Any] = {
        "amount": _amount(amount),
        "capture": True,
        "confirmation": {
            "type": "redirect",
            "return_url": return_url or settings.YOOKASSA_RETURN_URL,
        },
        "metadata": dict(metadata),
    }
    if description:
        body["description"] = description[:MAX_DESCRIPTION]
    if receipt_items:
        body["receipt"] = _receipt(
            receipt_items, total=amount, phone=customer_phone, email=customer_email
        )
    data = _post("/payments", body, idempotence_key=idempotence_key)
    payment = _payment(data)
    logger.info("%s: payment %s created, %s", PROVIDER, payment.id, payment.status)
    return payment


def get_payment(payment_id: str) -> YooPayment:
    """The payment's current state: what to act on, whatever a notification said.

    Raises TransientError (unreachable, 429/5xx), YooKassaError (404 "not_found" for an
    unknown id, other 4xx), PermanentError for an answer that is not a payment.
    """
    response = call(
        "GET",
        f"{_base_url()}/payments/{_path_id(payment_id)}",
        provider=PROVIDER,
        classify_error=_classify_error,
        auth=_auth(),
    )
    return _payment(_success_body(response))


def cancel_payment(payment_id: str, *, idempotence_key: str) -> YooPayment:
    """Cancel a payment. YooKassa cancels only a two-stage payment in `waiting_for_capture`;
    a `pending` one (not paid yet) is refused with a YooKassaError and expires by itself
    (`canceled`, reason "expired_on_confirmation"); a `succeeded` one needs a refund.

    Raises as create_payment.
    """
    data = _post(f"/payments/{_path_id(payment_id)}/cancel", {}, idempotence_key=idempotence_key)
    payment = _payment(data)
    logger.info("%s: payment %s canceled, %s", PROVIDER, payment.id, payment.status)
    return payment


def create_refund(
    *,
    payment_id: str,
    amount: Decimal,
    idempotence_key: str,
    description: str = "",
    receipt_items: list[ReceiptItem] | None = None,
    customer_phone: str = "",
    customer_email: str = "",
) -> YooRefund:
    """Return `amount` (all or part of what is left) of a succeeded payment.

    With 54-FZ receipts on, YooKassa wants a refund receipt: pass the returned lines as
    `receipt_items` (they must add up to `amount`) with the customer's phone or e-mail.
    The same `idempotence_key` and arguments return the same refund.

    Raises as create_payment; YooKassaError when the amount exceeds what is left to refund
    or the payment cannot be refunded.
    """
    body: dict[str, Any] = {"payment_id": payment_id, "amount": _amount(amount)}
    if description:
        body["description"] = description[:MAX_DESCRIPTION]
    if receipt_items:
        body["receipt"] = _receipt(
            receipt_items, total=amount, phone=customer_phone, email=customer_email
        )
    refund = _refund(_post("/refunds", body, idempotence_key=idempotence_key))
    logger.info(
        "%s: refund %s of payment %s, %s", PROVIDER, refund.id, refund.payment_id, refund.status
    )
    return refund


def get_refund(refund_id: str) -> YooRefund:
    """The refund's current state. Raises as get_payment."""
    response = call(
        "GET",
        f"{_base_url()}/refunds/{_path_id(refund_id)}",
        provider=PROVIDER,
        classify_error=_classify_error,
        auth=_auth(),
    )
    return _refund(_success_body(response))


def parse_notification(body: bytes) -> YooNotification:
    """Read a notification body: `{"type": "notification", "event": …, "object": {…}}`.

    Only identifies the object: the status in the body is not proof of anything.
    Raises PermanentError for a body that is not JSON, not a notification, lacks the event
    or the object's id (a refund's `payment_id`), or is about something other than a
    payment or a refund.
    """
    try:
        data = json.loads(body)
    except ValueError as e:  # UnicodeDecodeError is a ValueError too
        raise PermanentError(f"{PROVIDER}: the notification is not JSON") from e
    if not isinstance(data, dict) or data.get("type") != "notification":
        raise PermanentError(f"{PROVIDER}: not a notification")
    event = data.get("event")
    obj = data.get("object")
    if not isinstance(event, str) or "." not in event or not isinstance(obj, dict):
        raise PermanentError(f"{PROVIDER}: a notification without an event or an object")
    object_type = event.split(".", 1)[0]
    if object_type not in NOTIFICATION_OBJECTS:
        raise PermanentError(f"{PROVIDER}: unexpected notification {event!r}")
    object_id = obj.get("id")
    payment_id = object_id if object_type == "payment" else obj.get("payment_id")
    if not isinstance(object_id, str) or not object_id:
        raise PermanentError(f"{PROVIDER}: {event} without the object's id")
    if not isinstance(payment_id, str) or not payment_id:
        raise PermanentError(f"{PROVIDER}: {event} without the payment id")
    return YooNotification(
        event=event, object_type=object_type, object_id=object_id, payment_id=payment_id
    )


def is_yookassa_address(ip: str) -> bool:
    """Whether `ip` (IPv4, IPv6 or IPv4-mapped IPv6) is one YooKassa notifies from.

    Anything that is not an address (empty, a host name, garbage) is False.
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # `in` across IP versions is simply False.
    return any(address in network for network in NOTIFICATION_NETWORKS)


def vat_code_for_rate(rate: str) -> int:
    """The `vat_code` for a catalog VAT rate ("none", "0", "5", "7", "10", "20", "22").

    Raises ValueError for a rate YooKassa has no code for.
    """
    try:
        return VAT_CODE_BY_RATE[rate]
    except KeyError:
        raise ValueError(f"no YooKassa vat_code for VAT rate {rate!r}") from None


def format_amount(value: Decimal) -> str:
    """A money value as YooKassa writes it: "1234.50".

    Raises ValueError for anything but a Decimal (a float has already lost the kopecks) and
    for a value with fractions of a kopeck: rounding money is the caller's decision.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"amount must be a finite Decimal, not {value!r}")
    cents = value.quantize(CENT)
    if cents != value:
        raise ValueError(f"amount {value} has more than two decimals")
    return f"{cents:.2f}"


def _base_url() -> str:
    return settings.YOOKASSA_API_URL.rstrip("/")


def _auth() -> tuple[str, str]:
    return (settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY)


def _path_id(object_id: str) -> str:
    # Ids reach us from notification bodies: never let one add a path segment.
    if not object_id:
        raise ValueError("an empty YooKassa id")
    return quote(object_id, safe="")


def _post(path: str, body: dict[str, Any], *, idempotence_key: str) -> dict[str, Any]:
    if not idempotence_key or len(idempotence_key) > MAX_IDEMPOTENCE_KEY:
        raise ValueError(f"Idempotence-Key must be 1..{MAX_IDEMPOTENCE_KEY} characters")
    response = call(
        "POST",
        f"{_base_url()}{path}",
        provider=PROVIDER,
        classify_error=_classify_error,
        # YooKassa de-duplicates by the key, and a 500 means "repeat with the same key".
        idempotent=True,
        auth=_auth(),
        headers={"Idempotence-Key": idempotence_key},
        json=body,
    )
    return _success_body(response)


def _amount(value: Decimal) -> dict[str, str]:
    return {"value": format_amount(value), "currency": CURRENCY}


def _receipt(items: list[ReceiptItem], *, total: Decimal, phone: str, email: str) -> dict[str, Any]:
    customer: dict[str, str] = {}
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits:
        customer["phone"] = digits  # E.164 without "+", as the API wants: 79991234567
    if email:
        customer["email"] = email
    if not customer:
        raise PermanentError(f"{PROVIDER}: a receipt needs the customer's phone or e-mail")
    # YooKassa refuses a receipt whose lines do not add up to the amount; say so before
    # sending, with the numbers.
    lines_total = sum(
        ((item.unit_price * item.quantity).quantize(CENT, ROUND_HALF_UP) for item in items),
        Decimal(0),
    )
    if lines_total != total:
        raise PermanentError(
            f"{PROVIDER}: receipt lines add up to {lines_total}, the amount is {total}"
        )
    return {
        "customer": customer,
        "items": [
            {
                "description": item.description[:MAX_DESCRIPTION],
                "quantity": _quantity(item.quantity),
                "amount": _amount(item.unit_price),
                "vat_code": item.vat_code,
                "payment_mode": "full_payment",
                "payment_subject": "commodity",
            }
            for item in items
        ],
    }


def _quantity(value: Decimal) -> str:
    # A string as in YooKassa's examples ("2.00"); weighed goods keep their grams ("1.154").
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValueError(f"quantity must be a positive Decimal, not {value!r}")
    return f"{value:.2f}" if value == value.quantize(CENT) else f"{value.normalize():f}"


def _success_body(response: requests.Response) -> dict[str, Any]:
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise PermanentError(f"{PROVIDER}: unexpected answer {str(body)[:BODY_SNIPPET]}")
    if response.status_code == 202:
        # "Accepted, still processing": repeat the same request (same key) later.
        raise TransientError(
            f"{PROVIDER}: the request is still being processed",
            retry_after=_retry_after(response, body),
        )
    return body


def _classify_error(response: requests.Response) -> IntegrationError | None:
    """YooKassa's error body: `{"type": "error", "id", "code", "description", "parameter"?,
    "retry_after"? (ms)}`; None (the generic rules) when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") != "error":
        return None
    code = str(body.get("code") or "")
    description = str(body.get("description") or "")
    parameter = str(body.get("parameter") or "")
    message = f"{PROVIDER} HTTP {response.status_code} {code}: {description}"
    if parameter:
        message += f" ({parameter})"
    if response.status_code == 429 or response.status_code >= 500:
        return TransientError(message, retry_after=_retry_after(response, body))
    return YooKassaError(
        message,
        status_code=response.status_code,
        code=code,
        description=description,
        parameter=parameter,
    )


def _retry_after(response: requests.Response, body: Mapping[str, Any]) -> int | None:
    """Seconds to wait: the body's `retry_after` (milliseconds) or a Retry-After header."""
    milliseconds = body.get("retry_after")
    if isinstance(milliseconds, int | float) and not isinstance(milliseconds, bool):
        return max(0, math.ceil(milliseconds / 1000))
    header = response.headers.get("Retry-After", "")
    return int(header) if header.isdigit() else None


def _payment(data: Mapping[str, Any]) -> YooPayment:
    try:
        amount = data["amount"]
        confirmation = data.get("confirmation") or {}
        cancellation = data.get("cancellation_details") or {}
        return YooPayment(
            id=_required_str(data, "id"),
            status=_required_str(data, "status"),
            paid=bool(data.get("paid", False)),
            amount=_decimal(amount["value"]),
            currency=str(amount["currency"]),
            confirmation_url=confirmation.get("confirmation_url") or None,
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            cancellation_reason=cancellation.get("reason") or None,
            refundable=bool(data.get("refundable", False)),
            test=bool(data.get("test", False)),
        )
    except (KeyError, TypeError, AttributeError) as e:
        raise PermanentError(f"{PROVIDER}: unreadable payment ({type(e).__name__}: {e})") from e


def _refund(data: Mapping[str, Any]) -> YooRefund:
    try:
        return YooRefund(
            id=_required_str(data, "id"),
            status=_required_str(data, "status"),
            amount=_decimal(data["amount"]["value"]),
            payment_id=_required_str(data, "payment_id"),
        )
    except (KeyError, TypeError) as e:
        raise PermanentError(f"{PROVIDER}: unreadable refund ({type(e).__name__}: {e})") from e


def _required_str(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise TypeError(f"{key} is {value!r}")
    return value


def _decimal(value: Any) -> Decimal:
    # Money comes as a string; str() also keeps a number that slipped through exact enough.
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"amount {str(value)[:20]!r} is not a number") from None
    if not result.is_finite():
        raise TypeError(f"amount {value!r} is not a number")
    return result
