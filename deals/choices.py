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
