from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from automation.models import StagedModel, TransitionLog
from catalog.models import Product, Store, Warehouse
from contacts.models import Company, Contact

from .choices import Channel, DeliveryMethod, PaymentMethod


class NumberSequence(models.Model):
    """A counter for document numbers; rows are locked while a number is drawn."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class RefusalReason(models.Model):
    """Why a customer did not buy: a deal lost, an order cancelled. The team lead edits the list."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("refusal reason")
        verbose_name_plural = _("refusal reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# --- conditions of deal transitions: plain functions of the deal, each with a description
# that tells the manager what is missing.


def deal_has_customer(deal: Deal) -> bool:
    return bool(deal.contact_id or deal.company_id)


deal_has_customer.description = _("choose a contact or a company")


def deal_has_items(deal: Deal) -> bool:
    return deal.items.exists()


deal_has_items.description = _("add at least one item")


def deal_has_delivery(deal: Deal) -> bool:
    return bool(deal.delivery_method) and not deal.delivery_errors()


deal_has_delivery.description = _("fill in the delivery method and the address or pickup point")


def deal_has_payment_method(deal: Deal) -> bool:
    return bool(deal.payment_method)


deal_has_payment_method.description = _("choose a payment method")


def deal_has_no_active_order(deal: Deal) -> bool:
    # Orders live in a higher app; their "cancelled" state is the only one that frees the deal.
    return not deal.orders.exclude(status="cancelled").exists()


deal_has_no_active_order.description = _("cancel the order first")


class CustomerTerms(models.Model):
    """Who buys, who handles it, and how the goods travel and are paid for.

    Shared by the deal (filled in while the manager talks to the customer) and the order
    (copied from the deal when it is placed).
    """

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    delivery_method = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryMethod.choices, blank=True
    )
    delivery_address = models.CharField(_("delivery address"), max_length=500, blank=True)
    pickup_point = models.ForeignKey(
        Warehouse,
        verbose_name=_("our pickup point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": Warehouse.Kind.PICKUP_POINT},
        related_name="+",
    )
    pickup_point_code = models.CharField(_("CDEK pickup point code"), max_length=32, blank=True)
    payment_method = models.CharField(
        _("payment"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    external_id = models.CharField(_("id on the website"), max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def customer(self) -> Contact | Company | None:
        return self.company or self.contact

    def delivery_errors(self) -> dict[str, str]:
        """What the chosen delivery method still lacks, by field; empty when complete."""
        method = self.delivery_method
        if method == DeliveryMethod.PICKUP:
            errors = {}
            if self.pickup_point_id is None:
                errors["pickup_point"] = _("Choose our pickup point.")
            if self.pickup_point_code:
                errors["pickup_point_code"] = _("A CDEK point code is for CDEK delivery only.")
            return errors
        if method == DeliveryMethod.CDEK and not (self.pickup_point_code or self.delivery_address):
            return {"pickup_point_code": _("Enter the CDEK pickup point code or an address.")}
        if method == DeliveryMethod.COURIER and not self.delivery_address:
            return {"delivery_address": _("Enter the delivery address.")}
        return {}


class FunnelStep(models.IntegerChoices):
    """The steps of the sales funnel (orders.funnel), in the order a deal goes through them.
    A deal's `furthest_step` is the last one it reached, whatever happened after."""

    DEAL = 0, _("Deals")
    IN_PROGRESS = 1, _("In progress")
    ORDER_PLACED = 2, _("Order placed")
    PAID_OR_CONFIRMED = 3, _("Paid or confirmed")
    ISSUED = 4, _("Issued")


class Deal(StagedModel, CustomerTerms):
    """A customer request being worked by a manager (Bitrix24's «сделка»)."""

    STATE_FIELD = "stage"

    class Stage(models.TextChoices):
        NEW = "new", pgettext_lazy("deal stage", "New")
        IN_PROGRESS = "in_progress", _("In progress")
        ORDER_PLACED = "order_placed", _("Order placed")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    OPEN_STAGES = (Stage.NEW, Stage.IN_PROGRESS, Stage.ORDER_PLACED)
    #: The stages that mean the deal was worked on (the order steps come from its orders).
    WORKED_STAGES = (Stage.IN_PROGRESS, Stage.ORDER_PLACED, Stage.WON)

    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE
    )
    source = models.CharField(
        _("source"), max_length=64, blank=True, help_text=_("cart, one_click, landing, promo…")
    )
    placed_at = models.DateTimeField(
        _("placed by the customer"),
        null=True,
        blank=True,
        help_text=_("When the customer placed the order on the website (the site's own time)."),
    )
    stage = FSMField(
        _("stage"), choices=Stage.choices, default=Stage.NEW, protected=True, db_index=True
    )
    lost_reason = models.ForeignKey(
        RefusalReason,
        verbose_name=_("reason for refusal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lost_deals",
    )
    lost_comment = models.TextField(_("refusal comment"), blank=True)
    #: Raised by deals.services.deal_reach_step as the deal and its order move; never lowered.
    #: Stored so that the funnel is one aggregate over an index, not a look at every deal's
    #: history (docs/funnel.md).
    furthest_step = models.PositiveSmallIntegerField(
        _("furthest funnel step"),
        choices=FunnelStep.choices,
        default=FunnelStep.DEAL,
        editable=False,
    )
    queued_since = models.DateTimeField(
        _("in the queue since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Nobody could take the deal when it arrived: it waits for a free manager."),
    )

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at"]
        permissions = [
            ("take_into_work_deal", _("Can take a deal into work")),
            ("place_order_deal", _("Can place an order from a deal")),
            ("lose_deal", _("Can close a deal as lost")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"],
                condition=~Q(external_id=""),
                name="deal_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "stage"], name="deal_store_stage"),
            models.Index(fields=["responsible", "stage"], name="deal_responsible_stage"),
            # The deal list: newest first, ties by id (the admin adds -pk to any ordering).
            models.Index(fields=["-created_at", "-id"], name="deal_created_id"),
            # The funnel (orders.funnel): the cohort's figures from the index alone. The period
            # first: the team lead's cohort is every store («store IN (subquery)»).
            models.Index(
                fields=["created_at", "store"],
                include=["furthest_step", "stage", "lost_reason"],
                name="deal_funnel",
            ),
            # The list's «overdue» and «soon overdue» filters: a few marked rows among 1M.
            models.Index(
                fields=["-created_at"],
                condition=Q(overdue_since__isnull=False) | Q(warned_at__isnull=False),
                name="deal_time_marked",
            ),
            # The distribution queue: only the waiting deals are indexed.
            models.Index(
                fields=["store", "created_at"],
                condition=Q(queued_since__isnull=False),
                name="deal_queue",
            ),
            # The minute sweep's scans: only rows still waiting for their mark are indexed.
            models.Index(
                fields=["stage_deadline_at"],
                condition=Q(stage_deadline_at__isnull=False, overdue_since__isnull=True),
                name="deal_deadline_open",
            ),
            models.Index(
                fields=["stage_warn_at"],
                condition=Q(
                    stage_warn_at__isnull=False, warned_at__isnull=True, overdue_since__isnull=True
                ),
                name="deal_warn_open",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # furthest_step is raised by deal_reach_step's conditional UPDATE only: a full save of
        # an instance read before the deal's order moved (a change form, a transition) must
        # not write an older step back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "furthest_step"
            ]
        super().save(*args, **kwargs)

    def message_context(self) -> dict[str, object]:
        """Values of the message template placeholders (contacts.MessageTemplate)."""
        return {
            "order_number": self.number,
            "total": "",
            "payment_link": "",
            "pickup_point": self.pickup_point.address if self.pickup_point_id else "",
            "tracking_number": "",
            "customer_name": self.contact.full_name if self.contact_id else "",
            "store_name": self.store.name,
            "manager_name": str(self.responsible or ""),
        }

    def stage_funnel_step(self) -> FunnelStep:
        """The funnel step the deal's own stage shows it reached (its orders may show more)."""
        return FunnelStep.IN_PROGRESS if self.stage in self.WORKED_STAGES else FunnelStep.DEAL

    def clean(self) -> None:
        # A deal is a draft: only contradictions are refused here; what is missing is named
        # when the order is placed (deal_has_delivery).
        if self.delivery_method == DeliveryMethod.PICKUP and self.pickup_point_code:
            raise ValidationError(
                {"pickup_point_code": _("A CDEK point code is for CDEK delivery only.")}
            )

    @transition(
        field=stage,
        source=Stage.NEW,
        target=Stage.IN_PROGRESS,
        permission="deals.take_into_work_deal",
        custom={"label": _("Take into work")},
    )
    def take_into_work(self, by=None) -> None:
        if self.responsible_id is None and by is not None:
            self.responsible = by

    @transition(
        field=stage,
        source=[Stage.NEW, Stage.IN_PROGRESS],
        target=Stage.ORDER_PLACED,
        conditions=[deal_has_customer, deal_has_items, deal_has_delivery, deal_has_payment_method],
        permission="deals.place_order_deal",
        custom={
            "label": _("Place order"),
            "help_text": _("Creates the order from this deal's items, delivery and payment."),
        },
    )
    def place_order(self) -> None:
        """The order itself is created by orders.services.order_place_from_deal."""

    @transition(
        field=stage,
        source=Stage.ORDER_PLACED,
        target=Stage.WON,
        custom={"label": _("Won"), "admin": False},
    )
    def win(self) -> None:
        """Follows the order: run by the system when the order is issued."""

    @transition(
        field=stage,
        source=[Stage.NEW, Stage.IN_PROGRESS, Stage.ORDER_PLACED],
        target=Stage.LOST,
        conditions=[deal_has_no_active_order],
        permission="deals.lose_deal",
        custom={"label": _("Close as lost"), "form": "deals.forms.LoseDealForm"},
    )
    def lose(self, reason: RefusalReason, comment: str = "") -> None:
        self.lost_reason = reason
        self.lost_comment = comment


class DealItem(models.Model):
    """A line of the deal's draft basket: copied into the order when it is placed."""

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty to take the catalogue price."),
        blank=True,
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dealitem_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="dealitem_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    def save(self, *args, **kwargs) -> None:
        if self.price is None:
            self.price = self.product.price
        super().save(*args, **kwargs)

    @property
    def total(self) -> Decimal:
        return (self.price or Decimal(0)) * self.quantity


class DealTransition(TransitionLog):
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")


from .distribution_models import (  # noqa: E402,F401  (models of the distribution of deals)
    DealAssignment,
    DistributionRule,
    ManagerProfile,
    StoreDistributionSettings,
)
