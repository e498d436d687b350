"""Orders that arrive complete from a store's website: one service for every website channel.

The store API (`orders.api`) and the WooCommerce webhook (`orders.woocommerce`) turn their
payloads into an `IntakeOrder` and call `order_intake`, which in one transaction

1. answers a repeated `external_id` of the store with what the first request created;
2. finds the customer by phone or e-mail (or creates the contact), and the company by INN/KPP;
3. creates the catalogue items the site sold but we do not know yet, flagged «нужна проверка»
   (as Bitrix24 does: the order is not lost because the catalogue lags behind the site);
4. creates the deal in channel «Сайт» and hands it to a manager (`deals.distribution`);
5. places the order when the site sent everything an order needs (delivery and payment); a
   deal without them (a one-click order: a phone and a basket) waits for the manager's call;
6. records the payment when the site says it was paid: the order becomes «Оплачен».

Any error raises IntakeError with messages by field, and nothing at all is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from automation.exceptions import TransitionError
from automation.models import Via
from catalog.models import Product, Store, Warehouse
from contacts.exceptions import ContactError
from contacts.models import Company, Contact
from contacts.services import company_get_or_create, contact_get_or_create
from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.distribution import deal_distribute
from deals.exceptions import DealError
from deals.models import Deal, DealItem
from deals.services import ItemSpec, deal_create, deal_create_placed, deal_item_lines

from .exceptions import OrderError
from .models import Order
from .payments import order_record_site_payment
from .payments_models import Payment
from .services import order_create_for_deal


@dataclass(frozen=True)
class CompanyIn:
    name: str
    inn: str
    kpp: str = ""


@dataclass(frozen=True)
class CustomerIn:
    name: str = ""
    phone: str = ""
    email: str = ""
    company: CompanyIn | None = None


@dataclass(frozen=True)
class ItemIn:
    sku: str
    name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class DeliveryIn:
    method: str
    address: str = ""
    pickup_point_code: str = ""
    cost: Decimal = Decimal("0")


@dataclass(frozen=True)
class PaymentIn:
    """How the customer pays. `method` is the site's: online, cash_on_delivery,
    card_on_delivery or invoice; `paid` only for online; `transaction_id` is the payment
    provider's id of the paid payment, kept for reconciliation."""

    method: str
    paid: bool = False
    transaction_id: str = ""


@dataclass(frozen=True)
class IntakeOrder:
    external_id: str
    customer: CustomerIn
    items: Sequence[ItemIn]
    created_at: datetime | None = None
    delivery: DeliveryIn | None = None
    payment: PaymentIn | None = None
    coupon: str = ""
    comment: str = ""
    source: str = ""
    channel: str = Channel.SITE


@dataclass(frozen=True)
class IntakeResult:
    deal: Deal
    order: Order | None
    #: False when the same external id came again and nothing was created.
    created: bool

    @property
    def number(self) -> str:
        return self.deal.number


class IntakeError(Exception):
    """The order cannot be accepted; `errors` name the fields (dotted paths) and what is wrong."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = dict(errors)


#: The site's payment methods and ours: an unpaid online order waits for a payment link.
SITE_PAYMENT_METHODS = {
    "online": PaymentMethod.ONLINE,
    "cash_on_delivery": PaymentMethod.CASH_ON_DELIVERY,
    "card_on_delivery": PaymentMethod.CARD_ON_DELIVERY,
    "invoice": PaymentMethod.INVOICE,
}


def order_intake(*, store: Store, data: IntakeOrder, via: str = Via.API) -> IntakeResult:
    """Accept one website order for `store` (see the module docstring). Idempotent on
    (store, external id), also for two simultaneous requests. Raises IntakeError."""
    if errors := _limit_errors(data):
        raise IntakeError(errors)
    for attempt in (1, 2):
        try:
            # A savepoint: a request that loses a race leaves no trace.
            with transaction.atomic():
                return _create(store, data, via)
        except IntegrityError:
            # The same order sent twice at once (the deal's unique external id), or the same
            # new customer or SKU in two orders at once: take what the other request created.
            existing = _existing(store, data.external_id)
            if existing is not None:
                return existing
            if attempt == 2:
                raise
        except IntakeError:
            # A repeat of an accepted order is answered with it, even if some detail would
            # not pass today (a pickup point closed since).
            existing = _existing(store, data.external_id)
            if existing is not None:
                return existing
            raise
    raise AssertionError("unreachable")


#: The largest amount a money column (12 digits, 2 after the point) holds.
MAX_AMOUNT = Decimal("9999999999.99")


def _limit_errors(data: IntakeOrder) -> dict[str, list[str]]:
    """What would not fit the columns: refused here, as a 400, not by the database as a 500.
    The API's serializer checks most of it already; a WooCommerce order is only checked here."""
    errors: dict[str, list[str]] = {}

    def fits(path: str, value: str, model, field: str) -> None:
        limit = model._meta.get_field(field).max_length
        if len(value) > limit:
            errors[path] = [_("At most %(limit)s characters.") % {"limit": limit}]

    customer = data.customer
    fits("external_id", data.external_id, Deal, "external_id")
    fits("customer.name", customer.name, Contact, "full_name")
    fits("customer.email", customer.email, Contact, "email")
    if customer.company is not None:
        fits("customer.company.name", customer.company.name, Company, "name")
    for i, item in enumerate(data.items):
        fits(f"items.{i}.sku", item.sku, Product, "sku")
        fits(f"items.{i}.name", item.name, Product, "name")
    if data.delivery is not None:
        fits("delivery.address", data.delivery.address, Deal, "delivery_address")
        fits(
            "delivery.pickup_point_code", data.delivery.pickup_point_code, Deal, "pickup_point_code"
        )
    if data.payment is not None:
        fits("payment.transaction_id", data.payment.transaction_id, Payment, "provider_payment_id")
    fits("coupon", data.coupon, Order, "coupon")
    fits("source", data.source, Deal, "source")
    total = sum((item.price * item.quantity for item in data.items), Decimal(0))
    if data.delivery is not None:
        total += data.delivery.cost
    if total > MAX_AMOUNT:
        errors["items"] = [
            _("The order total %(total)s is more than %(max)s.")
            % {"total": total, "max": MAX_AMOUNT}
        ]
    return errors


def _existing(store: Store, external_id: str) -> IntakeResult | None:
    deal = Deal.objects.filter(store=store, external_id=external_id).first()
    if deal is None:
        return None
    order = Order.objects.filter(deal=deal).order_by("-pk").first()
    return IntakeResult(deal=deal, order=order, created=False)


def _create(store: Store, data: IntakeOrder, via: str) -> IntakeResult:
    contact, company, new_customer = _customer(data.customer)
    terms = _delivery_terms(data.delivery)
    fields = {
        "placed_at": data.created_at,
        "source": data.source,
        "comment": data.comment,
        "external_id": data.external_id,
        "payment_method": _payment_method(data.payment),
        **terms,
    }
    with _errors_at("items"):
        lines = deal_item_lines(
            [ItemSpec(sku=i.sku, quantity=i.quantity, price=i.price) for i in data.items],
            products=_products(data.items),
        )
    if data.delivery is None or data.payment is None:
        with _errors_at("customer"):
            deal = deal_create(
                store=store, channel=data.channel, contact=contact, company=company, **fields
            )
        for line in lines:
            line.deal = deal
        DealItem.objects.bulk_create(lines)
        deal_distribute(deal=deal, new_customer=new_customer)
        return IntakeResult(deal=deal, order=None, created=True)

    deal = deal_create_placed(
        store=store,
        channel=data.channel,
        contact=contact,
        company=company,
        lines=lines,
        via=via,
        reason=_("Complete order from the website"),
        **fields,
    )
    deal_distribute(deal=deal, new_customer=new_customer)
    order = order_create_for_deal(
        deal=deal,
        lines=lines,
        actor=None,
        via=via,
        delivery_cost=data.delivery.cost,
        coupon=data.coupon,
    )
    if data.payment.paid:
        with _errors_at("payment"):
            order = order_record_site_payment(
                order_id=order.pk, provider_payment_id=data.payment.transaction_id, via=via
            )
    return IntakeResult(deal=deal, order=order, created=True)


def _customer(customer: CustomerIn) -> tuple[Contact, Company | None, bool]:
    """The contact and company of the order, and whether both are new to us."""
    with _errors_at("customer"):
        contact, created = contact_get_or_create(
            phone=customer.phone, email=customer.email, full_name=customer.name, savepoint=False
        )
    company = None
    if customer.company is not None:
        with _errors_at("customer.company"):
            company, company_created = company_get_or_create(
                inn=customer.company.inn,
                kpp=customer.company.kpp,
                name=customer.company.name,
                contact=contact,
            )
        created = created and company_created
    return contact, company, created


def _products(items: Sequence[ItemIn]) -> dict[str, Product]:
    """The products of `items` by SKU. Those the catalogue does not know yet are created from
    the site's name and price, flagged for review."""
    skus = {item.sku for item in items}
    products = Product.objects.in_bulk(skus, field_name="sku")
    new = {}
    for item in items:
        if item.sku not in products and item.sku not in new:
            new[item.sku] = Product(
                sku=item.sku, name=item.name or item.sku, price=item.price, needs_review=True
            )
    if new:
        # ignore_conflicts: a simultaneous order with the same new SKU may have created it.
        Product.objects.bulk_create(new.values(), ignore_conflicts=True)
        products.update(Product.objects.in_bulk(new, field_name="sku"))
    return products


def _delivery_terms(delivery: DeliveryIn | None) -> dict[str, Any]:
    if delivery is None:
        return {}
    terms: dict[str, Any] = {
        "delivery_method": delivery.method,
        "delivery_address": delivery.address,
    }
    if delivery.method == DeliveryMethod.PICKUP:
        point = Warehouse.objects.filter(
            code=delivery.pickup_point_code, kind=Warehouse.Kind.PICKUP_POINT, is_active=True
        ).first()
        if point is None:
            raise IntakeError(
                {
                    "delivery.pickup_point_code": [
                        _("There is no pickup point with the code “%(code)s”.")
                        % {"code": delivery.pickup_point_code}
                    ]
                }
            )
        terms["pickup_point"] = point
    else:
        terms["pickup_point_code"] = delivery.pickup_point_code
    errors = Deal(**terms).delivery_errors()
    if errors:
        raise IntakeError(
            {f"delivery.{_api_field(name)}": [str(message)] for name, message in errors.items()}
        )
    return terms


def _api_field(model_field: str) -> str:
    return {"delivery_address": "address", "pickup_point": "pickup_point_code"}.get(
        model_field, model_field
    )


def _payment_method(payment: PaymentIn | None) -> str:
    if payment is None:
        return ""
    if payment.paid and payment.method != "online":
        raise IntakeError({"payment.paid": [_("Only an online payment can arrive paid.")]})
    if payment.paid:
        return PaymentMethod.ONLINE_ON_SITE
    return SITE_PAYMENT_METHODS[payment.method]


class _errors_at:
    """Turn a service's ValidationError into IntakeError under the API field `prefix`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, TransitionError):
            raise IntakeError({self.prefix: [str(exc)]}) from exc
        if isinstance(exc, (ContactError, DealError, OrderError)):
            raise IntakeError(_errors_by_field(self.prefix, exc)) from exc
        return False


def _errors_by_field(prefix: str, exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (prefix if name == "__all__" else f"{prefix}.{name}"): messages
            for name, messages in exc.message_dict.items()
        }
    return {prefix: exc.messages}
