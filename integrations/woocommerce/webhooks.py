"""WooCommerce webhooks (external-apis.md, section 7): signature, ping and `order.created`.

The payload is WooCommerce's REST v3 order (`GET /wc/v3/orders/{id}`); money comes as strings,
some numbers (a line's `price`) as JSON numbers, names with HTML entities.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..errors import PermanentError

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
KOPECK = Decimal("0.01")
#: The official CDEK plugin's shipping method and the meta key of the chosen point.
CDEK_METHOD_ID = "official_cdek"
CDEK_OFFICE_META = "_official_cdek_office_code"


def signature(body: bytes, secret: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=body)), as WooCommerce's `generate_signature`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(body: bytes, secret: str, header: str) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(body, secret).encode(), header.strip().encode())


def is_ping(body: bytes, headers: Mapping[str, str]) -> bool:
    """The test delivery WooCommerce sends when a webhook is saved: `webhook_id=<n>`, unsigned,
    no topic. It must be answered 200 or the webhook is not activated."""
    return not headers.get(TOPIC_HEADER) and body.startswith(b"webhook_id=")


@dataclass(frozen=True)
class WooLine:
    sku: str
    name: str
    quantity: int
    #: What the customer pays for one unit: the line total after discounts, with its tax.
    unit_price: Decimal


@dataclass(frozen=True)
class WooOrder:
    id: int
    number: str
    status: str
    created_at: datetime | None
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    country: str
    address: str
    customer_note: str
    payment_method: str
    payment_method_title: str
    transaction_id: str
    paid: bool
    shipping_method_id: str
    shipping_total: Decimal
    cdek_office_code: str
    coupons: tuple[str, ...]
    lines: tuple[WooLine, ...]

    @property
    def customer_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def parse_order(body: bytes) -> WooOrder:
    """Read an `order.created` payload. Raises PermanentError naming what cannot be read."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PermanentError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise PermanentError("not a WooCommerce order: no integer id")
    billing = _mapping(data.get("billing"))
    shipping = _mapping(data.get("shipping"))
    shipping_lines = [_mapping(line) for line in data.get("shipping_lines") or []]
    first_shipping = shipping_lines[0] if shipping_lines else {}
    return WooOrder(
        id=data["id"],
        number=str(data.get("number") or data["id"]),
        status=str(data.get("status") or ""),
        created_at=_gmt(data.get("date_created_gmt")),
        first_name=_text(billing.get("first_name")),
        last_name=_text(billing.get("last_name")),
        company=_text(billing.get("company")),
        email=_text(billing.get("email")),
        phone=_text(billing.get("phone") or shipping.get("phone")),
        country=_text(billing.get("country") or shipping.get("country")),
        address=_address(shipping if shipping.get("address_1") else billing),
        customer_note=_text(data.get("customer_note")),
        payment_method=_text(data.get("payment_method")),
        payment_method_title=_text(data.get("payment_method_title")),
        transaction_id=_text(data.get("transaction_id")),
        paid=bool(data.get("date_paid_gmt") or data.get("date_paid")),
        shipping_method_id=_text(first_shipping.get("method_id")),
        shipping_total=_money(data.get("shipping_total") or "0", "shipping_total"),
        cdek_office_code=_meta(first_shipping, CDEK_OFFICE_META),
        coupons=tuple(_text(_mapping(c).get("code")) for c in data.get("coupon_lines") or [] if c),
        lines=tuple(_line(_mapping(item)) for item in data.get("line_items") or []),
    )


def _line(item: Mapping[str, Any]) -> WooLine:
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or quantity < 1:
        raise PermanentError(f"line {item.get('id')}: quantity {quantity!r}")
    total = _money(item.get("total") or "0", "line total") + _money(
        item.get("total_tax") or "0", "line tax"
    )
    # A product without an SKU on the site is still one product: name it by its WooCommerce id.
    sku = _text(item.get("sku")) or f"wc-{item.get('variation_id') or item.get('product_id')}"
    return WooLine(
        sku=sku.replace(" ", "-"),
        name=_text(item.get("name")),
        quantity=quantity,
        unit_price=(total / quantity).quantize(KOPECK, rounding=ROUND_HALF_UP),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return html.unescape(str(value)).strip() if value is not None else ""


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise PermanentError(f"{what}: {value!r} is not an amount") from exc
    if not amount.is_finite():
        raise PermanentError(f"{what}: {value!r} is not an amount")
    return amount


def _gmt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None


def _address(part: Mapping[str, Any]) -> str:
    pieces = (part.get(key) for key in ("postcode", "state", "city", "address_1", "address_2"))
    return ", ".join(_text(piece) for piece in pieces if piece)


def _meta(line: Mapping[str, Any], key: str) -> str:
    for entry in line.get("meta_data") or []:
        if _mapping(entry).get("key") == key:
            return _text(entry.get("value"))
    return ""
