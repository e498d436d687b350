from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from automation.models import StagedModel, TransitionLog
from catalog.models import Product, Store
from deals.choices import (
    PAID_ON_RECEIPT_METHODS,
    POSTPAID_METHODS,
    PREPAID_METHODS,
    DeliveryMethod,
    PaymentMethod,
)
from deals.models import CustomerTerms, Deal, FunnelStep, RefusalReason

ZERO = Decimal("0.00")


class Status(models.TextChoices):
    NEW = "new", _("New")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid")
    ASSEMBLING = "assembling", _("Assembling")
    ASSEMBLED = "assembled", _("Assembled")
    HANDED_TO_DELIVERY = "handed_to_delivery", _("Handed to delivery")
    AWAITING_PICKUP = "awaiting_pickup", _("Awaiting pickup")
    ISSUED = "issued", _("Issued")
    RETURNING = "returning", _("Returning")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURNED = "returned", _("Return completed")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Not paid")
    PENDING = "pending", _("Payment pending")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


#: Before the goods leave the warehouse an order can still be cancelled.
CANCELLABLE = [
    Status.NEW,
    Status.AWAITING_PAYMENT,
    Status.CONFIRMED,
    Status.PAID,
    Status.ASSEMBLING,
    Status.ASSEMBLED,
]
#: Items and prices may be edited only before the money or the goods move.
EDITABLE = frozenset({Status.NEW, Status.AWAITING_PAYMENT, Status.CONFIRMED})
#: No more work expected: the order's life is over.
CLOSED = frozenset({Status.ISSUED, Status.RETURNED, Status.CANCELLED})


# --- conditions: plain functions of the order; `description` tells the manager what is missing


def has_items(order: Order) -> bool:
    return order.items.exists()


has_items.description = _("the order has no items")


def has_customer_phone(order: Order) -> bool:
    phone = order.contact.phone if order.contact_id else ""
    return bool(phone or (order.company_id and order.company.phone))


has_customer_phone.description = _("the customer has no phone number")


def is_prepaid(order: Order) -> bool:
    return order.payment_method in PREPAID_METHODS


is_prepaid.description = _("the payment method is not prepayment")


def is_postpaid(order: Order) -> bool:
    return order.payment_method in POSTPAID_METHODS


is_postpaid.description = _("the payment method is prepayment, send the payment link instead")


def is_paid_or_paid_on_receipt(order: Order) -> bool:
    return order.payment_status == PaymentStatus.PAID or order.payment_method in (
        PAID_ON_RECEIPT_METHODS | {PaymentMethod.INVOICE}
    )


is_paid_or_paid_on_receipt.description = _("the order is prepaid and not paid yet")


def is_delivered_by_carrier(order: Order) -> bool:
    return order.delivery_method in (DeliveryMethod.COURIER, DeliveryMethod.CDEK)


is_delivered_by_carrier.description = _("the delivery method is pickup from our point")


def is_own_pickup(order: Order) -> bool:
    return order.delivery_method == DeliveryMethod.PICKUP


is_own_pickup.description = _("the delivery method is not pickup from our point")


def is_cdek(order: Order) -> bool:
    return order.delivery_method == DeliveryMethod.CDEK


is_cdek.description = _("the order is not delivered by CDEK")


def within_return_period(order: Order) -> bool:
    if order.issued_at is None:
        return False
    period = timedelta(days=settings.ORDER_RETURN_PERIOD_DAYS)
    return timezone.now() <= order.issued_at + period


within_return_period.description = _("the return period is over")


def may_cancel(order: Order, user) -> bool:
    """A paid order means a refund: only those allowed to refund may cancel it."""
    if not user.has_perm("orders.cancel_order"):
        return False
    # "pending" is a payment link sent and not paid: no money moved, a manager may cancel.
    if order.payment_status not in (PaymentStatus.UNPAID, PaymentStatus.PENDING):
        return user.has_perm("orders.cancel_paid_order")
    return True


#: The statuses that put an order's deal at «Оплачен или подтверждён» in the funnel.
FUNNEL_PAID_OR_CONFIRMED = (Status.PAID, Status.CONFIRMED)


class Order(StagedModel, CustomerTerms):
    """What the customer buys, from the payment link to the goods in their hands."""

    Status = Status
    PaymentStatus = PaymentStatus

    number = models.CharField(_("number"), max_length=32, unique=True)
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="orders"
    )
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT)
    status = FSMField(_("status"), choices=Status.choices, default=Status.NEW, protected=True)
    payment_status = models.CharField(
        _("payment"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    # Required here, unlike on the deal: an order is placed only once they are chosen.
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    delivery_method = models.CharField(_("delivery"), max_length=16, choices=DeliveryMethod.choices)
    coupon = models.CharField(_("coupon"), max_length=64, blank=True)
    discount_amount = models.DecimalField(
        _("order discount"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    delivery_cost = models.DecimalField(
        _("delivery cost"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    items_total = models.DecimalField(
        _("items total"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    total = models.DecimalField(
        _("total"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    cancel_reason = models.ForeignKey(
        RefusalReason,
        verbose_name=_("cancellation reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_orders",
    )
    cancel_comment = models.TextField(_("cancellation comment"), blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        permissions = [
            ("send_payment_link_order", _("Can send the payment link")),
            ("confirm_order", _("Can confirm an order paid on delivery")),
            ("mark_paid_order", _("Can mark an order paid by hand")),
            ("start_assembly_order", _("Can start assembly")),
            ("finish_assembly_order", _("Can finish assembly")),
            ("hand_to_delivery_order", _("Can hand an order to delivery")),
            ("ready_for_pickup_order", _("Can mark an order ready for pickup")),
            ("arrive_at_pickup_point_order", _("Can record arrival at a pickup point")),
            ("issue_order", _("Can issue an order")),
            ("fail_delivery_order", _("Can record a failed delivery")),
            ("receive_back_order", _("Can receive returned goods")),
            ("request_return_order", _("Can register a return request")),
            ("complete_return_order", _("Can complete a return")),
            ("reject_return_order", _("Can reject a return")),
            ("cancel_order", _("Can cancel an order")),
            ("cancel_paid_order", _("Can cancel a paid order")),
            ("view_reports_order", _("Can view the reports, the funnel and processing times")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"],
                condition=~Q(external_id=""),
                name="order_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0) & Q(delivery_cost__gte=0) & Q(total__gte=0),
                name="order_money_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="order_status"),
            models.Index(fields=["store", "status"], name="order_store_status"),
            models.Index(fields=["responsible", "status"], name="order_responsible_status"),
            models.Index(fields=["payment_status"], name="order_payment_status"),
            models.Index(fields=["-created_at"], name="order_created"),
            # The minute sweep's scans: only rows still waiting for their mark are indexed.
            models.Index(
                fields=["stage_deadline_at"],
                condition=Q(stage_deadline_at__isnull=False, overdue_since__isnull=True),
                name="order_deadline_open",
            ),
            models.Index(
                fields=["stage_warn_at"],
                condition=Q(
                    stage_warn_at__isnull=False, warned_at__isnull=True, overdue_since__isnull=True
                ),
                name="order_warn_open",
            ),
            # The overdue dashboard's counts and list: only the orders that carry a mark
            # (overdue or soon overdue), a few hundred of a million, per manager.
            models.Index(
                fields=["responsible"],
                condition=Q(overdue_since__isnull=False) | Q(warned_at__isnull=False),
                name="order_time_marked",
            ),
            # The funnel's cancelled orders by reason: read from this small index alone.
            models.Index(
                fields=["deal"],
                include=["cancel_reason"],
                condition=Q(status="cancelled"),
                name="order_cancelled_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"№{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def live_payment(self) -> Payment | None:
        """The payment link the customer is expected to pay now, if there is one."""
        return self.payments.filter(status__in=Payment.LIVE).order_by("-pk").first()

    @property
    def payment_link(self) -> str:
        """The live link, if it is for the order's total: one for a total since edited would
        be refunded when paid (orders.payments), so none until the new link."""
        payment = self.live_payment
        if payment is None or payment.amount != self.total:
            return ""
        return payment.confirmation_url

    def funnel_step(self) -> FunnelStep:
        """The funnel step this order shows its deal reached: issued, paid or confirmed (now,
        or `paid_at` says it once was), else placed. A status that came later (cancelled,
        returned) never takes a step back: the deal keeps the furthest one."""
        if self.issued_at is not None:
            return FunnelStep.ISSUED
        if self.paid_at is not None or self.status in FUNNEL_PAID_OR_CONFIRMED:
            return FunnelStep.PAID_OR_CONFIRMED
        return FunnelStep.ORDER_PLACED

    def message_context(self) -> dict[str, object]:
        """Values of the message template placeholders (contacts.MessageTemplate)."""
        pickup = self.pickup_point.address if self.pickup_point_id else self.pickup_point_code
        return {
            "order_number": self.number,
            "total": f"{self.total:.2f}".replace(".", ","),
            "payment_link": self.payment_link,
            # Filled by issue «Fulfillment».
            "pickup_point": pickup,
            "tracking_number": "",
            "customer_name": self.contact.full_name if self.contact_id else "",
            "store_name": self.store.name,
            "manager_name": str(self.responsible or ""),
        }

    def clean(self) -> None:
        if errors := self.delivery_errors():
            raise ValidationError(errors)

    # "The discount cannot exceed the items total" is not checked in clean(): items_total is
    # stale while the lines are edited in the same form. The admin's item formset checks it
    # against the new lines, and orders.services.order_recalculate_totals refuses it.

    def recalculate_totals(self, lines: Iterable[OrderItem] | None = None) -> None:
        """Recompute items_total and total from the lines (not saved); `lines` when they are
        not saved yet or already loaded."""
        lines = self.items.all() if lines is None else lines
        self.items_total = sum((line.total for line in lines), ZERO)
        self.total = max(self.items_total - self.discount_amount, ZERO) + self.delivery_cost

    # --- the status matrix (docs/status-matrix.md); bodies only touch this instance ---------

    @transition(
        field=status,
        source=Status.NEW,
        target=Status.AWAITING_PAYMENT,
        conditions=[has_items, has_customer_phone, is_prepaid],
        permission="orders.send_payment_link_order",
        custom={"label": _("Send payment link")},
    )
    def send_payment_link(self) -> None:
        self.payment_status = PaymentStatus.PENDING

    @transition(
        field=status,
        source=Status.NEW,
        target=Status.CONFIRMED,
        conditions=[has_items, has_customer_phone, is_postpaid],
        permission="orders.confirm_order",
        custom={"label": _("Confirm (pay on delivery / invoice)")},
    )
    def confirm(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.AWAITING_PAYMENT,
        target=Status.PAID,
        permission="orders.mark_paid_order",
        custom={
            "label": _("Mark paid"),
            "help_text": _("Normally set by the payment provider; by hand only with a bank proof."),
        },
    )
    def mark_paid(self) -> None:
        self.payment_status = PaymentStatus.PAID
        self.paid_at = timezone.now()

    @transition(
        field=status,
        source=[Status.PAID, Status.CONFIRMED],
        target=Status.ASSEMBLING,
        conditions=[has_items],
        permission="orders.start_assembly_order",
        custom={"label": _("Start assembly")},
    )
    def start_assembly(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ASSEMBLING,
        target=Status.ASSEMBLED,
        permission="orders.finish_assembly_order",
        custom={"label": _("Finish assembly")},
    )
    def finish_assembly(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ASSEMBLED,
        target=Status.HANDED_TO_DELIVERY,
        conditions=[is_delivered_by_carrier],
        permission="orders.hand_to_delivery_order",
        custom={"label": _("Hand to delivery")},
    )
    def hand_to_delivery(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ASSEMBLED,
        target=Status.AWAITING_PICKUP,
        conditions=[is_own_pickup],
        permission="orders.ready_for_pickup_order",
        custom={"label": _("Ready for pickup")},
    )
    def ready_for_pickup(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.HANDED_TO_DELIVERY,
        target=Status.AWAITING_PICKUP,
        conditions=[is_cdek],
        permission="orders.arrive_at_pickup_point_order",
        custom={"label": _("Arrived at the pickup point")},
    )
    def arrive_at_pickup_point(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.HANDED_TO_DELIVERY, Status.AWAITING_PICKUP],
        target=Status.ISSUED,
        conditions=[is_paid_or_paid_on_receipt],
        permission="orders.issue_order",
        custom={"label": _("Issued to the customer")},
    )
    def issue(self) -> None:
        now = timezone.now()
        self.issued_at = now
        self.closed_at = now
        if self.payment_method in PAID_ON_RECEIPT_METHODS:
            # The courier or the pickup point took the money with the goods.
            self.payment_status = PaymentStatus.PAID
            self.paid_at = now

    @transition(
        field=status,
        source=[Status.HANDED_TO_DELIVERY, Status.AWAITING_PICKUP],
        target=Status.RETURNING,
        permission="orders.fail_delivery_order",
        custom={"label": _("Not delivered / not picked up")},
    )
    def fail_delivery(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.RETURNING,
        target=Status.CANCELLED,
        permission="orders.receive_back_order",
        custom={"label": _("Goods received back")},
    )
    def receive_back(self, reason: RefusalReason | None = None) -> None:
        self.cancel_reason = reason
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=Status.ISSUED,
        target=Status.RETURN_REQUESTED,
        conditions=[within_return_period],
        permission="orders.request_return_order",
        custom={"label": _("Register a return"), "form": "orders.forms.RequestReturnForm"},
    )
    def request_return(self) -> None:
        self.closed_at = None

    @transition(
        field=status,
        source=Status.RETURN_REQUESTED,
        target=Status.RETURNED,
        permission="orders.complete_return_order",
        custom={"label": _("Complete return"), "form": "orders.forms.CompleteReturnForm"},
    )
    def complete_return(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=Status.RETURN_REQUESTED,
        target=Status.ISSUED,
        permission="orders.reject_return_order",
        custom={"label": _("Reject return"), "form": "orders.forms.RejectReturnForm"},
    )
    def reject_return(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=CANCELLABLE,
        target=Status.CANCELLED,
        permission=may_cancel,
        custom={"label": _("Cancel order"), "form": "orders.forms.CancelOrderForm"},
    )
    def cancel(self, reason: RefusalReason, comment: str = "") -> None:
        self.cancel_reason = reason
        self.cancel_comment = comment
        self.closed_at = timezone.now()


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    # Snapshots: the order keeps what the customer was sold even if the catalogue changes.
    sku = models.CharField(_("SKU"), max_length=64, editable=False)
    name = models.CharField(_("name"), max_length=300, editable=False)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    discount = models.DecimalField(
        _("line discount"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderitem_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="orderitem_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="orderitem_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    def save(self, *args, **kwargs) -> None:
        if self.product_id and not self.sku:
            self.sku, self.name = self.product.sku, self.product.name
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.price is not None and self.quantity and self.discount > self.price * self.quantity:
            raise ValidationError({"discount": _("The discount exceeds the line amount.")})

    @property
    def total(self) -> Decimal:
        if self.price is None or self.quantity is None:
            return ZERO
        return self.price * self.quantity - (self.discount or ZERO)


class OrderTransition(TransitionLog):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")


# Payments, refunds, returns and store events live in their own modules; importing them here
# registers them with the app and lets callers write `from orders.models import Payment`.
from .payments_models import Payment, Refund  # noqa: E402, F401
from .returns_models import OrderReturn, ReturnLine, ReturnReason  # noqa: E402, F401
from .store_events_models import StoreEvent  # noqa: E402, F401
