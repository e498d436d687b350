"""What the team lead configures for the distribution of new deals (deals.distribution), and
the log of every assignment it made."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Store

from .choices import AssignmentStrategy, Channel, CustomerType, Presence, QueueOrder


class ManagerProfile(models.Model):
    """How a manager takes new deals: which ones, how many at once, when, and whether now.

    Empty `stores`, `channels` or `customer_types` mean "any"; a manager only ever gets deals
    of the stores they are a member of (catalog.Store.members), whatever `stores` says.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.CASCADE,
        related_name="manager_profile",
    )
    stores = models.ManyToManyField(
        Store,
        verbose_name=_("stores"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every store the manager works for."),
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, help_text=_("Empty: every channel.")
    )
    customer_types = models.JSONField(
        _("customer types"), default=list, blank=True, help_text=_("Empty: both.")
    )
    max_open_deals = models.PositiveIntegerField(
        _("cap of open deals"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Deals at «New» or «In progress» at once. Empty: no cap."),
    )
    work_start = models.TimeField(_("shift starts"), default=datetime.time(9, 0))
    work_end = models.TimeField(_("shift ends"), default=datetime.time(18, 0))
    work_days = models.CharField(
        _("working days"),
        max_length=7,
        default="01234",
        validators=[RegexValidator(r"^[0-6]{1,7}$", _("Digits 0 (Monday) to 6 (Sunday)."))],
        help_text=_("0 is Monday, 6 is Sunday: 01234 is Monday to Friday."),
    )
    observe_holidays = models.BooleanField(
        _("off on public holidays"),
        default=True,
        help_text=_("Russian non-working holidays are days off."),
    )
    presence = models.CharField(
        _("presence"), max_length=16, choices=Presence.choices, default=Presence.AWAY
    )
    presence_changed_at = models.DateTimeField(_("presence changed"), null=True, blank=True)
    accepts_deals = models.BooleanField(
        _("takes new deals"),
        default=True,
        help_text=_("Off: the distribution passes this manager by (holiday, training…)."),
    )
    last_assigned_at = models.DateTimeField(
        _("last deal received"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Round-robin gives the next deal to whoever received one least recently."),
    )

    class Meta:
        verbose_name = _("manager profile")
        verbose_name_plural = _("manager profiles")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        if self.work_end != datetime.time(0, 0) and not self.work_start < self.work_end:
            raise ValidationError({"work_end": _("The shift must end after it starts.")})
        unknown = set(self.channels or []) - set(Channel.values)
        if unknown:
            raise ValidationError({"channels": _("Unknown channel: %s") % ", ".join(unknown)})
        unknown = set(self.customer_types or []) - set(CustomerType.values)
        if unknown:
            raise ValidationError(
                {"customer_types": _("Unknown customer type: %s") % ", ".join(unknown)}
            )


class DistributionRule(models.Model):
    """Which managers take which deals. Empty conditions match any deal.

    The matching active rule with the lowest priority number wins; between equal priorities
    the more specific rule (more conditions filled in) wins.
    """

    name = models.CharField(_("name"), max_length=200)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Rules with a lower number are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: any store."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: any channel."),
    )
    customer_type = models.CharField(
        _("customer type"),
        max_length=16,
        choices=CustomerType.choices,
        blank=True,
        help_text=_("Empty: both."),
    )
    source = models.CharField(
        _("source"),
        max_length=64,
        blank=True,
        help_text=_("As the deal's source (cart, one_click, landing, promo…). Empty: any."),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="+",
        limit_choices_to={"manager_profile__isnull": False},
        help_text=_("Who takes the deals of this rule. Empty: every suitable manager."),
    )

    class Meta:
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        """How many conditions are filled in: a more specific rule wins a tie of priority."""
        return sum(
            bool(value) for value in (self.store_id, self.channel, self.customer_type, self.source)
        )

    def matches(self, *, store_id: int, channel: str, customer_type: str, source: str) -> bool:
        return (
            (self.store_id is None or self.store_id == store_id)
            and (not self.channel or self.channel == channel)
            and (not self.customer_type or self.customer_type == customer_type)
            and (not self.source or self.source == source)
        )


class StoreDistributionSettings(models.Model):
    """A store's choices for distribution; a store without a row uses the defaults."""

    store = models.OneToOneField(
        Store,
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="distribution_settings",
    )
    queue_order = models.CharField(
        _("queue order"),
        max_length=16,
        choices=QueueOrder.choices,
        default=QueueOrder.OLDEST_FIRST,
        help_text=_("Which waiting deals go to managers first when they become free."),
    )
    returning_to_own_manager = models.BooleanField(
        _("returning customers to their manager"),
        default=True,
        help_text=_(
            "A customer who has bought before goes to their manager when that manager is "
            "available, before any rule."
        ),
    )

    class Meta:
        verbose_name = _("store distribution settings")
        verbose_name_plural = _("store distribution settings")

    def __str__(self) -> str:
        return str(self.store)


class DealAssignment(models.Model):
    """One decision of the distribution, or a change of manager by hand: who got the deal (or
    nobody: it was queued), by which strategy and rule, and when."""

    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.ForeignKey(
        DistributionRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
    )
    #: The rule's name at the time: the log keeps saying which rule it was after it is renamed
    #: or deleted.
    rule_name = models.CharField(_("rule"), max_length=200, blank=True)
    strategy = models.CharField(
        _("how"), max_length=24, choices=AssignmentStrategy.choices, db_index=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deal assignment")
        verbose_name_plural = _("deal assignments")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["deal", "-at"], name="dealassignment_deal_at")]

    def __str__(self) -> str:
        return f"{self.deal} → {self.manager or '—'} ({self.get_strategy_display()})"
