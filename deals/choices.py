"""Choices shared by deals and the orders placed from them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SITE = "site", _("Website")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    VIBER = "viber", "Viber"
    VK = "vk", _("VK")
    OTHER = "other", _("Other")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Pickup from our point")
    COURIER = "courier", _("City courier")
    CDEK = "cdek", _("CDEK")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online by link")
    ONLINE_ON_SITE = "online_on_site", _("Online on the website")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
    CARD_ON_DELIVERY = "card_on_delivery", _("Card on delivery")
    INVOICE = "invoice", _("Invoice (legal entity)")


#: Paid before the goods leave: the order waits for the money.
PREPAID_METHODS = frozenset({PaymentMethod.ONLINE, PaymentMethod.ONLINE_ON_SITE})
#: The customer pays when they receive the goods (or by invoice): the order is confirmed instead.
POSTPAID_METHODS = frozenset(
    {PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CARD_ON_DELIVERY, PaymentMethod.INVOICE}
)
#: Money taken by the courier or at the pickup point when the goods are handed over.
PAID_ON_RECEIPT_METHODS = frozenset(
    {PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CARD_ON_DELIVERY}
)


class CustomerType(models.TextChoices):
    """Who the deal is for: a person, or a company (a deal with a company is a legal entity's)."""

    INDIVIDUAL = "individual", _("Individual")
    LEGAL_ENTITY = "legal_entity", _("Legal entity")


class Presence(models.TextChoices):
    """Where a manager is right now; only «на месте» takes new deals."""

    AT_DESK = "at_desk", _("At desk")
    BUSY = "busy", _("Busy")
    LUNCH = "lunch", _("At lunch")
    AWAY = "away", _("Away")


class QueueOrder(models.TextChoices):
    OLDEST_FIRST = "oldest_first", _("Oldest first")
    NEWEST_FIRST = "newest_first", _("Newest first")


class AssignmentStrategy(models.TextChoices):
    RETURNING_CUSTOMER = "returning_customer", _("Returning customer to their manager")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    QUEUED = "queued", _("Queued")
    FROM_QUEUE = "from_queue", _("From the queue")
    MANUAL = "manual", _("By hand")
