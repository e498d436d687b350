"""WooCommerce `order.created` webhooks: a WooCommerce shop's orders through the same intake.

Mounted at /webhooks/woocommerce/<store code>/; the webhook's secret in WooCommerce is the
store's API secret (docs/api.md). WooCommerce disables a webhook after 5 failed deliveries in a
row, so only what cannot be fixed by sending again (a bad signature, an order we cannot read)
is refused; other topics are acknowledged and ignored.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from automation.models import Via
from catalog.models import Product, Store, Warehouse
from contacts.models import Contact
from contacts.validators import normalize_phone
from deals.choices import DeliveryMethod
from deals.models import Deal
from integrations.errors import PermanentError
from integrations.woocommerce import webhooks as woo

from .api.serializers import receipt_data
from .intake import (
    CustomerIn,
    DeliveryIn,
    IntakeError,
    IntakeOrder,
    ItemIn,
    PaymentIn,
    order_intake,
)

logger = logging.getLogger(__name__)

#: Gateways where the customer pays later; any other gateway is an online payment.
PAY_ON_DELIVERY = {"cod": "cash_on_delivery"}
PAY_BY_TRANSFER = {"bacs", "cheque"}
PICKUP_METHODS = {"local_pickup", "pickup_location"}
#: WooCommerce statuses of an order whose online payment went through.
PAID_STATUSES = {"processing", "completed"}


@csrf_exempt
@require_POST
def woocommerce_webhook(request: HttpRequest, store_code: str) -> HttpResponse:
    body = request.body
    if woo.is_ping(body, request.headers):
        return HttpResponse("pong", content_type="text/plain")
    store = Store.objects.filter(code=store_code, is_active=True).first()
    signature = request.headers.get(woo.SIGNATURE_HEADER, "")
    if store is None or not woo.signature_matches(body, store.api_secret, signature):
        logger.warning("woocommerce webhook for %r refused: bad signature", store_code)
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    topic = request.headers.get(woo.TOPIC_HEADER, "")
    if topic != "order.created":
        return HttpResponse(f"ignored: {topic}", content_type="text/plain")
    try:
        intake = intake_order_from(woo.parse_order(body))
        result = order_intake(store=store, data=intake, via=Via.WEBHOOK)
    except PermanentError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except IntakeError as exc:
        logger.warning("woocommerce order of %s refused: %s", store_code, sorted(exc.errors))
        return JsonResponse(exc.errors, status=400)
    return JsonResponse(
        receipt_data(result.deal, result.order), status=201 if result.created else 200
    )


def intake_order_from(order: woo.WooOrder) -> IntakeOrder:
    """Our intake of a WooCommerce order. What has no field of ours goes into the comment."""
    notes = [_("WooCommerce order No. %(number)s.") % {"number": order.number}]
    phone = order.phone
    try:
        normalize_phone(phone)
    except ValidationError:
        notes.append(_("Phone from the site not recognised: %(phone)s.") % {"phone": phone})
        phone = ""
    if order.company:
        notes.append(_("Company: %(name)s.") % {"name": order.company})
    if order.payment_method_title:
        notes.append(_("Payment on the site: %(title)s.") % {"title": order.payment_method_title})
    return IntakeOrder(
        external_id=str(order.id),
        created_at=order.created_at,
        # Free text longer than our columns is cut rather than refused: a refused delivery is
        # retried and, after five, switches the webhook off. An SKU or a total that does not
        # fit is refused (order_intake answers 400).
        customer=CustomerIn(
            name=_clip(order.customer_name, Contact, "full_name"), phone=phone, email=order.email
        ),
        items=[
            ItemIn(
                sku=line.sku,
                name=_clip(line.name, Product, "name"),
                quantity=line.quantity,
                price=line.unit_price,
            )
            for line in order.lines
        ],
        delivery=_delivery(order),
        payment=_payment(order),
        coupon=", ".join(order.coupons)[:64],
        comment="\n".join(filter(None, [order.customer_note, *notes])),
        source="woocommerce",
    )


def _clip(value: str, model, field: str) -> str:
    return value[: model._meta.get_field(field).max_length]


def _delivery(order: woo.WooOrder) -> DeliveryIn | None:
    method = order.shipping_method_id
    if not method:
        return None
    if method in PICKUP_METHODS:
        # WooCommerce does not say which of our points; with one point there is no question.
        points = list(
            Warehouse.objects.filter(kind=Warehouse.Kind.PICKUP_POINT, is_active=True).values_list(
                "code", flat=True
            )[:2]
        )
        if len(points) != 1:
            return None  # the manager asks the customer which point
        return DeliveryIn(
            method=DeliveryMethod.PICKUP, pickup_point_code=points[0], cost=order.shipping_total
        )
    if method == woo.CDEK_METHOD_ID or "cdek" in method:
        return DeliveryIn(
            method=DeliveryMethod.CDEK,
            pickup_point_code=order.cdek_office_code,
            address=""
            if order.cdek_office_code
            else _clip(order.address, Deal, "delivery_address"),
            cost=order.shipping_total,
        )
    return DeliveryIn(
        method=DeliveryMethod.COURIER,
        address=_clip(order.address, Deal, "delivery_address"),
        cost=order.shipping_total,
    )


def _payment(order: woo.WooOrder) -> PaymentIn:
    if order.payment_method in PAY_ON_DELIVERY:
        return PaymentIn(method=PAY_ON_DELIVERY[order.payment_method])
    if order.payment_method in PAY_BY_TRANSFER:
        return PaymentIn(method="invoice")
    return PaymentIn(
        method="online",
        paid=order.paid and order.status in PAID_STATUSES,
        transaction_id=order.transaction_id[:64],
    )
