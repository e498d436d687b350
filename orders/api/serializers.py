"""What a store's website sends and what it gets back (the OpenAPI schema is built from these)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contacts.validators import normalize_phone, validate_inn, validate_kpp
from deals.choices import DeliveryMethod

from ..intake import (
    SITE_PAYMENT_METHODS,
    CompanyIn,
    CustomerIn,
    DeliveryIn,
    IntakeOrder,
    ItemIn,
    PaymentIn,
)
from ..models import Order, PaymentStatus, Status

MAX_ITEMS = 200
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


def _django_to_drf(validator):
    def run(value):
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class CompanySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    inn = serializers.CharField(max_length=12, validators=[_django_to_drf(validate_inn)])
    kpp = serializers.CharField(
        max_length=9,
        required=False,
        allow_blank=True,
        default="",
        validators=[_django_to_drf(validate_kpp)],
    )

    def validate(self, attrs):
        if len(attrs["inn"]) == 10 and not attrs["kpp"]:
            raise serializers.ValidationError(
                {"kpp": _("A company with a 10-digit INN must have a KPP.")}
            )
        if len(attrs["inn"]) == 12 and attrs["kpp"]:
            raise serializers.ValidationError(
                {"kpp": _("A sole trader (12-digit INN) must not have a KPP.")}
            )
        return attrs


class CustomerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Any common format; stored as E.164 (+79991234567).",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    company = CompanySerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a legal entity buying by invoice.",
    )

    def validate_phone(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, attrs):
        if not attrs["phone"] and not attrs["email"]:
            raise serializers.ValidationError({"phone": _("Send the customer's phone or e-mail.")})
        return attrs


class ItemSerializer(serializers.Serializer):
    sku = serializers.CharField(
        max_length=64, validators=[RegexValidator(r"^\S+$", _("An SKU cannot contain spaces."))]
    )
    name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    price = serializers.DecimalField(**MONEY, help_text="Price of one unit, roubles.")


class DeliverySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.values)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    pickup_point_code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="pickup: the code of our pickup point; cdek: the CDEK point code.",
    )
    cost = serializers.DecimalField(**MONEY, required=False, default=Decimal("0"))


class PaymentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=list(SITE_PAYMENT_METHODS))
    paid = serializers.BooleanField(
        required=False, default=False, help_text="The customer has paid online on the site."
    )
    transaction_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The payment provider's id of the paid payment, for reconciliation.",
    )


class OrderIntakeSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, help_text="The order's id on the site; sending it again creates nothing."
    )
    created_at = serializers.DateTimeField(help_text="When the customer placed the order.")
    customer = CustomerSerializer()
    items = serializers.ListField(child=ItemSerializer(), min_length=1, max_length=MAX_ITEMS)
    delivery = DeliverySerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="Without delivery or payment only a deal is created: the manager calls.",
    )
    payment = PaymentSerializer(required=False, allow_null=True, default=None)
    coupon = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    source = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="cart, one_click, landing, promo…",
    )

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if "/" in value or not value:
            raise serializers.ValidationError(_("An order id cannot be empty or contain “/”."))
        return value

    def to_intake(self) -> IntakeOrder:
        data = self.validated_data
        customer = data["customer"]
        company = customer.get("company")
        return IntakeOrder(
            external_id=data["external_id"],
            created_at=data["created_at"],
            customer=CustomerIn(
                name=customer["name"],
                phone=customer["phone"],
                email=customer["email"],
                company=CompanyIn(**company) if company else None,
            ),
            items=[ItemIn(**item) for item in data["items"]],
            delivery=DeliveryIn(**data["delivery"]) if data.get("delivery") else None,
            payment=PaymentIn(**data["payment"]) if data.get("payment") else None,
            coupon=data["coupon"],
            comment=data["comment"],
            source=data["source"],
        )


class OrderReceiptSerializer(serializers.Serializer):
    """The answer to an accepted order (201) or to the same order sent again (200)."""

    number = serializers.CharField(help_text="The order number the customer is told.")
    deal_id = serializers.IntegerField()
    order_id = serializers.IntegerField(
        allow_null=True, help_text="null when only a deal was created (no delivery or payment)."
    )
    status = serializers.ChoiceField(choices=Status.values, allow_null=True)
    payment_status = serializers.ChoiceField(choices=PaymentStatus.values, allow_null=True)


class OrderStateSerializer(serializers.Serializer):
    """The current state of an order the site sent, by its external id."""

    number = serializers.CharField()
    external_id = serializers.CharField()
    deal_id = serializers.IntegerField()
    deal_stage = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.values, allow_null=True)
    status_label = serializers.CharField(allow_null=True)
    payment_status = serializers.ChoiceField(choices=PaymentStatus.values, allow_null=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    tracking_number = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField()


def receipt_data(deal, order: Order | None) -> dict:
    return {
        "number": deal.number,
        "deal_id": deal.pk,
        "order_id": order.pk if order else None,
        "status": order.status if order else None,
        "payment_status": order.payment_status if order else None,
    }
